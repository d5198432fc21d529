import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidToken,
  ListExecutionsCommand,
  paginateGetExecutionHistory,
  paginateListExecutions,
  paginateListStateMachines,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import config from '../../../ballast.config.ts';
import { collect, failure } from './helpers.ts';

/**
 * Step Functions through the real SDK v3 client, against Ballast's deployed drain-host state machine. The
 * executions here are started with input the workflow rejects ('{}'), so they end FAILED in the first state
 * without touching the fleet: what is tested is the API, not the workflow. One cloud; the tests run in order.
 */

describe('Step Functions through the SDK v3 client', () => {
  let cloud: LocalCloud;
  let sfn: SFNClient;
  let machineArn: string;
  let failedArn: string;

  beforeAll(async () => {
    cloud = await LocalCloud.start({ config, seed: 15, withBallast: true, rateLimits: false });
    sfn = new SFNClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
    machineArn = cloud.stateMachineArn('us-east-1', 'drain-host');
  });
  afterAll(async () => {
    sfn?.destroy();
    await cloud?.stop();
  });

  it('ListStateMachines lists the deployed machines of the region, a page at a time', async () => {
    const pages = await collect(paginateListStateMachines({ client: sfn, pageSize: 1 }, {}));
    const machines = pages.flatMap((p) => p.stateMachines ?? []);

    expect(pages.length).toBe(machines.length);
    expect(machines.map((m) => [m.name, m.stateMachineArn, m.type]).sort()).toEqual(
      ['ballast-drain-host', 'ballast-emergency-scale', 'ballast-region-failover', 'ballast-restore-scaling'].map(
        (name) => [name, `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`, 'STANDARD'],
      ),
    );
    expect(machines[0]!.creationDate).toBeInstanceOf(Date);
  });

  it('StartExecution and DescribeExecution: input the workflow rejects ends FAILED with a named error', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: 'sdk-empty', input: '{}' }),
    );
    failedArn = started.executionArn!;
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn: failedArn }));
    await cloud.runFor(60_000);
    const done = await sfn.send(new DescribeExecutionCommand({ executionArn: failedArn }));
    const noMachine = await failure(
      sfn.send(new StartExecutionCommand({ stateMachineArn: `${machineArn}-nope`, input: '{}' })),
    );

    expect(failedArn).toBe('arn:aws:states:us-east-1:123456789012:execution:ballast-drain-host:sdk-empty');
    expect(started.startDate).toBeInstanceOf(Date);
    expect(running).toMatchObject({ status: 'RUNNING', name: 'sdk-empty', input: '{}', stateMachineArn: machineArn });
    expect(done.status).toBe('FAILED');
    // The drain workflow is being finished elsewhere: the error name is its business; that it is a named error
    // with a cause is the API's.
    expect(done.error).toMatch(/^[A-Za-z][\w.]+$/);
    expect(done.cause).toEqual(expect.any(String));
    expect(done.stopDate).toBeInstanceOf(Date);
    expect(noMachine).toBeInstanceOf(StateMachineDoesNotExist);
    expect(noMachine.message).toContain(`${machineArn}-nope`);
  });

  it('GetExecutionHistory pages through the events, forwards and in reverse', async () => {
    const pages = await collect(paginateGetExecutionHistory({ client: sfn, pageSize: 3 }, { executionArn: failedArn }));
    const history = pages.flatMap((p) => p.events ?? []);
    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: failedArn, reverseOrder: true, maxResults: 1 }),
    );
    const failed = history.find((e) => e.type === 'ExecutionFailed');

    expect(pages.length).toBeGreaterThan(1);
    expect(history[0]).toMatchObject({ id: 1, previousEventId: 0, type: 'ExecutionStarted' });
    expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
    expect(history.every((e) => e.timestamp instanceof Date)).toBe(true);
    expect(history.some((e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name)).toBe(true);
    expect(failed?.executionFailedEventDetails).toMatchObject({ error: expect.any(String), cause: expect.any(String) });
    expect(reversed.events).toHaveLength(1);
    expect(reversed.events![0]!.id).toBe(history.length);
    expect(reversed.nextToken).toEqual(expect.any(String));
  });

  it('StopExecution aborts a running execution', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: 'sdk-stopped', input: '{}' }),
    );
    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn: started.executionArn!, error: 'Sdk.Stop', cause: 'stopped by a test' }),
    );
    await cloud.runFor(60_000);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn! }));
    const missing = await failure(sfn.send(new StopExecutionCommand({ executionArn: `${started.executionArn}-nope` })));

    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Sdk.Stop', cause: 'stopped by a test' });
    expect(missing).toBeInstanceOf(ExecutionDoesNotExist);
    expect(missing.message).toBe(`Execution Does Not Exist: '${started.executionArn}-nope'`);
  });

  it('ListExecutions pages, newest first, and filters by status', async () => {
    const pages = await collect(paginateListExecutions({ client: sfn, pageSize: 1 }, { stateMachineArn: machineArn }));
    const failed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'FAILED' }));
    const noMachine = await failure(sfn.send(new ListExecutionsCommand({ stateMachineArn: `${machineArn}-nope` })));

    expect(pages.flatMap((p) => p.executions ?? []).map((e) => [e.name, e.status])).toEqual([
      ['sdk-stopped', 'ABORTED'],
      ['sdk-empty', 'FAILED'],
    ]);
    expect(failed.executions!.map((e) => e.executionArn)).toEqual([failedArn]);
    expect(noMachine).toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('SendTaskSuccess and SendTaskFailure: a token never issued is InvalidToken (tokens: runtime/sfn-task-tokens.test.ts)', async () => {
    const success = await failure(sfn.send(new SendTaskSuccessCommand({ taskToken: 'token', output: '{}' })));
    const failed = await failure(sfn.send(new SendTaskFailureCommand({ taskToken: 'token', error: 'E', cause: 'c' })));

    for (const error of [success, failed]) {
      expect(error).toBeInstanceOf(InvalidToken);
      expect(error).toMatchObject({ message: "Invalid Token: 'token'", $metadata: { httpStatusCode: 400 } });
    }
  });
});
