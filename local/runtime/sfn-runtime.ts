import { StateMachine } from 'aws-local-stepfunctions';
import './polyfills.ts';
import { LIMITS } from '../../config/limits.ts';
import { AwsError } from '../core/aws-error.ts';
import type { Kernel } from '../core/kernel.ts';
import type { Rng } from '../core/rng.ts';
import { classifyResource } from '../deploy/asl.ts';
import {
  type AslDefinition,
  type Json,
  type PreparedDefinition,
  prepareDefinition,
  RetryPlanner,
  TASK_TOKEN_PLACEHOLDER,
  TOKEN_HEARTBEAT_KEY,
  TOKEN_TIMEOUT_KEY,
  type TokenWaitSpec,
  waitMillis,
} from './asl-virtual-time.ts';
import type { LambdaRuntime } from './lambda-runtime.ts';
import { callSdkIntegration, IntegrationError } from './sdk-integration.ts';

/**
 * Step Functions for the local cloud: Standard workflows from the synthesized template, run by
 * aws-local-stepfunctions as processes on the virtual clock. Lambda tasks invoke the real handlers
 * in process; SDK and optimized integrations are real SDK calls to the local endpoint with the state
 * machine's role. Executions, their status, history and state-transition counts are kept per region.
 */
export interface DeployedStateMachine {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly roleArn: string;
  readonly accessKeyId: string;
  readonly definition: AslDefinition;
  readonly createdAt: number;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly stateName?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly name: string;
  readonly region: string;
  readonly input: string;
  readonly startDate: number;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
  stopDate?: number;
  /** State transitions (states entered), what Step Functions bills. */
  transitions: number;
  readonly history: HistoryEvent[];
  abort?: () => void;
}

/** A `.waitForTaskToken` task waiting for its callback (SendTaskSuccess / Failure / Heartbeat). */
interface PendingToken {
  readonly executionArn: string;
  readonly stateName: string;
  result?: { output: Json } | { error: string; cause: string };
  /** A heartbeat arrived since the wait began (its timer starts again). */
  beat: boolean;
  wake?: () => void;
}

/** Why a callback with a task token is refused, as Step Functions says it. */
export type TokenRefusal = 'InvalidToken' | 'TaskTimedOut' | 'TaskDoesNotExist';

export class SfnRuntime {
  private readonly validatedDefinitions = new WeakSet<object>();
  private readonly machines = new Map<string, DeployedStateMachine>();
  private readonly prepared = new Map<string, PreparedDefinition>();
  readonly executions: Execution[] = [];
  private readonly byArn = new Map<string, Execution>();
  private readonly tokens = new Map<string, PendingToken>();
  /** Tokens that were issued and are done (answered, timed out, their execution ended). */
  private readonly spentTokens = new Set<string>();
  private tokenSeq = 0;
  private readonly rng: Rng;

  constructor(
    private readonly world: Kernel,
    private readonly lambdas: LambdaRuntime,
    private readonly endpoint: { url: string },
  ) {
    this.rng = world.rng.fork('sfn');
  }

  register(machine: DeployedStateMachine): void {
    this.machines.set(machine.arn, machine);
    this.prepared.set(machine.arn, prepareDefinition(machine.definition));
  }

  machine(arn: string): DeployedStateMachine | undefined {
    return this.machines.get(arn);
  }

  listMachines(region: string): DeployedStateMachine[] {
    return [...this.machines.values()].filter((m) => m.region === region);
  }

  execution(arn: string): Execution | undefined {
    return this.byArn.get(arn);
  }

  /** StartExecution, with AWS's idempotency: the same name and input while running returns the same execution. */
  start(stateMachineArn: string, input: string | undefined, name: string | undefined): Execution {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const text = input ?? '{}';
    let parsed: Json;
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      throw new AwsError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON');
    }
    const executionName = name ?? this.world.uuid();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(executionName)) {
      throw new AwsError('InvalidName', `Invalid Name: '${executionName}'`);
    }
    const executionArn = machine.arn.replace(':stateMachine:', ':execution:') + `:${executionName}`;
    const existing = this.byArn.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === text) return existing;
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution: Execution = {
      executionArn,
      stateMachineArn: machine.arn,
      stateMachineName: machine.name,
      name: executionName,
      region: machine.region,
      input: text,
      startDate: this.world.now(),
      status: 'RUNNING',
      transitions: 0,
      history: [],
    };
    this.executions.push(execution);
    this.byArn.set(executionArn, execution);
    this.record(execution, 'ExecutionStarted');
    this.statusChanged(execution);
    void this.world.clock.spawn(`execution ${machine.name}/${executionName}`, () =>
      this.run(machine, execution, parsed),
    );
    return execution;
  }

  stop(executionArn: string, error?: string, cause?: string): Execution {
    const execution = this.byArn.get(executionArn);
    if (!execution) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    if (execution.status === 'RUNNING') {
      this.finish(execution, 'ABORTED', { error, cause });
      execution.abort?.();
      this.wakeTokensOf(execution);
    }
    return execution;
  }

  /**
   * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat. A token this runtime never issued is
   * `InvalidToken`; one whose task already ended (answered, timed out, its execution stopped) is `TaskTimedOut`,
   * as Step Functions answers.
   */
  callback(
    token: string,
    what: { output: string } | { error: string; cause: string } | { heartbeat: true },
  ): TokenRefusal | undefined {
    const pending = this.tokens.get(token);
    if (!pending) return this.spentTokens.has(token) ? 'TaskTimedOut' : 'InvalidToken';
    const execution = this.byArn.get(pending.executionArn);
    if (execution?.status !== 'RUNNING') return 'TaskTimedOut';
    if ('heartbeat' in what) {
      pending.beat = true;
      return undefined;
    }
    if ('output' in what) {
      let output: Json;
      try {
        output = JSON.parse(what.output) as Json;
      } catch {
        throw new AwsError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
      }
      pending.result = { output };
    } else {
      pending.result = { error: what.error, cause: what.cause };
    }
    this.tokens.delete(token);
    this.spentTokens.add(token);
    pending.wake?.();
    return undefined;
  }

  private wakeTokensOf(execution: Execution): void {
    for (const [token, pending] of this.tokens) {
      if (pending.executionArn !== execution.executionArn) continue;
      this.tokens.delete(token);
      this.spentTokens.add(token);
      pending.wake?.();
    }
  }

  /** Aborts every running execution (end of a scenario). */
  stopAll(): void {
    for (const execution of this.executions) if (execution.status === 'RUNNING') this.stop(execution.executionArn);
  }

  private async run(machine: DeployedStateMachine, execution: Execution, input: Json): Promise<void> {
    if (execution.status !== 'RUNNING') return; // stopped before it began
    const prepared = this.prepared.get(machine.arn)!;
    const clock = this.world.clock;
    // An execution stopped from outside (StopExecution, its timeout) is asleep on the clock: the runner gives
    // up at once, but the process must end inside its own slice, when its pending wake comes. So the process
    // waits for that wake, and a handler woken after the stop goes no further.
    let asleep: { woke: Promise<void>; wake: () => void } | undefined;
    const sleep = async (ms: number): Promise<boolean> => {
      let wake: () => void = () => undefined;
      const woke = new Promise<void>((resolve) => {
        wake = resolve;
      });
      asleep = { woke, wake };
      await clock.sleep(ms);
      asleep = undefined;
      if (execution.status === 'RUNNING') return true;
      wake();
      return false;
    };
    const never = new Promise<never>(() => undefined);
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [stateName, spec] of prepared.waits) {
      handlers[stateName] = async (waitInput) => {
        if (!(await sleep(waitMillis(spec, waitInput, clock.now())))) return never;
        return waitInput;
      };
    }
    for (const [stateName, task] of prepared.tasks) {
      const planner = new RetryPlanner(task.retry, () => this.rng.next());
      handlers[stateName] = async (taskInput) => {
        if (planner.pendingMs > 0) {
          const ms = planner.pendingMs;
          planner.pendingMs = 0;
          if (!(await sleep(ms))) return never;
        }
        if (execution.status !== 'RUNNING') return never;
        try {
          const tokenWait = prepared.tokenWaits.get(stateName);
          const result = tokenWait
            ? await this.runTokenTask(machine, execution, stateName, tokenWait, taskInput, (handle) => {
                asleep = handle;
              })
            : await this.runTask(machine, task.resource, taskInput);
          if (execution.status !== 'RUNNING') return never;
          // Step Functions' payload quota: a result over 256 KiB fails the execution with
          // States.DataLimitExceeded, which no Retry or Catch (not even States.ALL) handles.
          const bytes = Buffer.byteLength(JSON.stringify(result ?? null));
          if (bytes > LIMITS.sfnPayloadBytesMax) {
            this.fail(
              execution,
              'States.DataLimitExceeded',
              `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit (${bytes} > ${LIMITS.sfnPayloadBytesMax}).`,
            );
            return never;
          }
          planner.succeeded();
          return result;
        } catch (error) {
          const err = error instanceof Error ? error : new Error(String(error));
          planner.failed(err.name);
          throw err;
        }
      };
    }
    const timeout =
      prepared.timeoutSeconds !== undefined
        ? clock.after(prepared.timeoutSeconds * 1000, `timeout ${execution.name}`, () => {
            if (execution.status !== 'RUNNING') return;
            this.finish(execution, 'TIMED_OUT', { error: 'States.Timeout', cause: 'The execution timed out' });
            execution.abort?.();
            this.wakeTokensOf(execution);
          })
        : undefined;
    // The definition is validated once per deployed definition (ajv compiles the ASL schema each time).
    const validated = this.validatedDefinitions.has(prepared.definition);
    const stateMachine = new StateMachine(prepared.definition as never, {
      validationOptions: validated ? { noValidate: true } : { checkArn: false, checkPaths: true },
    });
    this.validatedDefinitions.add(prepared.definition);
    const zeroRetries = Object.fromEntries([...prepared.retries.keys()].map((name) => [name, 0]));
    const run = stateMachine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: zeroRetries },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: execution.executionArn,
          Name: execution.name,
          Input: input,
          StartTime: new Date(execution.startDate).toISOString(),
          RoleArn: machine.roleArn,
        },
        StateMachine: { Id: machine.arn, Name: machine.name },
        // Replaced per attempt by a fresh token (runTokenTask).
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      } as never,
    });
    execution.abort = run.abort;
    const consumer = this.consume(execution, prepared, run.eventLogs);
    let outcome: { status: 'SUCCEEDED' | 'FAILED'; output?: string; error?: string; cause?: string };
    try {
      const output = await run.result;
      outcome = { status: 'SUCCEEDED', output: JSON.stringify(output ?? null) };
    } catch (error) {
      const caught = (error as { cause?: unknown }).cause ?? error;
      const err = caught instanceof Error ? caught : new Error(String(caught));
      outcome = { status: 'FAILED', error: err.name, cause: err.message };
    }
    const pending = asleep;
    if (pending && execution.status !== 'RUNNING') await pending.woke;
    clock.cancel(timeout);
    // The runner's log is read asynchronously and closes when the execution ends: let the reader catch
    // up, so the history is complete and in order before the final event.
    await Promise.race([consumer, new Promise((resolve) => setTimeout(resolve, 1000))]);
    if (execution.status === 'RUNNING') {
      const { status, ...rest } = outcome;
      this.finish(execution, status, rest);
    }
  }

  /**
   * A `lambda:invoke.waitForTaskToken` task: invokes the function with a fresh token in place of
   * `$$.Task.Token`, then waits on the virtual clock for the callback, its TimeoutSeconds (`States.Timeout`)
   * or its HeartbeatSeconds without a heartbeat (`States.HeartbeatTimeout`). The function may answer its own
   * token before it returns. The result is the callback's output.
   */
  private async runTokenTask(
    machine: DeployedStateMachine,
    execution: Execution,
    stateName: string,
    spec: TokenWaitSpec,
    input: Json,
    onSleep: (handle: { woke: Promise<void>; wake: () => void } | undefined) => void,
  ): Promise<Json> {
    const target = classifyResource(String(this.prepared.get(machine.arn)?.tasks.get(stateName)?.resource));
    if (target.kind !== 'lambda' || target.payloadResponseOnly) {
      throw new IntegrationError(
        'States.Runtime',
        `.waitForTaskToken is supported on lambda:invoke only (${stateName})`,
      );
    }
    const params = { ...((input ?? {}) as Record<string, Json>) };
    const payload = { ...((params.Payload ?? {}) as Record<string, Json>) };
    const seconds = (fromPayload: boolean, key: string, fixed: number | undefined, what: string) => {
      if (!fromPayload) return fixed;
      const value = payload[key];
      delete payload[key];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        throw Object.assign(new Error(`${what} of ${stateName} is not a positive integer (${JSON.stringify(value)})`), {
          name: 'States.Runtime',
        });
      }
      return value;
    };
    const timeoutSeconds = seconds(
      spec.timeoutFromPayload,
      TOKEN_TIMEOUT_KEY,
      spec.timeoutSeconds,
      'TimeoutSecondsPath',
    );
    const heartbeatSeconds = seconds(
      spec.heartbeatFromPayload,
      TOKEN_HEARTBEAT_KEY,
      spec.heartbeatSeconds,
      'HeartbeatSecondsPath',
    );
    const token = `AQ${Buffer.from(`${execution.executionArn}#${stateName}#${++this.tokenSeq}`).toString('base64url')}`;
    const pending: PendingToken = { executionArn: execution.executionArn, stateName, beat: false };
    this.tokens.set(token, pending);
    const clock = this.world.clock;
    try {
      await this.lambdas.invoke(String(params.FunctionName), replaceToken(payload, token));
      // A year stands in for "no timeout" (a Standard execution ends within one).
      const timeoutAt = clock.now() + (timeoutSeconds ?? 365 * 86_400) * 1000;
      let heartbeatAt =
        heartbeatSeconds !== undefined ? clock.now() + heartbeatSeconds * 1000 : Number.POSITIVE_INFINITY;
      while (!pending.result && execution.status === 'RUNNING') {
        const until = Math.min(timeoutAt, heartbeatAt);
        if (clock.now() >= until) {
          const error = until === timeoutAt ? 'States.Timeout' : 'States.HeartbeatTimeout';
          throw Object.assign(new Error(`${stateName}: no callback for its task token in time`), { name: error });
        }
        let resumed: () => void = () => undefined;
        const woke = new Promise<void>((resolve) => {
          resumed = resolve;
        });
        const suspended = clock.suspend(until - clock.now());
        pending.wake = suspended.wake;
        onSleep({ woke, wake: suspended.wake });
        await suspended.woken;
        onSleep(undefined);
        resumed();
        if (pending.beat) {
          pending.beat = false;
          if (heartbeatSeconds !== undefined) heartbeatAt = clock.now() + heartbeatSeconds * 1000;
        }
      }
      const result = pending.result;
      if (!result) return null; // the execution ended meanwhile: the caller goes no further
      if ('output' in result) return result.output;
      throw Object.assign(new Error(result.cause), { name: result.error });
    } finally {
      if (this.tokens.delete(token)) this.spentTokens.add(token);
    }
  }

  private async runTask(machine: DeployedStateMachine, resource: string, input: Json): Promise<Json> {
    const target = classifyResource(resource);
    if (target.pattern !== 'request-response') {
      throw new IntegrationError(
        'States.Runtime',
        `${target.pattern} is not supported by the local cloud (${resource})`,
      );
    }
    if (target.kind === 'lambda' && target.payloadResponseOnly) {
      return (await this.lambdas.invoke(resource, input)) as Json;
    }
    if (target.kind === 'lambda') {
      const params = (input ?? {}) as { FunctionName?: string; Payload?: Json };
      const payload = await this.lambdas.invoke(String(params.FunctionName), params.Payload ?? null);
      return { ExecutedVersion: '$LATEST', Payload: payload as Json, StatusCode: 200 };
    }
    if (target.kind !== 'sdk') throw new IntegrationError('States.Runtime', `Unsupported Task resource ${resource}`);
    const caller = { endpointUrl: this.endpoint.url, region: machine.region, accessKeyId: machine.accessKeyId };
    return (await callSdkIntegration(target.service, target.action, input, caller, {
      optimized: target.integration === 'optimized',
    })) as Json;
  }

  /**
   * Turns the runner's state events into Step Functions history events, in order: a Task is entered,
   * scheduled, started, succeeds or fails (and is scheduled again on each retry), and is exited.
   */
  private async consume(
    execution: Execution,
    prepared: PreparedDefinition,
    logs: AsyncGenerator<unknown>,
  ): Promise<void> {
    // A task that failed (and was caught) exits without succeeding: no Succeeded event for it.
    const failed = new Set<string>();
    for await (const raw of logs) {
      const event = raw as { type: string; state?: { name: string }; Error?: string; Cause?: unknown };
      const stateName = event.state?.name;
      if (!stateName) continue;
      const type = prepared.stateTypes.get(stateName) ?? 'Task';
      const task = prepared.tasks.get(stateName);
      const step = (phase: TaskPhase, error?: string, cause?: string) => {
        if (task) this.record(execution, taskEventType(task.resource, phase), stateName, error, cause);
      };
      if (event.type === 'StateEntered') {
        failed.delete(stateName);
        execution.transitions++;
        this.record(execution, `${type}StateEntered`, stateName);
        step('Scheduled');
        step('Started');
        if (prepared.tokenWaits.has(stateName)) step('Submitted');
      } else if (event.type === 'StateExited') {
        if (!failed.delete(stateName)) step('Succeeded');
        this.record(execution, `${type}StateExited`, stateName);
      } else if (event.type === 'StateFailed') {
        failed.add(stateName);
        const timedOut = event.Error === 'States.Timeout' || event.Error === 'States.HeartbeatTimeout';
        step(
          timedOut ? 'TimedOut' : 'Failed',
          event.Error,
          typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause ?? null),
        );
      } else if (event.type === 'StateRetried') {
        failed.delete(stateName);
        step('Scheduled');
        step('Started');
      }
    }
  }

  private finish(
    execution: Execution,
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    result: { output?: string; error?: string | undefined; cause?: string | undefined },
  ): void {
    execution.status = status;
    execution.stopDate = this.world.now();
    if (result.output !== undefined) execution.output = result.output;
    if (result.error !== undefined) execution.error = result.error;
    if (result.cause !== undefined) execution.cause = result.cause;
    const type = {
      SUCCEEDED: 'ExecutionSucceeded',
      FAILED: 'ExecutionFailed',
      TIMED_OUT: 'ExecutionTimedOut',
      ABORTED: 'ExecutionAborted',
    }[status];
    this.record(execution, type, undefined, result.error, result.cause);
    this.statusChanged(execution);
  }

  /** Ends a running execution FAILED with an error that no Catch sees (a quota), and stops its runner. */
  private fail(execution: Execution, error: string, cause: string): void {
    if (execution.status !== 'RUNNING') return;
    this.finish(execution, 'FAILED', { error, cause });
    execution.abort?.();
  }

  private record(execution: Execution, type: string, stateName?: string, error?: string, cause?: string): void {
    // Step Functions' history quota: the event that would be the 25,000th fails the execution instead.
    if (execution.status === 'RUNNING' && execution.history.length >= LIMITS.sfnHistoryEventsMax - 1) {
      this.fail(
        execution,
        'States.Runtime',
        `The execution reached the maximum number of history events (${LIMITS.sfnHistoryEventsMax}).`,
      );
      return;
    }
    if (execution.status !== 'RUNNING' && !type.startsWith('Execution')) return;
    const id = execution.history.length + 1;
    execution.history.push({
      id,
      previousEventId: id - 1,
      timestamp: this.world.now(),
      type,
      ...(stateName ? { stateName } : {}),
      ...(error ? { error } : {}),
      ...(cause ? { cause } : {}),
    });
  }

  /** Step Functions' own status-change event on the default bus (Ballast's alerts rule listens for it). */
  private statusChanged(execution: Execution): void {
    this.world.emit(
      execution.region,
      'aws.states',
      'Step Functions Execution Status Change',
      {
        executionArn: execution.executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: execution.startDate,
        stopDate: execution.stopDate ?? null,
        input: execution.input,
        output: execution.output ?? null,
        error: execution.error ?? null,
        cause: execution.cause ?? null,
      },
      [execution.executionArn],
    );
  }
}

/** History event type for a task step, as Step Functions names them for Lambda and other integrations. */
type TaskPhase = 'Scheduled' | 'Started' | 'Submitted' | 'Succeeded' | 'Failed' | 'TimedOut';

function taskEventType(resource: string, phase: TaskPhase): string {
  const lambda = resource.startsWith('arn:aws:lambda:') || resource === 'arn:aws:states:::lambda:invoke';
  return `${lambda ? 'LambdaFunction' : 'Task'}${phase}`;
}

/** The payload with every `$$.Task.Token` placeholder replaced by the issued token. */
function replaceToken(value: Json, token: string): Json {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => replaceToken(v, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceToken(v, token)]));
  }
  return value;
}
