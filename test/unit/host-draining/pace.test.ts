import { ListTasksCommand, UpdateContainerInstancesStateCommand } from '@aws-sdk/client-ecs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireBudget, START_SPACING_MS } from '#functions/host-draining/core/budget.ts';
import { checkTasks, startDrain } from '#functions/host-draining/core/drain.ts';
import { resolveRequest } from '#functions/host-draining/core/resolve.ts';
import type { DrainState } from '#functions/host-draining/state.ts';
import { LedgerStore } from '#shared/ledger.ts';
import { type LedgerTable, startLedgerTable } from '#test/support/ledger-table.ts';
import { FakeFleet, terminateEvent, testConfig } from './fleet.ts';

/**
 * Paced drain starts (core/budget.ts START_SPACING_MS): the budget write gives each slot a start time, a
 * second after the cluster's previous start; 'Start Drain' sets the host DRAINING at once and lists its tasks
 * at that time. The ledger's two conditional writes are tested against DynamoDB's own semantics (dynalite).
 */
const REGION = 'us-east-1';
const NOW = new Date('2026-11-25T02:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const pace = (now: Date) => ({ now, spacingMs: START_SPACING_MS });

describe('the budget write paces the starts (dynalite)', () => {
  let table: LedgerTable;
  let writes: number;
  let ledger: LedgerStore;
  beforeAll(async () => {
    table = await startLedgerTable();
  });
  afterAll(async () => table.close());
  beforeEach(() => {
    writes = 0;
    const counted = {
      send: (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
        writes += 1;
        return table.dynamo.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    ledger = new LedgerStore({ dynamo: counted, tableName: table.tableName });
  });

  it('starts an idle cluster at once with one write, and spaces concurrent starts a second apart', async () => {
    const first = await ledger.acquireBudget(REGION, 'idle', 'i-1#d1', 10, pace(NOW));
    expect(first).toEqual({ startAt: NOW });
    expect(writes).toBe(1);

    const rest = await Promise.all(
      ['i-2#d2', 'i-3#d3', 'i-4#d4'].map((holder) => ledger.acquireBudget(REGION, 'idle', holder, 10, pace(NOW))),
    );
    const starts = rest.map((slot) => (slot ? slot.startAt!.getTime() - NOW.getTime() : Number.NaN));
    expect(starts.sort((a, b) => a - b)).toEqual([1000, 2000, 3000]);
    // Each queued start: the idle write fails its condition, the queued one holds.
    expect(writes).toBe(1 + 3 * 2);
    expect(await ledger.budgetHolders(REGION, 'idle')).toEqual(['i-1#d1', 'i-2#d2', 'i-3#d3', 'i-4#d4']);
  });

  it('starts at once again once the queue has passed', async () => {
    await ledger.acquireBudget(REGION, 'later', 'i-1#d1', 10, pace(NOW));
    await ledger.acquireBudget(REGION, 'later', 'i-2#d2', 10, pace(NOW));
    expect(await ledger.acquireBudget(REGION, 'later', 'i-3#d3', 10, pace(at(1500)))).toEqual({ startAt: at(2000) });
    expect(await ledger.acquireBudget(REGION, 'later', 'i-4#d4', 10, pace(at(10_000)))).toEqual({
      startAt: at(10_000),
    });
  });

  it('takes no slot and moves no start time when the budget is full', async () => {
    await ledger.acquireBudget(REGION, 'full', 'i-1#d1', 1, pace(NOW));
    expect(await ledger.acquireBudget(REGION, 'full', 'i-2#d2', 1, pace(NOW))).toBe(false);
    expect(await ledger.acquireBudget(REGION, 'full', 'i-2#d2', 1, pace(at(5000)))).toBe(false);
    await ledger.releaseBudget(REGION, 'full', 'i-1#d1');
    // The failed tries reserved nothing: the next start is at once.
    expect(await ledger.acquireBudget(REGION, 'full', 'i-2#d2', 1, pace(at(500)))).toEqual({ startAt: at(1000) });
    expect(await ledger.budgetHolders(REGION, 'full')).toEqual(['i-2#d2']);
  });
});

describe('a paced start', () => {
  const HOSTS = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2'];
  let fleet: FakeFleet;
  beforeEach(() => {
    fleet = new FakeFleet();
    fleet.addService('api');
    for (const host of HOSTS) {
      fleet.addInstance(host, 'web', 'web-hosts');
      fleet.addTask(host, 'service:api');
      fleet.terminating(host);
    }
  });

  it('sets DRAINING at once and lists the host at its turn, a second after the first start', async () => {
    const deps = fleet.deps(testConfig({ wake: true }));
    const resolve = async (host: string, exec: string) =>
      acquireBudget((await resolveRequest(await terminateEvent(host), deps, exec)) as DrainState, deps);
    const [first, second] = [await resolve(HOSTS[0]!, 'exec-1'), await resolve(HOSTS[1]!, 'exec-2')];
    expect(first.budget.startAt).toBeUndefined();
    expect(second.budget.startAt).toBe(new Date(fleet.now.getTime() + 1000).toISOString());

    const one = await startDrain(first, deps);
    expect(one.phase).toBe('stopping');
    fleet.ecs.resetHistory();

    const two = await startDrain(second, deps);
    expect(two).toMatchObject({ phase: 'draining', waitSeconds: 1, startNote: 'set DRAINING' });
    expect(two.startedAt).toBeUndefined();
    expect(two.message).toMatch(/listed in 1 s/);
    expect(fleet.ecs.commandCalls(UpdateContainerInstancesStateCommand)).toHaveLength(1);
    expect(fleet.ecs.commandCalls(ListTasksCommand)).toHaveLength(0);

    fleet.advance(1);
    const listed = await checkTasks(two, deps);
    expect(fleet.ecs.commandCalls(ListTasksCommand)).toHaveLength(2);
    expect(listed.startNote).toBeUndefined();
    expect(listed.startedAt).toBe(fleet.now.toISOString());
    expect(listed.tasks).toHaveLength(1);
    expect(listed.phase).toBe('stopping');
    expect(listed.message).toMatch(/^Drain started \(set DRAINING\): 1 service/);
  });
});
