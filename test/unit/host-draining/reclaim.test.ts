import { beforeEach, describe, expect, it } from 'vitest';
import { acquireBudget } from '#functions/host-draining/core/budget.ts';
import { reclaimExecution } from '#functions/host-draining/core/reclaim.ts';
import { resolveRequest } from '#functions/host-draining/core/resolve.ts';
import { FakeFleet, terminateEvent, testConfig } from './fleet.ts';
import { asState } from './flow.ts';

/** Defect 1 of issue 10: the execution status events reclaim what a drain that died outside a Catch held. */
let fleet: FakeFleet;
const HOST = 'i-0aaaaaaaaaaaaaaa1';
const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:ballast-drain-host:run-1';

function statusChange(status: string, input: unknown, extra: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'c1',
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    account: '123456789012',
    region: 'us-east-1',
    time: '2026-11-22T03:00:00Z',
    resources: [EXEC],
    detail: {
      executionArn: EXEC,
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ballast-drain-host',
      name: 'run-1',
      status,
      startDate: 1763776800000,
      stopDate: 1763780400000,
      input: JSON.stringify(input),
      output: null,
      error: null,
      cause: null,
      ...extra,
    },
  };
}

beforeEach(() => {
  fleet = new FakeFleet();
  fleet.addService('api');
  fleet.addInstance(HOST, 'web', 'web-hosts');
  fleet.terminating(HOST);
  fleet.addTask(HOST, 'service:api');
});

describe('reclaiming a drain whose execution ended outside a Catch', () => {
  it.each([
    ['ABORTED', 'execution-aborted'],
    ['TIMED_OUT', 'execution-timed-out'],
    ['FAILED', 'execution-failed'],
  ])('frees the slot and closes the record when the execution is %s', async (status, outcome) => {
    // Arrange: the drain took its slot, then its execution ended without reaching Release Budget.
    const deps = fleet.deps(testConfig({ web: { budgetHosts: 1 } }));
    const event = await terminateEvent(HOST);
    const held = await acquireBudget(asState(await resolveRequest(event, deps, EXEC)), deps);
    expect(held.budget.held).toBe(true);
    // Act
    const result = await reclaimExecution(
      statusChange(status, event, status === 'FAILED' ? { error: 'States.DataLimitExceeded', cause: 'too big' } : {}),
      deps,
    );
    // Assert
    expect(result.closed).toBe(1);
    expect(fleet.ledger.budgets.get('us-east-1#web')?.size ?? 0).toBe(0);
    expect(fleet.ledger.record(HOST)).toMatchObject({ status: 'finished', outcome });
    expect(fleet.ledger.operations.at(-1)).toMatchObject({ outcome, instanceId: HOST });
  });

  it('leaves a record that its execution finished itself, and records of other executions, alone', async () => {
    const deps = fleet.deps();
    const event = await terminateEvent(HOST);
    await resolveRequest(event, deps, 'arn:aws:states:us-east-1:123456789012:execution:ballast-drain-host:other');

    const result = await reclaimExecution(statusChange('ABORTED', event), deps);
    const again = await reclaimExecution(statusChange('SUCCEEDED', event), deps);

    expect(result.closed + again.closed).toBe(0);
    expect(fleet.ledger.record(HOST)?.status).toBe('active');
  });
});
