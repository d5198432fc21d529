import { executionsSucceeded, hooksCompletedAfterTasksStopped, noRequestFailed } from './invariants.ts';
import { hours, type Scenario } from './types.ts';

/**
 * A whole day of ordinary fleet life in the primary region: scale-in at night, scale-out in the morning
 * (launch hooks), an instance refresh in the afternoon, a Spot interruption in the evening. The bench runs
 * it to measure how fast the local cloud goes.
 */
export const day: Scenario<void> = {
  name: 'day',
  description: '24 h: night scale-in, morning scale-out, afternoon instance refresh, evening Spot interruption',
  durationMs: hours(24),
  fleet: { regions: { 'us-east-1': { groups: { 'web-hosts': { hosts: 6, maxSize: 12 } } } } },
  setup(cloud) {
    const region = cloud.config.primaryRegion;
    const world = cloud.world;
    const asg = world.region(region).autoscaling;
    world.clock.after(hours(1), 'night scale-in', () => {
      world.note(region, 'incident', 'night scale-in: web-hosts 6 → 4');
      asg.setDesiredCapacity('web-hosts', 4);
    });
    world.clock.after(hours(6), 'morning scale-out', () => {
      world.note(region, 'incident', 'morning scale-out: web-hosts 4 → 6');
      asg.setDesiredCapacity('web-hosts', 6);
    });
    world.clock.after(hours(12), 'instance refresh', () => {
      world.note(region, 'incident', 'instance refresh of web-hosts');
      asg.startInstanceRefresh('web-hosts', { MinHealthyPercentage: 100, MaxHealthyPercentage: 200 });
    });
    world.clock.after(hours(19), 'spot', () => {
      const victim = [...asg.group('web-hosts')!.instances.values()].filter((i) => i.lifecycleState === 'InService')[0];
      if (!victim) return;
      world.note(region, 'incident', `Spot interruption warning for ${victim.id}`);
      asg.spotInterruption(victim.id);
    });
  },
  invariants(cloud) {
    const region = cloud.config.primaryRegion;
    const base = [noRequestFailed(cloud)];
    if (!cloud.withBallast) return base;
    return [...base, ...hooksCompletedAfterTasksStopped(cloud, region), executionsSucceeded(cloud, 'drain-host')];
  },
};
