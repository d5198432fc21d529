import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseGroups, raiseServices } from '#functions/region-failover/core/raise.ts';
import { type LedgerTable, startLedgerTable } from './ledger-table.ts';
import { FailoverWorld } from './world.ts';

let ledger: LedgerTable;
beforeAll(async () => {
  ledger = await startLedgerTable();
});
afterAll(async () => {
  await ledger.close();
});

describe("the failover's clamp-safe raise", () => {
  it('raises a scalable target in one call (min = target, max >= target, scale-in suspended) and keeps other suspensions', async () => {
    const world = new FailoverWorld(ledger);
    world.service('us-west-2', 'web/api').scalable = { min: 2, max: 8, scaleInSuspended: false };
    const out = await raiseServices(world.clientsFor('us-west-2'), [
      { cluster: 'web', service: 'api', target: 15, ceiling: 40 },
    ]);
    const calls = world.mutations('application-autoscaling:RegisterScalableTarget');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.input).toMatchObject({
      MinCapacity: 15,
      MaxCapacity: 15,
      SuspendedState: {
        DynamicScalingInSuspended: true,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
      },
    });
    expect(world.mutations('ecs:UpdateService')).toEqual([]);
    expect(world.service('us-west-2', 'web/api').desired).toBe(15);
    expect(out[0]).toMatchObject({
      via: 'scalable-target',
      target: 15,
      before: { minCapacity: 2, maxCapacity: 8, desired: 2 },
    });
  });

  it('never lowers: a minimum or desired count already above the target stays', async () => {
    const world = new FailoverWorld(ledger);
    world.service('us-west-2', 'web/api').scalable = { min: 20, max: 30, scaleInSuspended: true };
    world.service('us-west-2', 'web/api').desired = 22;
    world.service('us-west-2', 'web/frontend').desired = 9;
    await raiseServices(world.clientsFor('us-west-2'), [
      { cluster: 'web', service: 'api', target: 10, ceiling: 40 },
      { cluster: 'web', service: 'frontend', target: 5, ceiling: 20 },
    ]);
    expect(world.mutations('application-autoscaling:RegisterScalableTarget')[0]!.input).toMatchObject({
      MinCapacity: 20,
      MaxCapacity: 30,
    });
    expect(world.service('us-west-2', 'web/api').desired).toBe(22);
    expect(world.mutations('ecs:UpdateService')).toEqual([]);
    expect(world.service('us-west-2', 'web/frontend').desired).toBe(9);
  });

  it('sets a desired count without a scalable target, never above the ceiling, and reports a missing service', async () => {
    const world = new FailoverWorld(ledger);
    const out = await raiseServices(world.clientsFor('us-west-2'), [
      { cluster: 'web', service: 'frontend', target: 50, ceiling: 20 },
      { cluster: 'web', service: 'ghost', target: 3, ceiling: 20 },
    ]);
    expect(world.mutations('ecs:UpdateService').map((c) => c.input)).toEqual([
      { cluster: 'web', service: 'frontend', desiredCount: 20 },
    ]);
    expect(out[1]?.problem).toMatch(/web\/ghost does not exist in this region/);
  });

  it('raises a group MinSize in proportion to the tasks added, capped by MaxSize and reported', async () => {
    const world = new FailoverWorld(ledger);
    world.region('us-west-2').groups.set('web-hosts', { min: 1, max: 5, desired: 2 });
    const out = await raiseGroups(
      world.clientsFor('us-west-2'),
      [{ name: 'web-hosts', cluster: 'web' }],
      new Map([['web', { before: 3, after: 12 }]]),
    );
    expect(world.mutations('autoscaling:UpdateAutoScalingGroup')[0]!.input).toEqual({
      AutoScalingGroupName: 'web-hosts',
      MinSize: 5,
    });
    expect(out[0]).toMatchObject({
      minBefore: 1,
      minAfter: 5,
      problem: 'needs 8 hosts but MaxSize is 5: raise MaxSize',
    });
  });

  it('leaves a group alone when nothing grows, and never lowers its MinSize', async () => {
    const world = new FailoverWorld(ledger);
    world.region('us-west-2').groups.set('web-hosts', { min: 6, max: 10, desired: 6 });
    const out = await raiseGroups(
      world.clientsFor('us-west-2'),
      [{ name: 'web-hosts', cluster: 'web' }],
      new Map([['web', { before: 12, after: 12 }]]),
    );
    expect(world.mutations('autoscaling:UpdateAutoScalingGroup')).toEqual([]);
    expect(out[0]).toMatchObject({ minBefore: 6, minAfter: 6 });
  });
});
