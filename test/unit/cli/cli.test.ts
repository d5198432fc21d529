import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { normaliseDrainHostInput } from '#events/drain-host-input.ts';
import { EXIT, main } from '../../../cli/ballast.ts';

/** Issue 10, defect 7: request ids and exit codes of the ballast CLI (SFN mocked: no network). */
const HOST = 'i-0123456789abcdef0';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:ballast-drain-host';
const NOW = new Date('2026-11-22T02:00:10Z');
const client = new SFNClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIAEXAMPLE000000000', secretAccessKey: 'x' },
});
const sfn = mockClient(client);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      sfn: client,
      now: () => NOW,
      sleep: async () => {},
    },
  };
}

/** The execution ends SUCCEEDED with this output. */
function finishedWith(output: unknown) {
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:x`, startDate: NOW });
  sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(output) });
}

beforeEach(() => {
  sfn.reset();
  sfn
    .on(ListStateMachinesCommand)
    .resolves({ stateMachines: [{ name: 'ballast-drain-host', stateMachineArn: MACHINE } as never] });
});

describe('manual request ids', () => {
  it('gives a dry run and the real drain of the same minute different ids', () => {
    const dry = normaliseDrainHostInput({ action: 'drain', instanceId: HOST, dryRun: true }, NOW);
    const real = normaliseDrainHostInput({ action: 'drain', instanceId: HOST }, NOW);
    const again = normaliseDrainHostInput({ action: 'drain', instanceId: HOST }, new Date(NOW.getTime() + 20_000));
    if (dry.type !== 'request' || real.type !== 'request' || again.type !== 'request') throw new Error('invalid');
    expect(dry.request.drainId).not.toBe(real.request.drainId);
    // The same request repeated within the minute is still one request (a pipeline retry).
    expect(again.request.drainId).toBe(real.request.drainId);
  });
});

describe('ballast drain --wait exit codes', () => {
  it('exits 0 when the host was drained', async () => {
    finishedWith({ outcome: 'drained', message: 'All 2 task(s) stopped.' });
    const t = io();
    expect(await main(['drain', HOST, '--region', 'us-east-1', '--wait'], t.io)).toBe(EXIT.ok);
  });

  it.each(['timed-out', 'hook-expired', 'gone', 'forced'])('exits %s as not drained (4)', async (outcome) => {
    finishedWith({ outcome, message: 'm' });
    const t = io();
    expect(await main(['drain', HOST, '--region', 'us-east-1', '--wait'], t.io)).toBe(EXIT.notDrained);
    expect(t.out.join('\n')).toContain(outcome);
  });

  it('exits 4 for a Duplicate or Skipped execution', async () => {
    finishedWith({ action: 'duplicate', message: 'Duplicate: …' });
    const t = io();
    expect(await main(['drain', HOST, '--region', 'us-east-1', '--wait'], t.io)).toBe(EXIT.notDrained);
  });

  it('exits 5, not 1, when --wait times out while the drain is still running', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:x`, startDate: NOW });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const t = io();
    const code = await main(['drain', HOST, '--region', 'us-east-1', '--wait', '--timeout-seconds', '0'], t.io);
    expect(code).toBe(EXIT.waitTimedOut);
    expect(t.out.join('\n')).toContain('RUNNING');
  });

  it('reports an existing finished execution with its real status and outcome', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'drained' }) });
    const t = io();
    const code = await main(['drain', HOST, '--region', 'us-east-1', '--json'], t.io);
    expect(JSON.parse(t.out[0]!)).toMatchObject({ status: 'SUCCEEDED', outcome: 'drained' });
    expect(code).toBe(EXIT.ok);
  });
});

describe('bad input', () => {
  it('exits 2 before any AWS call, even without credentials', async () => {
    sfn
      .on(ListStateMachinesCommand)
      .rejects(Object.assign(new Error('no credentials'), { name: 'CredentialsProviderError' }));
    const t = io();
    expect(await main(['drain', 'i-nothex', '--region', 'us-east-1'], t.io)).toBe(EXIT.usage);
    expect(sfn.calls()).toHaveLength(0);
    expect(t.err.join('\n')).toMatch(/instanceId/);
  });
});
