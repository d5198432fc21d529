import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kernel } from '../core/kernel.ts';

/**
 * Lambda, in process: the real handler module of a deployed function (found through the `ballast:entry`
 * metadata the function factory writes), called with the function's own environment from the template,
 * its region, the local cloud's endpoint and credentials that identify its role. Invocations never
 * overlap (the clock runs one process at a time), so swapping `process.env` per invocation is safe.
 */
export interface DeployedFunction {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  /** Handler module path relative to the project root. */
  readonly entry: string;
  readonly handlerExport: string;
  readonly environment: Record<string, string>;
  /** Access key id the local cloud maps to this function's role. */
  readonly accessKeyId: string;
  readonly timeoutSeconds: number;
}

export interface InvocationRecord {
  readonly t: number;
  readonly functionName: string;
  readonly region: string;
  readonly outcome: 'ok' | 'error';
  readonly errorType?: string;
}

/** The error a Lambda task surfaces: its name is the handler error's name, as Step Functions reports it. */
export class LambdaFunctionError extends Error {
  constructor(
    name: string,
    readonly errorMessage: string,
  ) {
    super(JSON.stringify({ errorType: name, errorMessage }));
    this.name = name;
  }
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export class LambdaRuntime {
  private readonly functions = new Map<string, DeployedFunction>();
  private readonly modules = new Map<string, Promise<Record<string, unknown>>>();
  /** Redeploys of each function (a new module instance each: Node caches modules by URL). */
  private readonly deployments = new Map<string, number>();
  readonly invocations: InvocationRecord[] = [];
  private requestSeq = 0;

  constructor(
    private readonly world: Kernel,
    private readonly options: { projectRoot: string; endpoint: { url: string }; baseEnv?: Record<string, string> },
  ) {}

  /** Registers a function; registering it again with other code or environment (a redeploy) is a cold start. */
  register(fn: DeployedFunction): void {
    const before = this.functions.get(fn.arn);
    if (
      before &&
      (before.entry !== fn.entry || JSON.stringify(before.environment) !== JSON.stringify(fn.environment))
    ) {
      this.modules.delete(fn.arn);
      this.deployments.set(fn.arn, (this.deployments.get(fn.arn) ?? 0) + 1);
    }
    this.functions.set(fn.arn, fn);
    this.functions.set(fn.name, fn);
  }

  find(arnOrName: string): DeployedFunction | undefined {
    // A qualified ARN (…:function:name:alias) or a bare name both find the function.
    const direct = this.functions.get(arnOrName);
    if (direct) return direct;
    const unqualified = arnOrName.split(':').slice(0, 7).join(':');
    return this.functions.get(unqualified);
  }

  list(): DeployedFunction[] {
    return [...new Set(this.functions.values())];
  }

  /** Invokes a function and returns its result; a handler error is rethrown as LambdaFunctionError. */
  async invoke(arnOrName: string, event: unknown): Promise<unknown> {
    const fn = this.find(arnOrName);
    if (!fn) throw new LambdaFunctionError('ResourceNotFoundException', `Function not found: ${arnOrName}`);
    const requestId = `${(++this.requestSeq).toString(16).padStart(8, '0')}-0000-4000-8000-${this.world.elapsedSeconds().toString(16).padStart(12, '0')}`;
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const context = {
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: '256',
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `local/${requestId}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    const saved = { ...process.env };
    Object.assign(process.env, this.options.baseEnv ?? {}, fn.environment, {
      AWS_REGION: fn.region,
      AWS_DEFAULT_REGION: fn.region,
      AWS_ENDPOINT_URL: this.options.endpoint.url,
      AWS_ACCESS_KEY_ID: fn.accessKeyId,
      AWS_SECRET_ACCESS_KEY: 'local-cloud-secret',
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    try {
      // Loaded inside the environment swap: a handler reads its configuration at cold start.
      const handler = await this.handlerOf(fn);
      const result = await handler(event, context);
      this.invocations.push({ t: this.world.now(), functionName: fn.name, region: fn.region, outcome: 'ok' });
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.invocations.push({
        t: this.world.now(),
        functionName: fn.name,
        region: fn.region,
        outcome: 'error',
        errorType: err.name,
      });
      throw new LambdaFunctionError(err.name, err.message);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }

  private async handlerOf(fn: DeployedFunction): Promise<Handler> {
    // One module instance per function (the query string), as each Lambda function has its own: two
    // regions' functions built from the same entry must not share what they read at cold start.
    let loading = this.modules.get(fn.arn);
    if (!loading) {
      // … and per deployment (the endpoint): a new local cloud is a new deployment, so a cold start.
      const redeployed = this.deployments.get(fn.arn);
      const instance = encodeURIComponent(
        `${fn.arn}@${this.options.endpoint.url}${redeployed ? `#deploy-${redeployed}` : ''}`,
      );
      const url = `${pathToFileURL(path.join(this.options.projectRoot, fn.entry)).href}?function=${instance}`;
      loading = import(url) as Promise<Record<string, unknown>>;
      this.modules.set(fn.arn, loading);
    }
    const module = await loading;
    const handler = module[fn.handlerExport];
    if (typeof handler !== 'function') {
      throw new LambdaFunctionError('Runtime.HandlerNotFound', `${fn.entry} does not export '${fn.handlerExport}'`);
    }
    return handler as Handler;
  }
}
