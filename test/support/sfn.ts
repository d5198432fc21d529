import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { routeAsl, type TaskTarget } from '#local/deploy/asl.ts';
import {
  type CfnTemplate,
  deploymentContext,
  functionByArn,
  lambdaFunctions,
  stateMachines,
} from '#local/deploy/template.ts';
import { TEST_ENV } from './stack.ts';

export { TEST_ENV } from './stack.ts';

/** What a route is told about the call it serves. */
export interface TaskCall {
  readonly stateName: string;
  readonly target: TaskTarget;
  /** What the route received (the Lambda event, the SDK request, …). */
  readonly input: unknown;
  /** The Task's effective input as Step Functions built it (after InputPath and Parameters). */
  readonly taskInput: unknown;
}

/**
 * A local stand-in for one Task state. It receives what the real target would receive: the Lambda event (the
 * `Payload`) for Lambda tasks, the API request (`Parameters`) for SDK tasks; and it returns what the target
 * would return. Throw an error whose `name` is the Step Functions error name to fail the task
 * (`Fixture.Transient`, `Ecs.ServerException`, `States.Timeout`, …).
 */
export type TaskRoute = (input: any, call: TaskCall) => unknown;

export interface RunStateMachineOptions {
  /** The ASL, already resolved (see `definitionFromTemplate`). */
  readonly definition: unknown;
  readonly input?: unknown;
  /** One route per Task state, by state name. Every Task must have one; unknown names are rejected too. */
  readonly routes: Record<string, TaskRoute>;
  /** Merged over a default Context Object (Execution.Id/Name/RoleArn, StateMachine.Id/Name, Task.Token). */
  readonly context?: Record<string, unknown>;
  /** Milliseconds per Wait state name. @default 0 for every Wait state */
  readonly waitTimeOverrides?: Record<string, number>;
  /** Milliseconds (or one per retrier) per state name. @default 0 for every state with a Retry */
  readonly retryIntervalOverrides?: Record<string, number | number[]>;
  /**
   * `handler` (default): a `lambda:invoke` route is the function itself — it receives the `Payload`, its
   * return value is wrapped in the Invoke response (`{ Payload, StatusCode, … }`) and its errors get Lambda's
   * `Cause` shape (`{"errorType","errorMessage"}`). `raw`: the route receives the task input and its result
   * is used as is.
   */
  readonly lambdaShape?: 'handler' | 'raw';
  /** Aborts the run (status `ABORTED`) after this many state entries: a loop that never ends fails fast. @default 1000 */
  readonly maxTransitions?: number;
}

export type RunStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface RunResult {
  readonly status: RunStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Names of the states entered, in order (nested Parallel/Map states included). */
  readonly visitedStates: string[];
  /** How many states were entered. */
  readonly transitions: number;
  /** Retries per state name. */
  readonly retries: Record<string, number>;
  /** Every route call, in order. */
  readonly calls: TaskCall[];
  /** The library's raw event log, for assertions the summary does not cover. */
  readonly events: ExecutionEvent[];
}

type RunHandle = ReturnType<StateMachine['run']>;
export type ExecutionEvent = RunHandle['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** A Task state without a route would call real AWS: the harness refuses to run. */
export class UnroutedTaskError extends Error {
  override readonly name = 'UnroutedTaskError';
  constructor(readonly unrouted: string[]) {
    super(`Every Task state needs a route so that no test reaches real AWS. Unrouted: ${unrouted.join(', ')}`);
  }
}

/** A route, wait or retry override that names no state of the definition: usually a misspelt state name. */
export class UnknownStateError extends Error {
  override readonly name = 'UnknownStateError';
  constructor(
    readonly option: string,
    readonly names: string[],
    known: string[],
  ) {
    super(`${option} names states that do not exist: ${names.join(', ')}. States: ${known.join(', ')}`);
  }
}

/** Builds an error with a Step Functions error name, for routes to throw. */
export function taskError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const DEFAULT_CONTEXT = {
  Execution: {
    Id: `arn:aws:states:${TEST_ENV.region}:${TEST_ENV.accountId}:execution:local:local-execution`,
    Name: 'local-execution',
    RoleArn: `arn:aws:iam::${TEST_ENV.accountId}:role/local-state-machine-role`,
  },
  StateMachine: {
    Id: `arn:aws:states:${TEST_ENV.region}:${TEST_ENV.accountId}:stateMachine:local`,
    Name: 'local',
  },
  Task: { Token: 'local-task-token' },
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The token the harness gives `$$.Task.Token` (a route of a `.waitForTaskToken` task decides its outcome). */
export const TEST_TASK_TOKEN = 'test-task-token';

/**
 * `.waitForTaskToken` tasks for the library, which times tasks out in real time and reads `TimeoutSecondsPath`
 * from the effective parameters: their timeouts are removed, so the route decides how the wait ends (return:
 * the callback came; throw `taskError('States.Timeout')`: the wait timed out).
 */
function forTokenWaits(definition: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(definition) as { States?: Record<string, Record<string, unknown>> };
  for (const state of Object.values(copy.States ?? {})) {
    if (state.Type !== 'Task' || !String(state.Resource).endsWith('.waitForTaskToken')) continue;
    for (const key of ['TimeoutSecondsPath', 'HeartbeatSecondsPath', 'HeartbeatSeconds']) delete state[key];
    state.TimeoutSeconds = 2_000_000;
  }
  return copy;
}

const mergeContext = (extra: Record<string, unknown> | undefined): Record<string, unknown> => {
  const merged: Record<string, unknown> = { ...DEFAULT_CONTEXT, Task: { Token: TEST_TASK_TOKEN } };
  for (const [key, value] of Object.entries(extra ?? {})) {
    const base = merged[key];
    merged[key] = isRecord(base) && isRecord(value) ? { ...base, ...value } : value;
  }
  return merged;
};

const causeText = (cause: unknown): string | undefined => {
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
};

/**
 * Checks that every Task state (at any depth) has a route and that every route, wait override and retry
 * override names a real state. Throws `UnroutedTaskError` / `UnknownStateError`; returns the routing table.
 */
export function guardRoutes(
  definition: unknown,
  routes: Record<string, unknown>,
  overrides: { waitTimeOverrides?: Record<string, unknown>; retryIntervalOverrides?: Record<string, unknown> } = {},
) {
  const routing = routeAsl(definition);
  const unrouted = [...new Set(routing.tasks.map((t) => t.name).filter((name) => !(name in routes)))];
  if (unrouted.length > 0) throw new UnroutedTaskError(unrouted);
  const known = routing.states.map((s) => s.name);
  const check = (option: string, names: string[], allowed: string[]) => {
    const unknown = names.filter((name) => !allowed.includes(name));
    if (unknown.length > 0) throw new UnknownStateError(option, unknown, allowed.length > 0 ? allowed : known);
  };
  check(
    'routes',
    Object.keys(routes),
    routing.tasks.map((t) => t.name),
  );
  check(
    'waitTimeOverrides',
    Object.keys(overrides.waitTimeOverrides ?? {}),
    routing.waits.map((w) => w.name),
  );
  check('retryIntervalOverrides', Object.keys(overrides.retryIntervalOverrides ?? {}), routing.retryStates);
  return routing;
}

/**
 * Runs a definition with aws-local-stepfunctions, every Task routed to a local function, every Wait and
 * retry interval 0 ms unless overridden. Never reaches AWS: it refuses to start while a Task is unrouted.
 */
export async function runStateMachine(options: RunStateMachineOptions): Promise<RunResult> {
  const routing = guardRoutes(options.definition, options.routes, options);
  const lambdaShape = options.lambdaShape ?? 'handler';
  const maxTransitions = options.maxTransitions ?? 1000;
  const calls: TaskCall[] = [];

  const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<never>> = {};
  for (const task of routing.tasks) {
    const route = options.routes[task.name];
    if (!route || task.name in taskResourceLocalHandlers) continue;
    const { target } = task;
    const asLambdaHandler =
      lambdaShape === 'handler' &&
      target.kind === 'lambda' &&
      !target.payloadResponseOnly &&
      target.pattern === 'request-response';
    taskResourceLocalHandlers[task.name] = async (taskInput: unknown) => {
      const input = asLambdaHandler && isRecord(taskInput) ? (taskInput.Payload ?? null) : taskInput;
      const call: TaskCall = { stateName: task.name, target, input, taskInput };
      calls.push(call);
      try {
        const result = (await route(input, call)) ?? null;
        if (!asLambdaHandler) return result as never;
        return {
          ExecutedVersion: '$LATEST',
          Payload: result,
          SdkHttpMetadata: { HttpStatusCode: 200 },
          SdkResponseMetadata: { RequestId: `local-${calls.length}` },
          StatusCode: 200,
        } as never;
      } catch (error) {
        const name = error instanceof Error ? error.name : 'Error';
        const message = error instanceof Error ? error.message : String(error);
        if (!asLambdaHandler) throw error instanceof Error ? error : taskError(name, message);
        // Lambda reports a function error as its type, with the JSON error document as the cause.
        throw taskError(name, JSON.stringify({ errorType: name, errorMessage: message }));
      }
    };
  }

  const waitTimeOverrides: Record<string, number> = Object.fromEntries(routing.waits.map((w) => [w.name, 0]));
  const retryIntervalOverrides: Record<string, number | number[]> = Object.fromEntries(
    routing.retryStates.map((name) => [name, 0]),
  );

  const machine = new StateMachine(
    forTokenWaits(options.definition as unknown as Record<string, unknown>) as unknown as StateMachineDefinition,
  );
  const execution = machine.run((options.input ?? {}) as never, {
    overrides: {
      taskResourceLocalHandlers,
      waitTimeOverrides: { ...waitTimeOverrides, ...options.waitTimeOverrides },
      retryIntervalOverrides: { ...retryIntervalOverrides, ...options.retryIntervalOverrides },
    },
    context: mergeContext(options.context),
    noThrowOnAbort: true,
  });

  const events: ExecutionEvent[] = [];
  let transitions = 0;
  let tooManyTransitions = false;
  const consumed = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
      if (event.type === 'StateEntered' && ++transitions > maxTransitions && !tooManyTransitions) {
        tooManyTransitions = true;
        execution.abort();
      }
    }
  })();
  let output: unknown;
  let thrown: unknown;
  try {
    output = await execution.result;
  } catch (error) {
    thrown = error;
  }
  await consumed;

  const visitedStates: string[] = [];
  const retries: Record<string, number> = {};
  for (const event of events) {
    if (event.type === 'StateEntered') visitedStates.push(event.state.name);
    if (event.type === 'StateRetried') retries[event.state.name] = (retries[event.state.name] ?? 0) + 1;
  }
  const summary = { visitedStates, transitions: visitedStates.length, retries, calls, events };
  const last = events.findLast((e) =>
    ['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimeout', 'ExecutionAborted'].includes(e.type),
  );
  if (tooManyTransitions) {
    return {
      status: 'ABORTED',
      error: 'Harness.MaxTransitionsExceeded',
      cause: `The execution entered more than ${maxTransitions} states; a loop may never end (raise maxTransitions if it is legitimate).`,
      ...summary,
    };
  }
  if (last?.type === 'ExecutionSucceeded') return { status: 'SUCCEEDED', output, ...summary };
  if (last?.type === 'ExecutionFailed') {
    return { status: 'FAILED', error: last.Error, cause: causeText(last.Cause), ...summary };
  }
  if (last?.type === 'ExecutionTimeout') return { status: 'TIMED_OUT', error: 'States.Timeout', ...summary };
  if (last?.type === 'ExecutionAborted') return { status: 'ABORTED', ...summary };
  // No terminal event: the library threw before starting (e.g. an invalid definition).
  throw thrown ?? new Error('The execution ended without a terminal event');
}

/**
 * The runnable ASL of one state machine in a synthesized template (by logical id, physical name, or a
 * unique prefix of the logical id), with intrinsics resolved for `TEST_ENV`.
 */
export function definitionFromTemplate(
  template: CfnTemplate,
  stateMachine: string,
  options: { stackName?: string } = {},
): Record<string, unknown> {
  const ctx = deploymentContext(template, { stackName: options.stackName ?? 'Test', ...TEST_ENV });
  const machines = stateMachines(template, ctx);
  const exact = machines.find((m) => m.logicalId === stateMachine || m.name === stateMachine);
  const byPrefix = machines.filter((m) => m.logicalId.startsWith(stateMachine));
  const found = exact ?? (byPrefix.length === 1 ? byPrefix[0] : undefined);
  if (!found) {
    throw new Error(
      `No single state machine matches ${stateMachine}; the template has: ${machines.map((m) => `${m.logicalId} (${m.name})`).join(', ')}`,
    );
  }
  return found.definition;
}

/** The repository root: `ballast:entry` paths are relative to it. */
const REPO_ROOT = new URL('../../', import.meta.url);

/** A minimal Lambda context object, enough for middy and Powertools in-process. */
const lambdaContext = (functionName: string, timeoutSeconds: number) => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${TEST_ENV.region}:${TEST_ENV.accountId}:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: `local-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

/**
 * Routes for the Lambda tasks of a synthesized state machine, each running the real handler in-process: the
 * function ARN in the ASL leads to the function resource, whose `ballast:entry` / `ballast:handler` metadata
 * names the module and export. Tasks whose function has no such metadata are left out (the guard will then
 * name them). Combine with hand-written routes for SDK tasks: `{ ...await handlerRoutes(…), 'List Tasks': … }`.
 */
export async function handlerRoutes(
  template: CfnTemplate,
  definition: unknown,
  options: { stackName?: string } = {},
): Promise<Record<string, TaskRoute>> {
  const ctx = deploymentContext(template, { stackName: options.stackName ?? 'Test', ...TEST_ENV });
  const functions = lambdaFunctions(template, ctx);
  const routes: Record<string, TaskRoute> = {};
  for (const task of routeAsl(definition).tasks) {
    if (task.target.kind !== 'lambda' || !task.target.functionArn) continue;
    const fn = functionByArn(functions, task.target.functionArn);
    if (!fn?.entry) continue;
    const module: Record<string, unknown> = await import(new URL(fn.entry, REPO_ROOT).href);
    const exported = module[fn.handlerExport ?? 'handler'];
    if (typeof exported !== 'function') {
      throw new Error(`${fn.entry} has no export ${fn.handlerExport ?? 'handler'} (function ${fn.logicalId})`);
    }
    routes[task.name] = (event: unknown) => exported(event, lambdaContext(fn.name, fn.timeoutSeconds));
  }
  return routes;
}
