import type { World } from '../world/world.ts';

/**
 * The contract between the protocol layer (local/server) and the simulated services (local/services).
 *
 * An operation takes the input exactly as the AWS SDK v3 command input is shaped (field names and nesting
 * of the API reference) and returns the output shaped like the SDK command output. Timestamps are `Date`
 * objects; the protocol layer writes them as epoch seconds (JSON protocols) or ISO 8601 (XML protocols).
 * Errors are thrown as `AwsError`. Operations run at the clock's current instant and never wait.
 */
export type Protocol = 'awsJson1_0' | 'awsJson1_1' | 'awsQuery' | 'restXml';

export interface Caller {
  /** The access key id from the SigV4 credential scope. */
  readonly accessKeyId: string;
  /** The IAM role the key belongs to (a deployed function's or state machine's role), if known. */
  readonly roleArn?: string;
  /** A short name for records and timelines: the role's logical id, or 'operator'. */
  readonly name: string;
}

export interface OperationContext {
  readonly world: World;
  readonly region: string;
  readonly caller: Caller;
  /** Virtual epoch milliseconds. */
  readonly now: number;
}

// biome-ignore lint/suspicious/noExplicitAny: operations accept the SDK input shape, validated inside.
export type OperationHandler = (input: any, ctx: OperationContext) => unknown | Promise<unknown>;

export interface Operation {
  readonly handler: OperationHandler;
  /** The ARNs the call acts on, for IAM enforcement and the call record. Default: `*`. */
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  readonly resources?: (input: any, ctx: OperationContext) => string[];
}

export interface ServiceDefinition {
  /** SigV4 signing name, as found in the credential scope: 'ecs', 'autoscaling', 'route53', … */
  readonly signingName: string;
  /** IAM action prefix: 'ecs', 'autoscaling', 'application-autoscaling', 'route53', 'cloudwatch', … */
  readonly iamPrefix: string;
  readonly protocol: Protocol;
  /** awsJson: the X-Amz-Target prefix, e.g. 'AmazonEC2ContainerServiceV20141113'. */
  readonly targetPrefix?: string;
  /** awsQuery / restXml: the XML namespace of responses. */
  readonly xmlNamespace?: string;
  /** Route 53 is global: its calls are recorded against us-east-1, where its control plane lives. */
  readonly global?: boolean;
  readonly operations: Readonly<Record<string, Operation | OperationHandler>>;
}

export function operationOf(service: ServiceDefinition, action: string): Operation | undefined {
  const op = service.operations[action];
  if (op === undefined) return undefined;
  return typeof op === 'function' ? { handler: op } : op;
}
