import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '#config/limits.ts';
import { LocalCloud } from '#local/cloud.ts';
import config from '../../../ballast.config.ts';

/**
 * The local Step Functions runtime enforces the quotas a drain must respect, so a test can hit them: a
 * result over 256 KiB fails the execution with States.DataLimitExceeded, and the 25,000th history event
 * fails it with States.Runtime, neither caught by a Catch on States.ALL (as in AWS).
 */
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:quota-pad`;
let cloud: LocalCloud;

function machine(name: string, definition: Record<string, unknown>): string {
  const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
  cloud.sfn.register({
    name,
    arn,
    region: REGION,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/quota-test`,
    accessKeyId: 'AKIAQUOTATEST0000000',
    definition: definition as never,
    createdAt: cloud.world.now(),
  });
  return arn;
}

/** Pad (a Lambda task with a Catch on States.ALL) then a Choice that loops back while `round` < `rounds`. */
function padLoop(rounds: number) {
  return {
    StartAt: 'Pad',
    States: {
      Pad: {
        Type: 'Task',
        Resource: FN,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        Next: 'More?',
      },
      'More?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.round', NumericLessThan: rounds, Next: 'Pad' }],
        Default: 'Done',
      },
      Caught: { Type: 'Fail', Error: 'Caught', Cause: 'the Catch saw it' },
      Done: { Type: 'Succeed' },
    },
  };
}

beforeAll(async () => {
  cloud = await LocalCloud.start({ config, seed: 21, withBallast: false, rateLimits: false });
  cloud.lambdas.register({
    name: 'quota-pad',
    arn: FN,
    region: REGION,
    entry: 'test/fixtures/handlers/pad.ts',
    handlerExport: 'handler',
    environment: {},
    accessKeyId: 'AKIAQUOTATEST0000001',
    timeoutSeconds: 30,
  });
});
afterAll(async () => {
  await cloud?.stop();
});

describe('Step Functions quotas in the local cloud', () => {
  it('fails an execution whose state grows past 256 KiB with States.DataLimitExceeded, past its Catch', async () => {
    const arn = machine('quota-payload', padLoop(1));
    const small = cloud.sfn.start(arn, JSON.stringify({ bytes: LIMITS.sfnPayloadBytesMax - 100 }), 'small');
    const big = cloud.sfn.start(arn, JSON.stringify({ bytes: LIMITS.sfnPayloadBytesMax + 1 }), 'big');

    await cloud.runFor(60_000);

    expect(small.status).toBe('SUCCEEDED');
    expect(big.status).toBe('FAILED');
    expect(big.error).toBe('States.DataLimitExceeded');
    expect(big.history.at(-1)?.type).toBe('ExecutionFailed');
  });

  it('fails an execution at the 25,000th history event with States.Runtime', async () => {
    // Each round is ~7 events (Task entered, scheduled, started, succeeded, exited; Choice entered, exited).
    const arn = machine('quota-history', padLoop(5000));
    const long = cloud.sfn.start(arn, JSON.stringify({ bytes: 0 }), 'long');

    await cloud.runFor(60_000);

    expect(long.status).toBe('FAILED');
    expect(long.error).toBe('States.Runtime');
    expect(long.history).toHaveLength(LIMITS.sfnHistoryEventsMax);
    expect(long.history.at(-1)?.type).toBe('ExecutionFailed');
  });
});
