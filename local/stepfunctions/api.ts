import { LIMITS } from '../../config/limits.ts';
import { AwsError } from '../core/aws-error.ts';
import { paginate } from '../core/paginate.ts';
import type { ServiceDefinition } from '../core/service.ts';
import type { Execution, SfnRuntime } from '../runtime/sfn-runtime.ts';

/**
 * The Step Functions API (awsJson1_0) over the local runtime: what the console, the `ballast` CLI, the
 * AWS CLI and the tests use to start and watch workflows.
 */
export function statesService(runtime: SfnRuntime): ServiceDefinition {
  const executionOf = (arn: unknown): Execution => {
    if (typeof arn !== 'string' || arn === '') throw new AwsError('InvalidArn', 'executionArn is required');
    const execution = runtime.execution(arn);
    if (!execution) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  };
  const summary = (e: Execution) => ({
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: new Date(e.startDate),
    ...(e.stopDate !== undefined ? { stopDate: new Date(e.stopDate) } : {}),
  });
  /** The three task-token callbacks: the token is the capability (IAM has no resource for them). */
  const callback =
    (what: (input: Record<string, unknown>) => Parameters<SfnRuntime['callback']>[1]) =>
    (input: Record<string, unknown>) => {
      const token = input.taskToken;
      if (typeof token !== 'string' || token.length < 1 || token.length > 2048) {
        throw new AwsError('InvalidToken', 'Invalid Token: taskToken must be 1 to 2048 characters');
      }
      const refusal = runtime.callback(token, what(input));
      if (refusal === 'InvalidToken') throw new AwsError('InvalidToken', `Invalid Token: '${token}'`);
      if (refusal) throw new AwsError(refusal, "Task Timed Out: 'Provided task does not exist anymore'");
      return {};
    };

  return {
    signingName: 'states',
    iamPrefix: 'states',
    protocol: 'awsJson1_0',
    targetPrefix: 'AWSStepFunctions',
    operations: {
      StartExecution: {
        handler: (input: { stateMachineArn?: string; input?: string; name?: string }) => {
          if (!input.stateMachineArn) throw new AwsError('InvalidArn', 'stateMachineArn is required');
          const execution = runtime.start(input.stateMachineArn, input.input, input.name);
          return { executionArn: execution.executionArn, startDate: new Date(execution.startDate) };
        },
        resources: (input: { stateMachineArn?: string }) => [input.stateMachineArn ?? '*'],
      },
      DescribeExecution: {
        handler: (input: { executionArn?: string }) => {
          const e = executionOf(input.executionArn);
          return {
            ...summary(e),
            input: e.input,
            ...(e.output !== undefined ? { output: e.output } : {}),
            ...(e.error !== undefined ? { error: e.error } : {}),
            ...(e.cause !== undefined ? { cause: e.cause } : {}),
          };
        },
        resources: (input: { executionArn?: string }) => [input.executionArn ?? '*'],
      },
      StopExecution: {
        handler: (input: { executionArn?: string; error?: string; cause?: string }) => {
          const e = executionOf(input.executionArn);
          runtime.stop(e.executionArn, input.error, input.cause);
          return { stopDate: new Date(e.stopDate ?? Date.now()) };
        },
        resources: (input: { executionArn?: string }) => [input.executionArn ?? '*'],
      },
      ListExecutions: {
        handler: (input: {
          stateMachineArn?: string;
          statusFilter?: string;
          maxResults?: number;
          nextToken?: string;
        }) => {
          if (!input.stateMachineArn) throw new AwsError('InvalidArn', 'stateMachineArn is required');
          if (!runtime.machine(input.stateMachineArn)) {
            throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${input.stateMachineArn}'`);
          }
          const all = runtime.executions
            .filter((e) => e.stateMachineArn === input.stateMachineArn)
            .filter((e) => !input.statusFilter || e.status === input.statusFilter)
            .slice()
            .reverse();
          const page = paginate(all, {
            token: input.nextToken,
            max: input.maxResults || undefined,
            defaultMax: 100,
            limit: 1000,
            listing: `executions:${input.stateMachineArn}:${input.statusFilter ?? ''}`,
          });
          return { executions: page.items.map(summary), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
        },
        resources: (input: { stateMachineArn?: string }) => [input.stateMachineArn ?? '*'],
      },
      GetExecutionHistory: {
        handler: (input: {
          executionArn?: string;
          maxResults?: number;
          nextToken?: string;
          reverseOrder?: boolean;
        }) => {
          const e = executionOf(input.executionArn);
          const events = input.reverseOrder ? e.history.slice().reverse() : e.history;
          const page = paginate(events, {
            token: input.nextToken,
            max: input.maxResults || undefined,
            defaultMax: 100,
            limit: 1000,
            listing: `history:${e.executionArn}:${input.reverseOrder ? 'r' : 'f'}`,
          });
          return {
            events: page.items.map((h) => ({
              id: h.id,
              previousEventId: h.previousEventId,
              timestamp: new Date(h.timestamp),
              type: h.type,
              ...(h.stateName && h.type.endsWith('StateEntered')
                ? { stateEnteredEventDetails: { name: h.stateName } }
                : {}),
              ...(h.stateName && h.type.endsWith('StateExited')
                ? { stateExitedEventDetails: { name: h.stateName } }
                : {}),
              ...(h.type === 'ExecutionFailed'
                ? { executionFailedEventDetails: { error: h.error, cause: h.cause } }
                : {}),
            })),
            ...(page.nextToken ? { nextToken: page.nextToken } : {}),
          };
        },
        resources: (input: { executionArn?: string }) => [input.executionArn ?? '*'],
      },
      ListStateMachines: (input: { maxResults?: number; nextToken?: string }, ctx) => {
        const all = runtime.listMachines(ctx.region);
        const page = paginate(all, {
          token: input.nextToken,
          max: input.maxResults || undefined,
          defaultMax: 100,
          limit: 1000,
          listing: `machines:${ctx.region}`,
        });
        return {
          stateMachines: page.items.map((m) => ({
            stateMachineArn: m.arn,
            name: m.name,
            type: 'STANDARD',
            creationDate: new Date(m.createdAt),
          })),
          ...(page.nextToken ? { nextToken: page.nextToken } : {}),
        };
      },
      DescribeStateMachine: {
        handler: (input: { stateMachineArn?: string }) => {
          const m = input.stateMachineArn ? runtime.machine(input.stateMachineArn) : undefined;
          if (!m)
            throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${input.stateMachineArn}'`);
          return {
            stateMachineArn: m.arn,
            name: m.name,
            status: 'ACTIVE',
            definition: JSON.stringify(m.definition),
            roleArn: m.roleArn,
            type: 'STANDARD',
            creationDate: new Date(m.createdAt),
          };
        },
        resources: (input: { stateMachineArn?: string }) => [input.stateMachineArn ?? '*'],
      },
      SendTaskSuccess: {
        handler: callback((input) => {
          const output = input.output;
          if (typeof output !== 'string') throw new AwsError('InvalidOutput', 'Invalid Output: output is required');
          if (Buffer.byteLength(output) > LIMITS.sfnPayloadBytesMax) {
            throw new AwsError(
              'ValidationException',
              `1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to ${LIMITS.sfnPayloadBytesMax}`,
            );
          }
          return { output };
        }),
        resources: () => ['*'],
      },
      SendTaskFailure: {
        handler: callback((input) => ({
          error: typeof input.error === 'string' ? input.error : '',
          cause: typeof input.cause === 'string' ? input.cause : '',
        })),
        resources: () => ['*'],
      },
      SendTaskHeartbeat: {
        handler: callback(() => ({ heartbeat: true })),
        resources: () => ['*'],
      },
    },
  };
}
