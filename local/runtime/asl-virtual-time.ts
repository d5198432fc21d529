/**
 * Prepares a state machine definition for aws-local-stepfunctions on virtual time.
 *
 * The library waits with real `setTimeout`. So every Wait state becomes a Task (same name, same paths,
 * same transitions) whose local handler sleeps on the virtual clock, and Retry back-off is computed here
 * and slept on the virtual clock before the next attempt (the library's own retry pause is overridden to 0).
 * The execution's TimeoutSeconds is enforced on the virtual clock too.
 */

import { readPath } from '../core/json-path.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type AslState = Record<string, Json> & { Type: string };
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  [key: string]: Json | undefined;
}

export const VIRTUAL_WAIT_RESOURCE = 'arn:aws:states:::ballast-local:virtual-wait';

/**
 * `.waitForTaskToken` tasks. The library knows no task tokens and times tasks out in real time, evaluating
 * `TimeoutSecondsPath` against the effective parameters instead of the state input. So the runtime takes the
 * timeouts over: `$$.Task.Token` resolves to this placeholder (replaced by a fresh token per attempt), the
 * paths are evaluated as part of the Parameters (that is, against the state input, as Step Functions does)
 * into reserved Payload keys the runtime strips before the Lambda sees the payload, and the library's own
 * timeout is set out of reach.
 */
export const TASK_TOKEN_PLACEHOLDER = 'ballast-local:task-token';
export const TOKEN_TIMEOUT_KEY = 'ballast-local:timeout-seconds';
export const TOKEN_HEARTBEAT_KEY = 'ballast-local:heartbeat-seconds';
// Real seconds (the library races the task with setTimeout, whose delay must stay under 2^31 ms).
const OUT_OF_REACH_SECONDS = 2_000_000;

export interface TokenWaitSpec {
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  /** The paths were moved into the Payload (see TOKEN_TIMEOUT_KEY / TOKEN_HEARTBEAT_KEY). */
  readonly timeoutFromPayload: boolean;
  readonly heartbeatFromPayload: boolean;
}

export interface WaitSpec {
  readonly seconds?: number;
  readonly secondsPath?: string;
  readonly timestamp?: string;
  readonly timestampPath?: string;
}

export interface Retrier {
  readonly ErrorEquals: string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export interface PreparedDefinition {
  readonly definition: AslDefinition;
  /** Original type of every state, by name (Wait states keep 'Wait' here). */
  readonly stateTypes: Map<string, string>;
  readonly waits: Map<string, WaitSpec>;
  /** Task states (after the Wait rewrite, excluding the rewritten waits): name → Resource and Parameters. */
  readonly tasks: Map<string, { resource: string; parameters: Json | undefined; retry: Retrier[] }>;
  readonly retries: Map<string, Retrier[]>;
  /** `.waitForTaskToken` tasks, by state name: their timeouts, enforced on the virtual clock. */
  readonly tokenWaits: Map<string, TokenWaitSpec>;
  readonly timeoutSeconds: number | undefined;
}

export function prepareDefinition(original: AslDefinition): PreparedDefinition {
  const definition = structuredClone(original) as AslDefinition;
  const timeoutSeconds = definition.TimeoutSeconds;
  delete definition.TimeoutSeconds;
  const stateTypes = new Map<string, string>();
  const waits = new Map<string, WaitSpec>();
  const tasks = new Map<string, { resource: string; parameters: Json | undefined; retry: Retrier[] }>();
  const retries = new Map<string, Retrier[]>();
  const tokenWaits = new Map<string, TokenWaitSpec>();

  const visit = (states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      stateTypes.set(name, state.Type);
      if (Array.isArray(state.Retry)) retries.set(name, state.Retry as unknown as Retrier[]);
      if (state.Type === 'Wait') {
        waits.set(name, {
          ...(typeof state.Seconds === 'number' ? { seconds: state.Seconds } : {}),
          ...(typeof state.SecondsPath === 'string' ? { secondsPath: state.SecondsPath } : {}),
          ...(typeof state.Timestamp === 'string' ? { timestamp: state.Timestamp } : {}),
          ...(typeof state.TimestampPath === 'string' ? { timestampPath: state.TimestampPath } : {}),
        });
        const task: AslState = { Type: 'Task', Resource: VIRTUAL_WAIT_RESOURCE };
        for (const key of ['Next', 'End', 'InputPath', 'OutputPath', 'Comment'] as const) {
          if (state[key] !== undefined) task[key] = state[key];
        }
        states[name] = task;
      } else if (state.Type === 'Task') {
        if (String(state.Resource).endsWith('.waitForTaskToken')) tokenWaits.set(name, prepareTokenWait(name, state));
        tasks.set(name, {
          resource: String(state.Resource),
          parameters: state.Parameters,
          retry: (state.Retry as unknown as Retrier[] | undefined) ?? [],
        });
      } else if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
        for (const branch of state.Branches as unknown as AslDefinition[]) visit(branch.States);
      } else if (state.Type === 'Map') {
        const processor = (state.ItemProcessor ?? state.Iterator) as unknown as AslDefinition | undefined;
        if (processor) visit(processor.States);
      }
    }
  };
  visit(definition.States);
  return { definition, stateTypes, waits, tasks, retries, tokenWaits, timeoutSeconds };
}

/** Rewrites a `.waitForTaskToken` Task in place (see TASK_TOKEN_PLACEHOLDER) and returns its timeouts. */
function prepareTokenWait(name: string, state: AslState): TokenWaitSpec {
  const parameters = state.Parameters as Record<string, Json> | undefined;
  const payload = parameters?.Payload;
  const paths = typeof state.TimeoutSecondsPath === 'string' || typeof state.HeartbeatSecondsPath === 'string';
  if (paths && (typeof payload !== 'object' || payload === null || Array.isArray(payload))) {
    throw new Error(
      `${name}: TimeoutSecondsPath / HeartbeatSecondsPath are supported by the local cloud only on a lambda:invoke.waitForTaskToken task with an object Payload`,
    );
  }
  const payloadObject = payload as Record<string, Json>;
  if (typeof state.TimeoutSecondsPath === 'string') payloadObject[`${TOKEN_TIMEOUT_KEY}.$`] = state.TimeoutSecondsPath;
  if (typeof state.HeartbeatSecondsPath === 'string')
    payloadObject[`${TOKEN_HEARTBEAT_KEY}.$`] = state.HeartbeatSecondsPath;
  const spec: TokenWaitSpec = {
    ...(typeof state.TimeoutSeconds === 'number' ? { timeoutSeconds: state.TimeoutSeconds } : {}),
    ...(typeof state.HeartbeatSeconds === 'number' ? { heartbeatSeconds: state.HeartbeatSeconds } : {}),
    timeoutFromPayload: typeof state.TimeoutSecondsPath === 'string',
    heartbeatFromPayload: typeof state.HeartbeatSecondsPath === 'string',
  };
  delete state.TimeoutSecondsPath;
  delete state.HeartbeatSecondsPath;
  delete state.HeartbeatSeconds;
  state.TimeoutSeconds = OUT_OF_REACH_SECONDS;
  return spec;
}

/** Milliseconds a Wait state waits for the given (InputPath-processed) input at virtual time `now`. */
export function waitMillis(spec: WaitSpec, input: Json, now: number): number {
  if (spec.seconds !== undefined) return spec.seconds * 1000;
  if (spec.secondsPath !== undefined) {
    const value = readPath(input, spec.secondsPath);
    if (typeof value !== 'number' || value < 0) {
      throw Object.assign(new Error(`SecondsPath ${spec.secondsPath} is not a non-negative number`), {
        name: 'States.Runtime',
      });
    }
    return value * 1000;
  }
  const stamp = spec.timestamp ?? (spec.timestampPath ? readPath(input, spec.timestampPath) : undefined);
  if (typeof stamp !== 'string' || Number.isNaN(Date.parse(stamp))) {
    throw Object.assign(new Error('Wait Timestamp is not an RFC 3339 timestamp'), { name: 'States.Runtime' });
  }
  return Math.max(0, Date.parse(stamp) - now);
}

/** Tracks retry attempts of one state in one execution, mirroring the ASL retrier rules. */
export class RetryPlanner {
  private attempts: number[] = [];
  pendingMs = 0;

  constructor(
    private readonly retriers: Retrier[],
    private readonly random: () => number,
  ) {}

  succeeded(): void {
    this.attempts = [];
    this.pendingMs = 0;
  }

  /** Called with the error a task is about to throw: plans the back-off the runner will then apply. */
  failed(errorName: string): void {
    const index = this.retriers.findIndex((r) => matches(r.ErrorEquals, errorName));
    const retrier = index >= 0 ? this.retriers[index] : undefined;
    if (!retrier) {
      this.succeeded();
      return;
    }
    const done = this.attempts[index] ?? 0;
    if (done >= (retrier.MaxAttempts ?? 3)) {
      this.succeeded();
      return;
    }
    let seconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** done;
    if (retrier.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.MaxDelaySeconds);
    if (retrier.JitterStrategy === 'FULL') seconds = seconds * this.random();
    this.attempts[index] = done + 1;
    this.pendingMs = Math.round(seconds * 1000);
  }
}

export function matches(errorEquals: string[], errorName: string): boolean {
  return (
    errorEquals.includes(errorName) ||
    errorEquals.includes('States.ALL') ||
    (errorEquals.includes('States.TaskFailed') && errorName !== 'States.Timeout')
  );
}
