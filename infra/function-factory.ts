import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CONFIG_FILE_ENV, CONFIG_FILE_NAME } from '../functions/shared/config-file.ts';
import {
  type BundleResult,
  bundleHandlerSync,
  bundleSdkLayerSync,
  mergeSdkImports,
  SDK_LAYER_DIR,
  type SdkImports,
} from './bundle.ts';
import { HANDLER_ENTRIES } from './handlers.ts';

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

/** Bundles already built in this process, by entry: both regions' stacks ship the same handler bytes. */
const built = new Map<string, { readonly dir: string; readonly result: BundleResult }>();
/** The SDK layer built in this process: both stacks ship the same layer too. */
let layerBuilt: string | undefined;
let bundles: string | undefined;

/** Where this process builds its bundles (CDK copies them into the assembly), removed when it exits. */
function bundlesDir(): string {
  if (!bundles) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ballast-bundles-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    bundles = dir;
  }
  return bundles;
}

/** A handler's bundle, built once per process. */
function handlerBundle(entry: string): { readonly dir: string; readonly result: BundleResult } {
  let bundle = built.get(entry);
  if (!bundle) {
    const dir = mkdtempSync(path.join(bundlesDir(), 'bundle-'));
    bundle = { dir, result: bundleHandlerSync(PROJECT_ROOT, entry, dir) };
    built.set(entry, bundle);
  }
  return bundle;
}

/** What the SDK layer serves: everything the handlers of HANDLER_ENTRIES import from the SDK. */
let layerImports: SdkImports | undefined;
function sdkLayerImports(): SdkImports {
  layerImports ??= mergeSdkImports(HANDLER_ENTRIES.map((e) => handlerBundle(e).result.sdkImports));
  return layerImports;
}

/** The SDK layer's directory, built once per process. */
function sdkLayerDir(): string {
  if (!layerBuilt) {
    const dir = mkdtempSync(path.join(bundlesDir(), 'sdk-layer-'));
    bundleSdkLayerSync(PROJECT_ROOT, sdkLayerImports(), dir);
    layerBuilt = dir;
  }
  return layerBuilt;
}

/** Fails a bundle that imports from the SDK what the layer does not export: the function would not load. */
function assertServedByLayer(entry: string, imports: SdkImports): void {
  const served = sdkLayerImports();
  const missing = [...imports].flatMap(([pkg, names]) =>
    [...names].filter((name) => !served.get(pkg)?.has(name)).map((name) => `${pkg} ${name}`),
  );
  if (missing.length > 0) {
    throw new Error(
      `${entry} imports ${missing.join(', ')}, which the SDK layer does not export: it is built from the handlers of HANDLER_ENTRIES (infra/handlers.ts). Add ${entry} there.`,
    );
  }
}

/** Never pulled: the local bundling always succeeds or throws. */
const BUNDLING_IMAGE = DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x');

/**
 * A handler's code: its bundle as infra/bundle.ts builds it (ESM, the AWS SDK imported from the layer), plus
 * the configuration file. Hashed by output, as NodejsFunction does; infra tests that skip bundling (context
 * `aws:cdk:bundling-stacks: []`) never run it.
 */
function bundledCode(entry: string, configFile: string | undefined): lambda.Code {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: BUNDLING_IMAGE,
      // CDK stages one asset per source path and bundling options within an assembly, and the `local`
      // bundler (a function) is not part of that key: without this every function of a stack shipped the
      // bundle staged first. The entry and the configuration file (named by its digest) make the key the
      // function's own; the variable is never read, as the image never runs.
      environment: { BALLAST_BUNDLE: configFile ? `${entry} ${path.basename(path.dirname(configFile))}` : entry },
      local: {
        tryBundle(outputDir: string): boolean {
          const bundle = handlerBundle(entry);
          assertServedByLayer(entry, bundle.result.sdkImports);
          cpSync(bundle.dir, outputDir, { recursive: true });
          if (configFile) copyFileSync(configFile, path.join(outputDir, CONFIG_FILE_NAME));
          return true;
        },
      },
    },
  });
}

/** The stack's SDK layer (one per stack, shared by its functions): infra/bundle.ts says why Ballast ships one. */
function sdkLayer(scope: Construct): lambda.ILayerVersion {
  const stack = Stack.of(scope);
  const id = 'BallastSdkLayer';
  const existing = stack.node.tryFindChild(id) as lambda.LayerVersion | undefined;
  if (existing) return existing;
  return new lambda.LayerVersion(stack, id, {
    description:
      "The AWS SDK for JavaScript v3, tree-shaken to what Ballast's functions import (ESM, /opt/ballast-sdk)",
    compatibleRuntimes: [lambda.Runtime.NODEJS_24_X],
    compatibleArchitectures: [lambda.Architecture.ARM_64],
    code: lambda.Code.fromAsset(PROJECT_ROOT, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: BUNDLING_IMAGE,
        environment: { BALLAST_BUNDLE: SDK_LAYER_DIR },
        local: {
          tryBundle(outputDir: string): boolean {
            cpSync(sdkLayerDir(), outputDir, { recursive: true });
            return true;
          },
        },
      },
    }),
  });
}

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
 * Makes Ballast's functions with one set of defaults: the newest Node.js runtime, ARM64, ESM bundles that
 * import the AWS SDK from the stack's SDK layer (infra/bundle.ts), JSON logs into an explicit log group with retention, X-Ray
 * tracing, and an own role that may write only to its own log group. Infra tests skip bundling with the context
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
      code: bundledCode(props.entry, configFile),
      layers: [sdkLayer(scope)],
      handler: `index.${props.handler ?? 'handler'}`,
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
