import type { Kernel } from './kernel.ts';

/**
 * The contract between the protocol layer (local/server) and the simulated services (one folder each).
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

export interface OperationContext<M = unknown> {
  readonly kernel: Kernel;
  readonly region: string;
  readonly caller: Caller;
  /** Virtual epoch milliseconds. */
  readonly now: number;
  /** The service's model for the call's region (`ServiceDefinition.modelOf`); undefined for services without one. */
  readonly model: M;
}

// biome-ignore lint/suspicious/noExplicitAny: operations accept the SDK input shape, validated inside.
export type OperationHandler<M = unknown> = (input: any, ctx: OperationContext<M>) => unknown | Promise<unknown>;

export interface Operation<M = unknown> {
  readonly handler: OperationHandler<M>;
  /** The ARNs the call acts on, for IAM enforcement and the call record. Default: `*`. */
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  readonly resources?: (input: any, ctx: OperationContext<M>) => string[];
  /** IAM condition keys AWS takes from the request (e.g. `cloudwatch:namespace` of PutMetricData). */
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  readonly conditionKeys?: (input: any) => Record<string, string>;
}

/** restXml bindings: method and path template to operation, and the XML list and scalar types of fields. */
export interface RestRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path template, `{Field}` segments bound to input fields. A trailing slash in a request is ignored. */
  readonly path: string;
  readonly action: string;
  /** Query-string parameter to input field. */
  readonly query?: Readonly<Record<string, string>>;
  /** Success status (Route 53 answers 201 to creates). */
  readonly status?: number;
}

export interface RestXmlTables {
  readonly routes: readonly RestRoute[];
  readonly listMembers: Readonly<Record<string, string>>;
  readonly numberFields: ReadonlySet<string>;
  readonly booleanFields: ReadonlySet<string>;
}

export interface ServiceDefinition<M = unknown> {
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
  /**
   * awsQuery services: the service's model, i.e. the operation schemas its AWS SDK v3 client package exports
   * (`PutMetricData$`, …). The query codec decodes each request by its operation's input shape.
   */
  readonly schemas?: Readonly<Record<string, unknown>>;
  /** restXml services: their REST bindings (the codec reads them from here). */
  readonly restXml?: RestXmlTables;
  /** The model a call in `region` acts on (bound by the world's service table, `bindModel`). */
  readonly modelOf?: (region: string) => M;
  readonly operations: Readonly<Record<string, Operation<M> | OperationHandler<M>>>;
}

/** The service with its model resolver bound, as the endpoint serves it. */
export function bindModel<M>(service: ServiceDefinition<M>, modelOf: (region: string) => M): ServiceDefinition {
  return { ...service, modelOf } as unknown as ServiceDefinition;
}

export function operationOf(service: ServiceDefinition, action: string): Operation | undefined {
  const op = service.operations[action];
  if (op === undefined) return undefined;
  return typeof op === 'function' ? { handler: op } : op;
}
