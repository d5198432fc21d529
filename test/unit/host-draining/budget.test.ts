import { beforeEach, describe, expect, it } from 'vitest';
import { LIMITS } from '#config/limits.ts';
import { acquireBudget } from '#functions/host-draining/core/budget.ts';
import { resolveRequest } from '#functions/host-draining/core/resolve.ts';
import { FakeFleet, terminateEvent, testConfig } from './fleet.ts';
import { asState, drive } from './flow.ts';

/** The drain budget, heartbeats and the history-event budget of long drains. */
let fleet: FakeFleet;
const HOSTS = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2', 'i-0aaaaaaaaaaaaaaa3'];

beforeEach(() => {
  fleet = new FakeFleet();
  fleet.addService('api');
  for (const host of HOSTS) {
    fleet.addInstance(host, 'web', 'web-hosts');
    fleet.terminating(host);
    fleet.addTask(host, 'service:api');
  }
  fleet.addInstance('i-0bbbbbbbbbbbbbbb1', 'web', 'web-hosts');
});

/** The cluster's one slot is held by another, active drain of HOSTS[0] (drain id 'other', no execution). */
async function holdSlotByOtherDrain(): Promise<void> {
  fleet.ledger.budgets.set('us-east-1#web', new Set([`${HOSTS[0]}#other`]));
  await fleet.ledger.claimDrain({
    region: 'us-east-1',
    instanceId: HOSTS[0]!,
    drainId: 'other',
    trigger: 'terminate',
    status: 'active',
    startedAt: 'x',
  });
}

describe('the drain budget', () => {
  it('lets at most budgetHosts hosts of a cluster drain at once and marks the others so tasks move only once', async () => {
    // Arrange: an instance refresh takes three hosts at once; the budget allows one.
    const deps = fleet.deps(testConfig({ web: { budgetHosts: 1 } }));
    const states = [];
    for (const host of HOSTS) states.push(asState(await resolveRequest(await terminateEvent(host), deps)));
    // Act
    const acquired = [];
    for (const state of states) acquired.push(await acquireBudget(state, deps));
    // Assert
    expect(acquired.map((s) => s.phase)).toEqual(['draining', 'waiting-budget', 'waiting-budget']);
    expect(fleet.instances.get(HOSTS[1]!)?.attributes.get('ballast.drain-pending')).toBe('terminate');
    expect(fleet.instances.get(HOSTS[2]!)?.attributes.get('ballast.drain-pending')).toBe('terminate');
    expect(fleet.instances.get(HOSTS[0]!)?.attributes.size).toBe(0);
  });

  it('limits by percentage of the cluster too (the smaller limit wins)', async () => {
    // 4 hosts at 25 % is one host, although budgetHosts allows 2.
    const deps = fleet.deps(testConfig({ web: { budgetHosts: 2, budgetPercent: 25 } }));
    const first = await acquireBudget(asState(await resolveRequest(await terminateEvent(HOSTS[0]!), deps)), deps);
    const second = await acquireBudget(asState(await resolveRequest(await terminateEvent(HOSTS[1]!), deps)), deps);

    expect(first.budget).toMatchObject({ held: true, max: 1 });
    expect(second.phase).toBe('waiting-budget');
  });

  it('gives the slot to a waiting host when the drain holding it finishes', async () => {
    const deps = fleet.deps(testConfig({ web: { budgetHosts: 1 } }));
    const waiting = await acquireBudget(asState(await resolveRequest(await terminateEvent(HOSTS[1]!), deps)), deps);
    await holdSlotByOtherDrain();
    const blocked = await acquireBudget(waiting, deps);

    await drive(await terminateEvent(HOSTS[0]!, 'fresh'), fleet, fleet.deps(testConfig({ web: { budgetHosts: 2 } })));
    await fleet.ledger.updateDrain('us-east-1', HOSTS[0]!, 'other', { status: 'finished' });
    const after = await acquireBudget(blocked, deps);

    expect(blocked.phase).toBe('waiting-budget');
    expect(after.phase).toBe('draining');
    expect(fleet.ledger.budgets.get('us-east-1#web')).toEqual(new Set([after.budget.holder]));
  });

  it('keeps a waiting host’s hook alive with heartbeats before its HeartbeatTimeout runs out', async () => {
    fleet.hooks.set('web-hosts/ballast-drain', { HeartbeatTimeout: 300, GlobalTimeout: 30_000 });
    fleet.ledger.budgets.set('us-east-1#web', new Set(['i-0ffffffffffffff01#held', 'i-0ffffffffffffff02#held']));
    for (const id of ['i-0ffffffffffffff01', 'i-0ffffffffffffff02']) {
      await fleet.ledger.claimDrain({
        region: 'us-east-1',
        instanceId: id,
        drainId: 'held',
        trigger: 'terminate',
        status: 'active',
        startedAt: 'x',
      });
    }
    const deps = fleet.deps(testConfig({ web: { deadlineMinutes: 120 } }));

    const { output } = await drive(await terminateEvent(HOSTS[0]!), fleet, deps);

    const beats = fleet.mutationsOf('autoscaling:RecordLifecycleActionHeartbeat').map((m) => new Date(m.at).getTime());
    const times = [new Date('2026-11-22T02:00:00.000Z').getTime(), ...beats];
    const gaps = times.slice(1).map((t, i) => (t - times[i]!) / 1000);
    expect(beats.length).toBeGreaterThan(5);
    expect(Math.max(...gaps)).toBeLessThan(300);
    // After half its deadline waiting, the host drains without a slot (reported) rather than time out unattended.
    expect(asState(output).budget.overridden).toBe(true);
    expect(asState(output).outcome).toBe('drained');
  });
});

describe('a drain that waits a day for the budget', () => {
  it('tries again at least every minute and stays under the history-event limit', async () => {
    // Arrange: the one slot is held by a drain that never ends; the hook allows 48 h.
    fleet.hooks.set('web-hosts/ballast-drain', { HeartbeatTimeout: 1800, GlobalTimeout: 172_800 });
    await holdSlotByOtherDrain();
    const deps = fleet.deps(testConfig({ web: { budgetHosts: 1, deadlineMinutes: 2880 } }));
    const started = fleet.now.getTime();
    // Act
    const { output, steps } = await drive(await terminateEvent(HOSTS[1]!), fleet, deps, { maxSteps: 20_000 });
    // Assert: it waited half the deadline, then drained without a slot.
    const state = asState(output);
    expect(state.budget.overridden).toBe(true);
    expect(state.outcome).toBe('drained');
    const tries = steps.filter((s) => s === 'Acquire Budget').length;
    expect(tries).toBeGreaterThanOrEqual(24 * 60);
    // Each try is a Task (5 history events), a Choice (2) and a Wait (2): with the drain's own, far under 25,000.
    expect(tries * 9).toBeLessThan(LIMITS.sfnHistoryEventsMax * 0.6);
    expect(fleet.now.getTime() - started).toBeGreaterThan(24 * 3600_000);
  });
});

describe('a 48-hour drain', () => {
  it('stays far under the 25,000 history-event limit thanks to back-off', async () => {
    fleet.hooks.set('web-hosts/ballast-drain', { HeartbeatTimeout: 1800, GlobalTimeout: 172_800 });
    fleet.unstoppable.add(fleet.taskOn(HOSTS[0]!)[0]!.arn);
    const deps = fleet.deps(testConfig({ web: { deadlineMinutes: 2880, deadlinePolicy: 'continue' } }));

    const { output, steps } = await drive(await terminateEvent(HOSTS[0]!), fleet, deps);

    // Each loop is a Task (5 events), a Choice (2) and a Wait (2).
    const checks = steps.filter((s) => s === 'Check Tasks').length;
    expect(checks * 9).toBeLessThan(LIMITS.sfnHistoryEventsMax / 3);
    expect(asState(output).outcome).toBe('timed-out');
    // It used (almost) all of the hook's 48 h, minus the margin kept to complete in time.
    expect(fleet.now.getTime() - new Date('2026-11-22T02:00:00Z').getTime()).toBeGreaterThan(47.9 * 3600_000);
    expect(fleet.mutationsOf('autoscaling:RecordLifecycleActionHeartbeat').length).toBeGreaterThan(90);
  });
});
