import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CONFIG_FILE_ENV, CONFIG_FILE_NAME } from '../functions/shared/config-file.ts';

/** Lambda keeps all environment variables of a function within 4 KB (keys and values). */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;

/** Writes the configuration documents to a synth-time file the bundling step copies into the asset. */
function writeConfigFile(config: Record<string, string>): string {
  const content = JSON.stringify(config);
  const dir = path.join(os.tmpdir(), 'ballast-config', createHash('sha256').update(content).digest('hex').slice(0, 16));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, CONFIG_FILE_NAME);
  writeFileSync(file, content);
  return file;
}

/** The repository root: handler entries are given relative to it. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * How every handler is bundled (esbuild, through NodejsFunction): one minified ESM file with the AWS SDK left
 * out (the Lambda runtime provides it). The test of the bundles' clients (test/infra/bundle-clients.test.ts)
 * builds with these same options.
 */
export const BUNDLING = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  // Error classes are matched by name in Step Functions Retry/Catch (`InvalidInput`, `AwsTransient`):
  // minification must not rename them.
  keepNames: true,
  mainFields: ['module', 'main'],
  external: ['@aws-sdk/*'],
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const;

export interface BallastFunctionProps {
  /** Handler module, relative to the repository root, e.g. 'functions/host-draining/handler.ts'. */
  readonly entry: string;
  /** Exported handler name. @default 'handler' */
  readonly handler?: string;
  readonly description: string;
  readonly environment?: Record<string, string>;
  /**
   * Configuration documents too large for the environment (Lambda allows 4 KB in all), by name, e.g.
   * `{ BALLAST_DRAIN_CONFIG: json }`: shipped in the bundle as ballast-config.json and read with
   * `configValue(name)` (functions/shared/config-file.ts).
   */
  readonly config?: Record<string, string>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
}

/**
 * Makes Ballast's functions with one set of defaults: the newest Node.js runtime, ARM64, ESM bundles with
 * the AWS SDK kept external, JSON logs into an explicit log group with retention, X-Ray tracing, and an
 * own role that may write only to its own log group. Infra tests skip bundling with the context
 * `aws:cdk:bundling-stacks: []`, or inject another factory.
 */
export interface FunctionFactory {
  create(scope: Construct, id: string, props: BallastFunctionProps): lambda.Function;
}

export interface BundledFunctionFactoryProps {
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY (log groups only) */
  readonly logRemovalPolicy?: RemovalPolicy;
}

export class BundledFunctionFactory implements FunctionFactory {
  constructor(private readonly props: BundledFunctionFactoryProps = {}) {}

  create(scope: Construct, id: string, props: BallastFunctionProps): lambda.Function {
    const ns = new Construct(scope, id);
    const logGroup = new logs.LogGroup(ns, 'Logs', {
      retention: this.props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: this.props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(ns, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`,
    });
    const configFile = props.config ? writeConfigFile(props.config) : undefined;
    const environment: Record<string, string> = {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'ballast',
      POWERTOOLS_METRICS_NAMESPACE: 'Ballast',
      ...(configFile ? { [CONFIG_FILE_ENV]: CONFIG_FILE_NAME } : {}),
      ...props.environment,
    };
    const envBytes = Object.entries(environment).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
      0,
    );
    if (envBytes > LAMBDA_ENVIRONMENT_BYTES) {
      throw new Error(
        `${id}: the environment would be ${envBytes} bytes; Lambda allows ${LAMBDA_ENVIRONMENT_BYTES}. Pass large values as \`config\` (they ship in the bundle).`,
      );
    }
    const fn = new nodejs.NodejsFunction(ns, 'Function', {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      environment,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: BUNDLING.target,
        minify: BUNDLING.minify,
        keepNames: BUNDLING.keepNames,
        sourceMap: true,
        mainFields: [...BUNDLING.mainFields],
        externalModules: [...BUNDLING.external],
        banner: BUNDLING.banner,
        ...(configFile
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_input: string, output: string) => [
                  `cp ${JSON.stringify(configFile)} ${JSON.stringify(path.join(output, CONFIG_FILE_NAME))}`,
                ],
              },
            }
          : {}),
      },
    });
    logGroup.grantWrite(role);
    // Where the handler lives, so the local cloud (and the test harness) can run the real handler for this ARN.
    (fn.node.defaultChild as lambda.CfnFunction).addMetadata('ballast:entry', props.entry);
    (fn.node.defaultChild as lambda.CfnFunction).addMetadata('ballast:handler', props.handler ?? 'handler');
    // What the bundle's ballast-config.json holds, for the local cloud (it runs handlers from source).
    if (props.config) (fn.node.defaultChild as lambda.CfnFunction).addMetadata('ballast:config', props.config);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
    });
    return fn;
  }
}
