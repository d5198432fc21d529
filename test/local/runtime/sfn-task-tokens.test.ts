import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import type { Execution } from '#local/runtime/sfn-runtime.ts';
import config from '../../../ballast.config.ts';
import { failure } from '../sdk/helpers.ts';

/**
 * `.waitForTaskToken` in the local Step Functions runtime: the function gets a fresh `$$.Task.Token`, the
 * task waits on the virtual clock for SendTaskSuccess / SendTaskFailure (through the real SDK), for its
 * TimeoutSecondsPath (read from the state input: States.Timeout, catchable) or for HeartbeatSeconds without a
 * heartbeat (States.HeartbeatTimeout). A token that is spent answers TaskTimedOut, an unknown one InvalidToken.
 */
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:token-fixture`;
let cloud: LocalCloud;
let sfn: SFNClient;
let issued: Record<string, string[]>;
let arn: string;

const definition = (heartbeatSeconds?: number) => ({
  StartAt: 'Wait For Callback',
  States: {
    'Wait For Callback': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: FN,
        Payload: { 'token.$': '$$.Task.Token', 'name.$': '$$.Execution.Name', 'answerSelf.$': '$.answerSelf' },
      },
      TimeoutSecondsPath: '$.timeoutSeconds',
      ...(heartbeatSeconds ? { HeartbeatSeconds: heartbeatSeconds } : {}),
      ResultPath: '$.callback',
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'Timed Out' }],
      Next: 'Done',
    },
    'Timed Out': { Type: 'Pass', Result: true, ResultPath: '$.fallback', Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
});

function machine(name: string, heartbeatSeconds?: number): string {
  const machineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
  cloud.sfn.register({
    name,
    arn: machineArn,
    region: REGION,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/token-test`,
    accessKeyId: 'AKIATOKENTEST0000000',
    definition: definition(heartbeatSeconds) as never,
    createdAt: cloud.world.now(),
  });
  return machineArn;
}

const start = (name: string, input: Record<string, unknown>, machineArn = arn): Execution =>
  cloud.sfn.start(machineArn, JSON.stringify({ answerSelf: false, timeoutSeconds: 300, ...input }), name);
const seconds = (e: Execution) => ((e.stopDate ?? Number.NaN) - e.startDate) / 1000;
const output = (e: Execution) => JSON.parse(e.output ?? 'null');

beforeAll(async () => {
  cloud = await LocalCloud.start({ config, seed: 23, withBallast: false, rateLimits: false });
  sfn = new SFNClient({ ...cloud.clientConfig(REGION), maxAttempts: 1 });
  cloud.lambdas.register({
    name: 'token-fixture',
    arn: FN,
    region: REGION,
    entry: 'test/fixtures/handlers/token.ts',
    handlerExport: 'handler',
    environment: {},
    accessKeyId: 'AKIATOKENTEST0000001',
    timeoutSeconds: 30,
  });
  ({ issued } = await import('#test/fixtures/handlers/token.ts'));
  arn = machine('token-wait');
});
afterAll(async () => {
  sfn?.destroy();
  await cloud?.stop();
});

describe('task tokens in the local Step Functions runtime', () => {
  it('waits for SendTaskSuccess on the virtual clock; the output is the callback’s', async () => {
    const e = start('answered', {});
    await cloud.runFor(100_000);
    expect(e.status).toBe('RUNNING');
    const token = issued.answered?.[0];
    expect(token).toMatch(/^AQ/);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ woke: 'early' }) }));
    await cloud.runFor(1_000);

    expect(e.status).toBe('SUCCEEDED');
    expect(output(e).callback).toEqual({ woke: 'early' });
    expect(seconds(e)).toBe(100);
    expect(e.history.map((h) => h.type)).toEqual(
      expect.arrayContaining(['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded']),
    );
    // Answered once: the token is spent.
    const again = await failure(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    expect(again).toBeInstanceOf(TaskTimedOut);
  });

  it('times out after TimeoutSecondsPath read from the state input, with a catchable States.Timeout', async () => {
    const e = start('silent', { timeoutSeconds: 45 });
    await cloud.runFor(120_000);

    expect(e.status).toBe('SUCCEEDED');
    expect(output(e).fallback).toBe(true);
    expect(output(e).timedOut.Error).toBe('States.Timeout');
    expect(seconds(e)).toBe(45);
    expect(e.history.map((h) => h.type)).toContain('TaskTimedOut');
    const late = await failure(sfn.send(new SendTaskSuccessCommand({ taskToken: issued.silent![0], output: '{}' })));
    expect(late).toBeInstanceOf(TaskTimedOut);
  });

  it('lets the function answer its own token before it returns (the wait is already over)', async () => {
    const e = start('self', { answerSelf: true });
    await cloud.runFor(1_000);

    expect(e.status).toBe('SUCCEEDED');
    expect(output(e).callback).toEqual({ by: 'itself' });
    expect(seconds(e)).toBe(0);
  });

  it('fails the task with the error SendTaskFailure names (not caught by a Catch on States.Timeout)', async () => {
    const e = start('refused', {});
    await cloud.runFor(10_000);
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: issued.refused![0], error: 'HostGone', cause: 'the host left' }),
    );
    await cloud.runFor(1_000);

    expect(e.status).toBe('FAILED');
    expect(e.error).toBe('HostGone');
    expect(e.cause).toBe('the host left');
  });

  it('keeps a task with HeartbeatSeconds alive while heartbeats come, and fails it when they stop', async () => {
    const beating = machine('token-heartbeat', 20);
    const kept = start('beats', { timeoutSeconds: 600 }, beating);
    const dropped = start('no-beats', { timeoutSeconds: 600 }, beating);
    for (let i = 0; i < 6; i++) {
      await cloud.runFor(10_000);
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken: issued.beats![0] }));
    }
    await sfn.send(new SendTaskSuccessCommand({ taskToken: issued.beats![0], output: '{"ok":true}' }));
    await cloud.runFor(1_000);

    expect(kept.status).toBe('SUCCEEDED');
    expect(seconds(kept)).toBe(60);
    expect(dropped.status).toBe('FAILED');
    expect(dropped.error).toBe('States.HeartbeatTimeout');
    expect(seconds(dropped)).toBe(20);
  });

  it('ends the wait at once when the execution is stopped; its token is spent', async () => {
    const e = start('stopped', {});
    await cloud.runFor(5_000);
    cloud.sfn.stop(e.executionArn, 'Operator', 'stopped by hand');
    await cloud.runFor(1_000);

    expect(e.status).toBe('ABORTED');
    const late = await failure(sfn.send(new SendTaskSuccessCommand({ taskToken: issued.stopped![0], output: '{}' })));
    expect(late).toBeInstanceOf(TaskTimedOut);
  });

  it('refuses a token it never issued with InvalidToken', async () => {
    const error = await failure(sfn.send(new SendTaskSuccessCommand({ taskToken: 'AQnot-a-token', output: '{}' })));
    expect(error).toBeInstanceOf(InvalidToken);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 400 } });
  });
});
