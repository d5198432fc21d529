import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { failoverIdFor } from '#events/failover-input.ts';
import { main } from '../../../cli/ballast.ts';
import { FAILOVER_EXIT } from '../../../cli/failover.ts';

const ARN = 'arn:aws:states:us-west-2:123456789012:stateMachine:ballast-region-failover';
const sfn = new SFNClient({ region: 'us-west-2', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(sfn);
let out: string[];
let err: string[];
const io = () => ({
  out: (l: string) => out.push(l),
  err: (l: string) => err.push(l),
  sfn,
  now: () => new Date('2026-12-01T10:00:00.000Z'),
  sleep: async () => undefined,
});

beforeEach(() => {
  mock.reset();
  out = [];
  err = [];
  mock
    .on(ListStateMachinesCommand)
    .resolves({ stateMachines: [{ name: 'ballast-region-failover', stateMachineArn: ARN } as never] });
  mock
    .on(StartExecutionCommand)
    .callsFake((input) => ({ executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:${input.name}` }));
});

describe('ballast failover', () => {
  it('refuses a real failover without the typed confirmation, starting nothing', async () => {
    const code = await main(['failover', 'start', '--to', 'us-west-2'], io());
    expect(code).toBe(FAILOVER_EXIT.usage);
    expect(err.join('\n')).toMatch(/--confirm us-west-2/);
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses a confirmation naming another region, and accepts the prompt on a terminal', async () => {
    expect(await main(['failover', 'start', '--to', 'us-west-2', '--confirm', 'us-east-1'], io())).toBe(2);
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const code = await main(['failover', 'start', '--to', 'us-west-2'], { ...io(), prompt: async () => 'us-west-2\n' });
    expect(code).toBe(0);
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('starts the failover in the destination with the idempotent execution name and the console input', async () => {
    const code = await main(
      [
        'failover',
        'start',
        '--to',
        'us-west-2',
        '--rungs',
        '1,10,100',
        '--request-id',
        'inc-1',
        '--confirm',
        'us-west-2',
        '--json',
      ],
      io(),
    );
    expect(code).toBe(0);
    const call = mock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(call.name).toBe(failoverIdFor('us-west-2', 'inc-1'));
    expect(JSON.parse(call.input!)).toEqual({
      action: 'failover',
      to: 'us-west-2',
      rungs: [1, 10, 100],
      requestId: 'inc-1',
    });
    expect(JSON.parse(out[0]!)).toMatchObject({ status: 'RUNNING' });
  });

  it('rejects a malformed input with exit code 2 naming the field, before any AWS call', async () => {
    const code = await main(
      ['failover', 'start', '--to', 'us-west-2', '--rungs', '5,1,100', '--confirm', 'us-west-2'],
      io(),
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/rungs\.1: must be strictly increasing/);
    expect(mock.commandCalls(ListStateMachinesCommand)).toHaveLength(0);
  });

  it('waits with a progress line per phase and exits 0 when the failover completed', async () => {
    const states = ['Raise Capacity', 'Hold Rung', 'Hold Rung', 'Complete Failover'];
    let i = 0;
    mock.on(DescribeExecutionCommand).callsFake(() =>
      i >= states.length
        ? {
            status: 'SUCCEEDED',
            output: JSON.stringify({ outcome: 'completed', message: 'all traffic on us-west-2' }),
          }
        : { status: 'RUNNING' },
    );
    mock.on(GetExecutionHistoryCommand).callsFake(() => {
      const name = states[Math.min(i, states.length - 1)]!;
      i += 1;
      return {
        events: [
          { type: 'TaskStateExited', stateExitedEventDetails: { name, output: JSON.stringify({ percent: i * 10 }) } },
          { type: 'TaskStateEntered', stateEnteredEventDetails: { name } },
        ],
      };
    });
    const code = await main(['failover', 'start', '--to', 'us-west-2', '--confirm', 'us-west-2', '--wait'], io());
    expect(code).toBe(0);
    expect(out.filter((l) => l.startsWith('…'))).toEqual([
      '… capacity: raising (10% on the destination)',
      '… traffic: holding and watching the rung (20% on the destination)',
      '… traffic: holding and watching the rung (30% on the destination)',
      '… completing (40% on the destination)',
    ]);
    expect(out.at(-2)).toMatch(/^SUCCEEDED \(completed\)/);
  });

  it('exits 4 with --wait when the failover is paused after a cut back, and 1 when it was aborted', async () => {
    mock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    mock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          timestamp: new Date(0),
          type: 'WaitStateEntered',
          stateEnteredEventDetails: { name: 'Wait While Paused' },
        },
      ],
    });
    expect(await main(['failover', 'start', '--to', 'us-west-2', '--confirm', 'us-west-2', '--wait'], io())).toBe(4);
    mock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'aborted' }) });
    expect(await main(['failover', 'start', '--to', 'us-west-2', '--confirm', 'us-west-2', '--wait'], io())).toBe(1);
  });

  it('sends promote, pause, resume and abort as console inputs to the same state machine', async () => {
    for (const command of ['promote', 'pause', 'resume', 'abort']) {
      expect(await main(['failover', command, '--region', 'us-west-2', '--reason', 'ops'], io())).toBe(0);
    }
    const inputs = mock.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!));
    expect(inputs.map((i) => i.action)).toEqual(['promote', 'pause', 'resume', 'abort']);
  });

  it('reports an execution that already exists instead of starting a second failover', async () => {
    mock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const code = await main(['failover', 'start', '--to', 'us-west-2', '--confirm', 'us-west-2'], io());
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^already started: .*:execution:ballast-region-failover:failover-/);
  });

  it('lists recent failovers with where a running one is', async () => {
    mock.on(ListExecutionsCommand).resolves({
      executions: [
        { name: 'failover-1', status: 'RUNNING', executionArn: `${ARN}:failover-1`, startDate: new Date(0) } as never,
      ],
    });
    mock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, timestamp: new Date(0), type: 'WaitStateEntered', stateEnteredEventDetails: { name: 'Hold Rung' } },
      ],
    });
    expect(await main(['failover', 'status', '--region', 'us-west-2', '--json'], io())).toBe(0);
    expect(JSON.parse(out[0]!).executions[0]).toMatchObject({ name: 'failover-1', status: 'RUNNING', at: 'Hold Rung' });
  });

  it('starts a drill without a confirmation (it comes back by itself) and gates on its outcome with --wait', async () => {
    mock
      .on(DescribeExecutionCommand)
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'completed' }) });
    mock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const code = await main(
      ['failover', 'drill', '--to', 'us-west-2', '--percent', '1', '--hold-seconds', '300', '--wait'],
      io(),
    );
    expect(code).toBe(0);
    const input = JSON.parse(mock.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    expect(input).toEqual({ action: 'drill', to: 'us-west-2', percent: 1, holdSeconds: 300 });
    mock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'FailoverFailed' });
    expect(await main(['failover', 'drill', '--to', 'us-west-2', '--request-id', 'r2', '--wait'], io())).toBe(1);
  });

  it('asks for the typed confirmation of a failback too', async () => {
    expect(await main(['failover', 'failback', '--region', 'us-east-1'], io())).toBe(2);
    expect(await main(['failover', 'failback', '--region', 'us-east-1', '--confirm', 'us-east-1'], io())).toBe(0);
    const input = JSON.parse(mock.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    expect(input).toEqual({ action: 'failback', to: 'us-east-1' });
  });

  it('checks readiness on demand: exit 0 when ready, 1 with the problems when not', async () => {
    mock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    mock
      .on(DescribeExecutionCommand)
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'ready', problems: [] }) });
    expect(await main(['failover', 'readiness', '--region', 'us-west-2', '--wait'], io())).toBe(0);
    mock.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      output: JSON.stringify({ outcome: 'not-ready', problems: ['web/api runs 0, below its floor 2'] }),
    });
    expect(await main(['failover', 'readiness', '--region', 'us-west-2', '--wait', '--json'], io())).toBe(1);
    expect(JSON.parse(out.at(-1)!).problems).toEqual(['web/api runs 0, below its floor 2']);
    const inputs = mock.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!));
    expect(inputs).toEqual([{ action: 'readiness' }, { action: 'readiness' }]);
  });

  it('rejects an unknown subcommand with usage', async () => {
    expect(await main(['failover', 'jump'], io())).toBe(2);
    expect(err.join('\n')).toMatch(/unknown failover command 'jump'/);
  });
});
