import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError } from '../core/aws-error.ts';
import type { Kernel } from '../core/kernel.ts';
import { type Caller, operationOf, type ServiceDefinition } from '../core/service.ts';
import { dynamoErrorCode, startDynamo } from './dynamo-proxy.ts';
import { jsonCodec } from './json-protocol.ts';
import type { RateLimitsOption } from './pipeline.ts';
import { type Authorizer, CallPipeline, type CallRecord } from './pipeline.ts';
import { queryCodec } from './query-protocol.ts';
import { restXmlCodec } from './rest-xml-protocol.ts';
import { parseAuthorization, parsePresigned } from './sigv4.ts';
import { type Codec, frontDoor, header, type WireRequest, type WireResponse } from './wire.ts';

export type { Authorizer, CallRecord } from './pipeline.ts';

/**
 * The local cloud's one HTTP endpoint: it speaks the AWS wire protocols (awsJson 1.0/1.1, awsQuery,
 * restXml) so the real SDKs, botocore and the AWS CLI work against it unchanged, routes each call by its
 * SigV4 credential scope to a simulated service, and applies on virtual time what AWS applies in front of a
 * service: region outages, IAM, rate limits and injected faults. DynamoDB is dynalite, reached directly
 * (`dynamodbUrl`) or through this endpoint.
 */
export interface LocalEndpoint {
  readonly url: string;
  readonly port: number;
  readonly dynamodbUrl: string;
  readonly calls: CallRecord[];
  close(): Promise<void>;
}

export interface EndpointOptions {
  /** The simulated world (its kernel is all the endpoint needs: time, randomness, faults, regions down). */
  world: Kernel;
  services: readonly ServiceDefinition[];
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Token buckets of config/limits.ts on virtual time. Default true. */
  /** AWS's published rate limits (true), none (false), or each bucket's burst and refill times `scale`. */
  rateLimits?: RateLimitsOption;
  /** IAM: called for every request; a denial answers AccessDenied. Default: everything is allowed. */
  authorize?: Authorizer;
  /** Who an access key belongs to. Default `{ accessKeyId, name: 'operator' }`. */
  callerFor?: (accessKeyId: string) => Caller | undefined;
  onCall?: (record: CallRecord) => void;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const DYNAMO_TARGET = 'DynamoDB_20120810.';
const DYNAMO_SERVICE: ServiceDefinition = {
  signingName: 'dynamodb',
  iamPrefix: 'dynamodb',
  protocol: 'awsJson1_0',
  targetPrefix: 'DynamoDB_20120810',
  operations: {},
};
const CODECS: Record<ServiceDefinition['protocol'], Codec> = {
  awsJson1_0: jsonCodec('1.0'),
  awsJson1_1: jsonCodec('1.1'),
  awsQuery: queryCodec,
  restXml: restXmlCodec(),
};

export async function startEndpoint(options: EndpointOptions): Promise<LocalEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const { world } = options;
  const pipeline = new CallPipeline(world, {
    rateLimits: options.rateLimits ?? true,
    ...(options.authorize ? { authorize: options.authorize } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
  const bySigningName = new Map(options.services.map((service) => [service.signingName, service]));
  const byTargetPrefix = new Map(
    options.services.flatMap((service) => (service.targetPrefix ? [[service.targetPrefix, service] as const] : [])),
  );
  const callerOf = (accessKeyId: string): Caller =>
    options.callerFor?.(accessKeyId) ?? { accessKeyId, name: 'operator' };
  const dynamo = await startDynamo(host);
  let closed: () => void = () => {};
  const closing = new Promise<void>((resolve) => {
    closed = resolve;
  });

  /** The service a request is for: its signing name, else its X-Amz-Target prefix, else its REST path. */
  function serviceFor(request: WireRequest, signingName: string | undefined): ServiceDefinition | undefined {
    const bySigning = signingName ? bySigningName.get(signingName) : undefined;
    if (bySigning) return bySigning;
    const target = header(request, 'x-amz-target');
    if (target) return byTargetPrefix.get(target.slice(0, target.lastIndexOf('.')));
    if (request.path.startsWith('/2013-04-01/')) return options.services.find((s) => s.protocol === 'restXml');
    return undefined;
  }

  async function handle(request: WireRequest): Promise<WireResponse> {
    const target = header(request, 'x-amz-target');
    if (target?.startsWith(DYNAMO_TARGET)) return proxyDynamo(request, target.slice(DYNAMO_TARGET.length));
    const scope = parseAuthorization(header(request, 'authorization')) ?? parsePresigned(request.query);
    const service = serviceFor(request, scope?.service);
    const t = pipeline.now();
    const requestId = pipeline.requestId();
    if (!service) {
      const codec = target ? CODECS.awsJson1_1 : CODECS.awsQuery;
      const error = new AwsError('UnknownServiceException', `The local cloud has no service '${scope?.service}'`, 400);
      pipeline.record({
        t,
        region: scope?.region ?? 'unknown',
        service: scope?.service ?? 'unknown',
        action: target ?? '',
        caller: 'unknown',
        resources: [],
        outcome: 'error',
        errorCode: error.code,
      });
      const unknown: ServiceDefinition = { ...DYNAMO_SERVICE, signingName: scope?.service ?? 'unknown' };
      return codec.encodeError(unknown, error, requestId);
    }
    const codec = codecFor(service, request);
    const region = service.global ? 'us-east-1' : (scope?.region ?? 'us-east-1');
    const caller = scope ? callerOf(scope.accessKeyId) : { accessKeyId: '', name: 'anonymous' };
    const base = { t, region, service: service.iamPrefix, caller: caller.name };
    const fail = (action: string, error: AwsError, outcome: CallRecord['outcome'], extra: Partial<CallRecord> = {}) => {
      pipeline.record({ ...base, action, resources: [], outcome, errorCode: error.code, ...extra });
      return codec.encodeError(service, error, requestId);
    };

    let decoded: { action: string; input: Record<string, unknown> };
    try {
      decoded = codec.decode(service, request);
    } catch (error) {
      if (!scope) return fail('', frontDoor.missingAuthentication(codec.protocol), 'denied');
      return fail('', asAwsError(error, codec), 'error');
    }
    const { action, input } = decoded;
    if (!scope) return fail(action, frontDoor.missingAuthentication(codec.protocol), 'denied');
    const operation = operationOf(service, action);
    if (!operation) return fail(action, frontDoor.unknownOperation(codec.protocol, action), 'error');
    if (!service.global && !pipeline.knowsRegion(region))
      return fail(action, frontDoor.unknownRegion(codec.protocol, region), 'error');

    const ctx = { kernel: world, region, caller, now: t, model: service.modelOf?.(region) };
    const resources = resourcesOf(() => operation.resources?.(input, ctx));
    const conditionKeys = operation.conditionKeys?.(input);
    const gate = pipeline.gate({
      protocol: codec.protocol,
      iamPrefix: service.iamPrefix,
      action,
      region,
      global: service.global ?? false,
      caller,
      resources,
      ...(conditionKeys ? { conditionKeys } : {}),
    });
    const latency = gate.latencyMs > 0 ? { latencyMs: gate.latencyMs } : {};
    if (!gate.pass) {
      const refused = fail(action, gate.error, gate.outcome, { resources, ...latency });
      if (gate.hangMs) await holdFor(gate.hangMs);
      return refused;
    }
    try {
      const output = await operation.handler(input, ctx);
      pipeline.record({ ...base, action, resources, outcome: 'ok', ...latency });
      return codec.encodeResult(service, action, output, requestId);
    } catch (error) {
      return fail(action, asAwsError(error, codec), 'error', { resources, ...latency });
    }
  }

  /** Holds a timed-out call (real time; the timer does not keep the process alive, `close` ends it early). */
  function holdFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      void closing.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async function proxyDynamo(request: WireRequest, action: string): Promise<WireResponse> {
    const codec = CODECS.awsJson1_0;
    const scope = parseAuthorization(header(request, 'authorization'));
    const t = pipeline.now();
    const region = scope?.region ?? 'us-east-1';
    const caller = scope ? callerOf(scope.accessKeyId) : { accessKeyId: '', name: 'anonymous' };
    const base = { t, region, service: 'dynamodb', action, caller: caller.name };
    const resources = resourcesOf(() => {
      const table = (JSON.parse(request.body.toString('utf8') || '{}') as { TableName?: unknown }).TableName;
      return typeof table === 'string' ? [`arn:aws:dynamodb:${region}:${world.accountId}:table/${table}`] : undefined;
    });
    if (scope) {
      if (!pipeline.knowsRegion(region)) {
        const error = frontDoor.unknownRegion(codec.protocol, region);
        pipeline.record({ ...base, resources, outcome: 'error', errorCode: error.code });
        return codec.encodeError(DYNAMO_SERVICE, error, pipeline.requestId());
      }
      const gate = pipeline.gate({
        protocol: codec.protocol,
        iamPrefix: 'dynamodb',
        action,
        region,
        global: false,
        caller,
        resources,
      });
      if (!gate.pass) {
        pipeline.record({
          ...base,
          resources,
          outcome: gate.outcome,
          errorCode: gate.error.code,
          ...(gate.latencyMs > 0 ? { latencyMs: gate.latencyMs } : {}),
        });
        return codec.encodeError(DYNAMO_SERVICE, gate.error, pipeline.requestId());
      }
    }
    // Without credentials dynalite answers MissingAuthenticationTokenException itself, as DynamoDB does.
    const search = request.query.toString();
    const response = await dynamo.forward({
      method: request.method,
      path: request.path + (search ? `?${search}` : ''),
      headers: request.headers,
      body: request.body,
    });
    const errorCode = response.status >= 300 ? dynamoErrorCode(response.body) : undefined;
    pipeline.record({
      ...base,
      resources,
      outcome: errorCode || response.status >= 300 ? (scope ? 'error' : 'denied') : 'ok',
      ...(errorCode ? { errorCode } : {}),
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && name !== 'connection' && name !== 'transfer-encoding' && name !== 'content-length')
        headers[name] = String(value);
    }
    return { status: response.status, headers, body: response.body };
  }

  const server = createServer((req, res) => {
    serve(req, res, handle, () => pipeline.now()).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`local cloud endpoint failure: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    dynamodbUrl: dynamo.url,
    calls: pipeline.calls,
    async close() {
      closed();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await dynamo.close();
    },
  };
}

/** A request matched to a codec: by what it carries (a JSON target, a REST path, a form), not only by the model. */
function codecFor(service: ServiceDefinition, request: WireRequest): Codec {
  if (service.protocol === 'restXml') return CODECS.restXml;
  if (header(request, 'x-amz-target')) {
    const contentType = header(request, 'content-type') ?? '';
    if (contentType.includes('x-amz-json-1.0')) return CODECS.awsJson1_0;
    if (contentType.includes('x-amz-json-1.1')) return CODECS.awsJson1_1;
    return service.protocol === 'awsQuery' ? CODECS.awsJson1_0 : CODECS[service.protocol];
  }
  if (service.protocol !== 'awsQuery' && !(header(request, 'content-type') ?? '').includes('x-www-form-urlencoded')) {
    return CODECS[service.protocol];
  }
  return CODECS.awsQuery;
}

function resourcesOf(compute: () => string[] | undefined): string[] {
  try {
    const resources = compute();
    return resources && resources.length > 0 ? resources : ['*'];
  } catch {
    return ['*'];
  }
}

function asAwsError(error: unknown, codec: Codec): AwsError {
  if (error instanceof AwsError) return error;
  return frontDoor.internal(codec.protocol, error instanceof Error ? error.message : String(error));
}

/**
 * Serves one HTTP request. The `Date` header is the virtual clock's (also over dynalite's own): the SDK
 * compares it with the caller's clock, which is virtual too, and on a gap over 5 minutes marks the error
 * `clockSkewCorrected` and retries the call. With the real time in that header, whether an error response
 * was retried depended on how fast the machine ran, and so did the number of API calls.
 */
async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handle: (request: WireRequest) => Promise<WireResponse>,
  virtualNow: () => number,
) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413, { 'content-type': 'text/plain' });
      res.end('request body too large');
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const url = new URL(req.url ?? '/', 'http://local');
  const response = await handle({
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body: Buffer.concat(chunks),
  });
  const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  res.writeHead(response.status, {
    ...response.headers,
    date: new Date(virtualNow()).toUTCString(),
    'content-length': String(body.length),
  });
  res.end(body);
}
