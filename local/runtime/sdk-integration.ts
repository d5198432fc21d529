/**
 * Step Functions' AWS SDK and optimized service integrations, done as Step Functions does them: a real
 * SDK call (here: the real SDK v3 client against the local cloud), with the state machine's role as the
 * caller. Step Functions speaks PascalCase on both sides whatever the API's own casing, and names errors
 * `Service.ErrorNameException`.
 */

interface ServiceBinding {
  /** npm package of the SDK v3 client. */
  readonly pkg: string;
  readonly clientClass: string;
  /** The name errors carry: `Ecs.ClusterNotFoundException`. */
  readonly errorPrefix: string;
  /** The API's member names start lower-case (ECS, Step Functions). */
  readonly camelCase: boolean;
  /** Region override (Route 53's control plane). */
  readonly region?: string;
}

const SERVICES: Record<string, ServiceBinding> = {
  ecs: { pkg: '@aws-sdk/client-ecs', clientClass: 'ECSClient', errorPrefix: 'Ecs', camelCase: true },
  autoscaling: {
    pkg: '@aws-sdk/client-auto-scaling',
    clientClass: 'AutoScalingClient',
    errorPrefix: 'AutoScaling',
    camelCase: false,
  },
  applicationautoscaling: {
    pkg: '@aws-sdk/client-application-auto-scaling',
    clientClass: 'ApplicationAutoScalingClient',
    errorPrefix: 'ApplicationAutoScaling',
    camelCase: false,
  },
  route53: {
    pkg: '@aws-sdk/client-route-53',
    clientClass: 'Route53Client',
    errorPrefix: 'Route53',
    camelCase: false,
    region: 'us-east-1',
  },
  cloudwatch: {
    pkg: '@aws-sdk/client-cloudwatch',
    clientClass: 'CloudWatchClient',
    errorPrefix: 'CloudWatch',
    camelCase: false,
  },
  eventbridge: {
    pkg: '@aws-sdk/client-eventbridge',
    clientClass: 'EventBridgeClient',
    errorPrefix: 'EventBridge',
    camelCase: false,
  },
  events: {
    pkg: '@aws-sdk/client-eventbridge',
    clientClass: 'EventBridgeClient',
    errorPrefix: 'EventBridge',
    camelCase: false,
  },
  sfn: { pkg: '@aws-sdk/client-sfn', clientClass: 'SFNClient', errorPrefix: 'Sfn', camelCase: true },
  states: { pkg: '@aws-sdk/client-sfn', clientClass: 'SFNClient', errorPrefix: 'Sfn', camelCase: true },
  dynamodb: {
    pkg: '@aws-sdk/client-dynamodb',
    clientClass: 'DynamoDBClient',
    errorPrefix: 'DynamoDb',
    camelCase: false,
  },
};

/** Raised into the state machine: its name is what Retry/Catch match. */
export class IntegrationError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

export interface SdkCallTarget {
  readonly endpointUrl: string;
  readonly region: string;
  readonly accessKeyId: string;
}

type SdkClient = { send(command: unknown): Promise<Record<string, unknown>> };
const clients = new Map<string, SdkClient>();
const modules = new Map<string, Promise<Record<string, unknown>>>();

async function sdkModule(pkg: string): Promise<Record<string, unknown>> {
  let loading = modules.get(pkg);
  if (!loading) {
    loading = import(pkg) as Promise<Record<string, unknown>>;
    modules.set(pkg, loading);
  }
  return loading;
}

/**
 * Calls `service:action` (as written in the Resource ARN: `ecs`, `listTasks`) with Step Functions'
 * PascalCase parameters; returns the output in PascalCase.
 */
export async function callSdkIntegration(
  service: string,
  action: string,
  parameters: unknown,
  target: SdkCallTarget,
  options: { optimized?: boolean } = {},
): Promise<unknown> {
  const binding = SERVICES[service.toLowerCase()];
  if (!binding) throw new IntegrationError('States.Runtime', `The local cloud has no ${service} integration`);
  const mod = await sdkModule(binding.pkg);
  const commandName = `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
  const Command = mod[commandName] as (new (input: unknown) => unknown) | undefined;
  if (!Command) throw new IntegrationError('States.Runtime', `${binding.pkg} has no ${commandName}`);
  const region = binding.region ?? target.region;
  const key = `${binding.pkg}|${region}|${target.accessKeyId}|${target.endpointUrl}`;
  let client = clients.get(key);
  if (!client) {
    const Client = mod[binding.clientClass] as new (config: unknown) => SdkClient;
    client = new Client({
      region,
      endpoint: target.endpointUrl,
      credentials: { accessKeyId: target.accessKeyId, secretAccessKey: 'local-cloud-secret' },
      maxAttempts: 1,
    });
    clients.set(key, client);
  }
  const input = binding.camelCase ? recase(parameters ?? {}, lowerFirst) : (parameters ?? {});
  let output: Record<string, unknown>;
  try {
    output = await client.send(new Command(input));
  } catch (error) {
    const err = error as { name?: string; message?: string };
    const code = err.name ?? 'UnknownError';
    const suffix = code.endsWith('Exception') ? '' : 'Exception';
    throw new IntegrationError(`${binding.errorPrefix}.${code}${suffix}`, err.message ?? code);
  }
  const { $metadata: _metadata, ...rest } = output;
  if (
    options.optimized &&
    service === 'events' &&
    typeof rest.FailedEntryCount === 'number' &&
    rest.FailedEntryCount > 0
  ) {
    throw new IntegrationError('EventBridge.FailedEntry', JSON.stringify(rest.Entries));
  }
  return JSON.parse(JSON.stringify(recase(rest, upperFirst), dateReplacer));
}

const lowerFirst = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);
const upperFirst = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

function recase(value: unknown, change: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => recase(item, change));
  if (value instanceof Date || typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [change(k), recase(v, change)]));
}

function dateReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.toISOString() : value;
}
