/**
 * Reading Amazon States Language definitions: which Task states there are (at any depth: Parallel branches,
 * Map ItemProcessor/Iterator) and what each one calls, so a runner can route every Task to a local
 * implementation and a test can prove that none is left to reach real AWS.
 */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** How Step Functions waits on the call: `.sync` (run a job to completion), `.waitForTaskToken`, or neither. */
export type IntegrationPattern = 'request-response' | 'sync' | 'wait-for-task-token';

interface TargetBase {
  /** The `Resource` as written in the definition. */
  readonly resource: string;
  readonly pattern: IntegrationPattern;
}

export interface LambdaTarget extends TargetBase {
  readonly kind: 'lambda';
  /** The function ARN or name; `undefined` when the name comes from a path (`functionNamePath`). */
  readonly functionArn: string | undefined;
  readonly functionNamePath?: string;
  /**
   * `true` for a bare Lambda ARN as `Resource` (the result is the function's return value); `false` for the
   * optimized `lambda:invoke` integration, whose result is the Invoke response `{ Payload, StatusCode, … }`.
   */
  readonly payloadResponseOnly: boolean;
}

export interface SdkTarget extends TargetBase {
  readonly kind: 'sdk';
  /** The service as the Resource names it: `ecs`, `dynamodb`, `events`, `autoscaling`, … */
  readonly service: string;
  /** The API action, PascalCased: `ListTasks`, `PutItem`, `PutEvents`, … */
  readonly action: string;
  /** The IAM action the call needs, e.g. `ecs:ListTasks`, `states:StartExecution`. */
  readonly iamAction: string;
  /** `aws-sdk` for `arn:aws:states:::aws-sdk:…`, `optimized` for `arn:aws:states:::dynamodb:putItem` and kin. */
  readonly integration: 'aws-sdk' | 'optimized';
}

export interface ActivityTarget extends TargetBase {
  readonly kind: 'activity';
  readonly activityArn: string;
}

export interface OtherTarget extends TargetBase {
  readonly kind: 'other';
}

export type TaskTarget = LambdaTarget | SdkTarget | ActivityTarget | OtherTarget;

export interface AslStateRef {
  readonly name: string;
  readonly type: string;
  /** Names of the enclosing Parallel/Map states, outermost first (empty at top level). */
  readonly path: string[];
  /** The state's JSON, as written. */
  readonly state: Record<string, unknown>;
}

export interface AslTask extends AslStateRef {
  readonly target: TaskTarget;
  readonly hasRetry: boolean;
  readonly hasCatch: boolean;
}

export interface AslWait extends AslStateRef {
  readonly seconds?: number;
  readonly secondsPath?: string;
  readonly timestamp?: string;
  readonly timestampPath?: string;
}

export interface AslRouting {
  /** Every state, depth-first in definition order. */
  readonly states: AslStateRef[];
  readonly tasks: AslTask[];
  readonly waits: AslWait[];
  /** Names of states that have a `Retry` field (Task, Parallel, Map). */
  readonly retryStates: string[];
  /** State names that occur more than once (overrides keyed by name would be ambiguous). */
  readonly duplicateNames: string[];
}

/** Calls `visit` for every state, including those inside Parallel branches and Map processors. */
export function walkStates(definition: unknown, visit: (ref: AslStateRef) => void, path: string[] = []): void {
  if (!isRecord(definition) || !isRecord(definition.States)) {
    throw new Error('Not a state machine definition: it has no States object');
  }
  for (const [name, state] of Object.entries(definition.States)) {
    if (!isRecord(state)) continue;
    const type = String(state.Type);
    visit({ name, type, path, state });
    const inner = [...path, name];
    if (type === 'Parallel' && Array.isArray(state.Branches)) {
      for (const branch of state.Branches) walkStates(branch, visit, inner);
    }
    if (type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor !== undefined) walkStates(processor, visit, inner);
    }
  }
}

/** Lists every Task (with what it calls), every Wait and every retrying state of a definition. */
export function routeAsl(definition: unknown): AslRouting {
  const states: AslStateRef[] = [];
  walkStates(definition, (ref) => states.push(ref));
  const tasks: AslTask[] = [];
  const waits: AslWait[] = [];
  const retryStates: string[] = [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const ref of states) {
    if (seen.has(ref.name)) duplicates.add(ref.name);
    seen.add(ref.name);
    const { state } = ref;
    if (Array.isArray(state.Retry) && state.Retry.length > 0) retryStates.push(ref.name);
    if (ref.type === 'Task') {
      tasks.push({
        ...ref,
        target: classifyResource(String(state.Resource), state.Parameters ?? state.Arguments),
        hasRetry: Array.isArray(state.Retry) && state.Retry.length > 0,
        hasCatch: Array.isArray(state.Catch) && state.Catch.length > 0,
      });
    } else if (ref.type === 'Wait') {
      waits.push({
        ...ref,
        ...(typeof state.Seconds === 'number' && { seconds: state.Seconds }),
        ...(typeof state.SecondsPath === 'string' && { secondsPath: state.SecondsPath }),
        ...(typeof state.Timestamp === 'string' && { timestamp: state.Timestamp }),
        ...(typeof state.TimestampPath === 'string' && { timestampPath: state.TimestampPath }),
      });
    }
  }
  return { states, tasks, waits, retryStates, duplicateNames: [...duplicates] };
}

const pascal = (action: string): string => action.charAt(0).toUpperCase() + action.slice(1);

/** aws-sdk integration service names whose IAM prefix differs. */
const IAM_PREFIX: Record<string, string> = {
  sfn: 'states',
  applicationautoscaling: 'application-autoscaling',
  elasticloadbalancingv2: 'elasticloadbalancing',
  elasticloadbalancing: 'elasticloadbalancing',
  cloudwatchlogs: 'logs',
  eventbridge: 'events',
  route53domains: 'route53domains',
  servicediscovery: 'servicediscovery',
  emrcontainers: 'emr-containers',
  emrserverless: 'emr-serverless',
};

const splitPattern = (raw: string): { name: string; pattern: IntegrationPattern } => {
  const sync = raw.match(/^(.*)\.sync(?::\d+)?$/);
  if (sync?.[1]) return { name: sync[1], pattern: 'sync' };
  if (raw.endsWith('.waitForTaskToken'))
    return { name: raw.slice(0, -'.waitForTaskToken'.length), pattern: 'wait-for-task-token' };
  return { name: raw, pattern: 'request-response' };
};

/**
 * Classifies a Task `Resource`: Lambda (the `lambda:invoke` integration with `Parameters.FunctionName`, or a
 * bare function ARN), an AWS SDK call (`aws-sdk:ecs:listTasks`, or an optimized integration such as
 * `dynamodb:putItem`, `events:putEvents`, `sns:publish`, `states:startExecution.sync:2`), an activity, or other.
 */
export function classifyResource(resource: string, parameters?: unknown): TaskTarget {
  const params = isRecord(parameters) ? parameters : {};
  const integration = resource.match(/^arn:[^:]+:states:::(.+)$/);
  if (integration?.[1]) {
    const { name, pattern } = splitPattern(integration[1]);
    const sdk = name.match(/^aws-sdk:([^:]+):(.+)$/);
    if (sdk?.[1] && sdk[2]) {
      const service = sdk[1];
      const action = pascal(sdk[2]);
      return {
        kind: 'sdk',
        resource,
        pattern,
        service,
        action,
        iamAction: `${IAM_PREFIX[service] ?? service}:${action}`,
        integration: 'aws-sdk',
      };
    }
    if (name === 'lambda:invoke') {
      const fn = params.FunctionName;
      const fromPath = params['FunctionName.$'];
      return {
        kind: 'lambda',
        resource,
        pattern,
        functionArn: typeof fn === 'string' ? fn : undefined,
        ...(typeof fromPath === 'string' && { functionNamePath: fromPath }),
        payloadResponseOnly: false,
      };
    }
    const optimized = name.match(/^([a-z0-9-]+):([A-Za-z0-9]+)$/);
    if (optimized?.[1] && optimized[2] && optimized[1] !== 'http') {
      const service = optimized[1];
      const action = pascal(optimized[2]);
      return {
        kind: 'sdk',
        resource,
        pattern,
        service,
        action,
        iamAction: `${IAM_PREFIX[service] ?? service}:${action}`,
        integration: 'optimized',
      };
    }
    return { kind: 'other', resource, pattern };
  }
  if (/^arn:[^:]+:lambda:[^:]*:[^:]*:function:/.test(resource)) {
    return { kind: 'lambda', resource, pattern: 'request-response', functionArn: resource, payloadResponseOnly: true };
  }
  if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(resource)) {
    return { kind: 'activity', resource, pattern: 'request-response', activityArn: resource };
  }
  return { kind: 'other', resource, pattern: 'request-response' };
}
