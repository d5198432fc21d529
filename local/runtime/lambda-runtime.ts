import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kernel } from '../core/kernel.ts';

/**
 * Lambda, in process: the real handler module of a deployed function (found through the `ballast:entry`
 * metadata the function factory writes), called with the function's own environment from the template,
 * its region, the local cloud's endpoint and credentials that identify its role. Invocations never
 * overlap (the clock runs one process at a time), so swapping `process.env` per invocation is safe.
 *
 * Versions, as Lambda keeps them: the unpublished `$LATEST` changes with every deploy; `publishVersion`
 * snapshots its code and configuration as version N (1, 2, …), which never changes and runs in module
 * instances of its own; publishing again with nothing changed since the last version returns that
 * version ("Lambda doesn't publish a version if the function's configuration and code haven't changed
 * since the last version", PublishVersion). A qualified ARN (`…:function:name:N`), a `name:N` or a
 * `Qualifier` invokes version N; an unqualified one or `$LATEST` the unpublished code; a version that
 * does not exist (never published, or deleted) fails with ResourceNotFoundException, as Invoke does.
 * Aliases are not modelled (Ballast's templates have none): a qualifier that is not a number or
 * `$LATEST` is not found either.
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
  /** The version that ran: `$LATEST` or the published version's number ('1', '2', …). */
  readonly version: string;
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

/** What a function reference names: the function (its unqualified ARN or name) and the qualifier, if any. */
function parseFunctionRef(arnOrName: string): { base: string; qualifier: string | undefined } {
  const parts = arnOrName.split(':');
  if (arnOrName.startsWith('arn:')) {
    // arn:partition:lambda:region:account:function:name[:qualifier]
    return { base: parts.slice(0, 7).join(':'), qualifier: parts[7] };
  }
  // name[:qualifier] (a partial ARN, account:function:name, is not used by the local cloud)
  return { base: parts[0] ?? arnOrName, qualifier: parts[1] };
}

/** The code and configuration a version is a snapshot of (what a publish compares). */
const snapshotOf = (fn: DeployedFunction): string =>
  JSON.stringify([fn.entry, fn.handlerExport, fn.environment, fn.accessKeyId, fn.timeoutSeconds, fn.region]);

export class LambdaRuntime {
  private readonly functions = new Map<string, DeployedFunction>();
  /** Published versions of each function (by unqualified ARN): number → the snapshot taken then. */
  private readonly versions = new Map<string, Map<number, DeployedFunction>>();
  /** The highest version number each function has published (numbers are never reused, as in Lambda). */
  private readonly lastVersion = new Map<string, number>();
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

  /**
   * PublishVersion: version N of the function, a snapshot of its code and configuration now; the last
   * version again when nothing changed since it was published. Returns its number.
   */
  publishVersion(arnOrName: string): number {
    const fn = this.functions.get(parseFunctionRef(arnOrName).base);
    if (!fn) throw new LambdaFunctionError('ResourceNotFoundException', `Function not found: ${arnOrName}`);
    const published = this.versions.get(fn.arn) ?? new Map<number, DeployedFunction>();
    this.versions.set(fn.arn, published);
    const last = this.lastVersion.get(fn.arn) ?? 0;
    const latest = published.get(last);
    if (latest && snapshotOf(latest) === snapshotOf(fn)) return last;
    const version = last + 1;
    published.set(version, { ...fn, environment: { ...fn.environment } });
    this.lastVersion.set(fn.arn, version);
    return version;
  }

  /** DeleteFunction with a version as Qualifier: that version is gone; its number is not used again. */
  deleteVersion(arnOrName: string, version: number): void {
    const fn = this.functions.get(parseFunctionRef(arnOrName).base);
    if (!fn) return;
    this.versions.get(fn.arn)?.delete(version);
    this.modules.delete(`${fn.arn}:${version}`);
  }

  /** The published version numbers of a function, in order. */
  versionsOf(arnOrName: string): number[] {
    const fn = this.functions.get(parseFunctionRef(arnOrName).base);
    return fn ? [...(this.versions.get(fn.arn)?.keys() ?? [])].sort((a, b) => a - b) : [];
  }

  /**
   * The function a reference names, at the version it names: an unqualified ARN or name (or `$LATEST`)
   * finds the unpublished code, a qualified one (or `qualifier`) that published version.
   */
  find(arnOrName: string, qualifier?: string): DeployedFunction | undefined {
    return this.resolve(arnOrName, qualifier)?.fn;
  }

  private resolve(
    arnOrName: string,
    qualifier?: string,
  ): { fn: DeployedFunction; version: string; invokedArn: string } | undefined {
    const ref = parseFunctionRef(arnOrName);
    const latest = this.functions.get(ref.base);
    if (!latest) return undefined;
    if (qualifier !== undefined && ref.qualifier !== undefined && qualifier !== ref.qualifier) return undefined;
    const wanted = qualifier ?? ref.qualifier;
    if (wanted === undefined || wanted === '$LATEST') {
      return { fn: latest, version: '$LATEST', invokedArn: wanted ? `${latest.arn}:${wanted}` : latest.arn };
    }
    if (!/^[1-9][0-9]*$/.test(wanted)) return undefined;
    const fn = this.versions.get(latest.arn)?.get(Number(wanted));
    return fn ? { fn, version: wanted, invokedArn: `${latest.arn}:${wanted}` } : undefined;
  }

  /** Every function's unpublished code ($LATEST). */
  list(): DeployedFunction[] {
    return [...new Set(this.functions.values())];
  }

  /**
   * Invokes a function (at the version its reference or `options.qualifier` names) and returns its result;
   * a handler error is rethrown as LambdaFunctionError.
   */
  async invoke(arnOrName: string, event: unknown, options: { qualifier?: string } = {}): Promise<unknown> {
    const resolved = this.resolve(arnOrName, options.qualifier);
    if (!resolved) {
      const named = options.qualifier !== undefined ? `${arnOrName} (Qualifier ${options.qualifier})` : arnOrName;
      throw new LambdaFunctionError('ResourceNotFoundException', `Function not found: ${named}`);
    }
    const { fn, version, invokedArn } = resolved;
    const requestId = `${(++this.requestSeq).toString(16).padStart(8, '0')}-0000-4000-8000-${this.world.elapsedSeconds().toString(16).padStart(12, '0')}`;
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const context = {
      functionName: fn.name,
      functionVersion: version,
      invokedFunctionArn: invokedArn,
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
      const handler = await this.handlerOf(fn, version);
      const result = await handler(event, context);
      this.invocations.push({ t: this.world.now(), functionName: fn.name, version, region: fn.region, outcome: 'ok' });
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.invocations.push({
        t: this.world.now(),
        functionName: fn.name,
        version,
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

  private async handlerOf(fn: DeployedFunction, version: string): Promise<Handler> {
    // One module instance per function (the query string), as each Lambda function has its own: two
    // regions' functions built from the same entry must not share what they read at cold start; and per
    // version, as each version runs in execution environments of its own.
    const key = version === '$LATEST' ? fn.arn : `${fn.arn}:${version}`;
    let loading = this.modules.get(key);
    if (!loading) {
      // … and per deployment (the endpoint): a new local cloud is a new deployment, so a cold start.
      const redeployed = version === '$LATEST' ? this.deployments.get(fn.arn) : undefined;
      const instance = encodeURIComponent(
        `${key}@${this.options.endpoint.url}${redeployed ? `#deploy-${redeployed}` : ''}`,
      );
      const url = `${pathToFileURL(path.join(this.options.projectRoot, fn.entry)).href}?function=${instance}`;
      loading = import(url) as Promise<Record<string, unknown>>;
      this.modules.set(key, loading);
    }
    const module = await loading;
    const handler = module[fn.handlerExport];
    if (typeof handler !== 'function') {
      throw new LambdaFunctionError('Runtime.HandlerNotFound', `${fn.entry} does not export '${fn.handlerExport}'`);
    }
    return handler as Handler;
  }
}
