import {
  executionsSucceeded,
  hooksCompletedAfterTasksStopped,
  noRequestFailed,
  noTaskKilledWithItsHost,
  watchDraining,
} from './invariants.ts';
import { hours, minutes, type Scenario } from './types.ts';

interface RefreshState {
  readonly peakDraining: () => number;
  startedAt: number;
}

/** An instance refresh replaces every web host; Ballast drains at most `budgetHosts` (2) at a time. */
export const instanceRefresh: Scenario<RefreshState> = {
  name: 'instance-refresh',
  description: 'An instance refresh replaces all 6 web hosts in us-east-1; the drain budget is 2 hosts',
  durationMs: hours(3),
  fleet: { regions: { 'us-east-1': { groups: { 'web-hosts': { hosts: 6, maxSize: 12 } } } } },
  setup(cloud) {
    const region = cloud.config.primaryRegion;
    const state: RefreshState = {
      peakDraining: watchDraining(cloud, region, 'web'),
      startedAt: Number.POSITIVE_INFINITY,
    };
    cloud.world.clock.after(minutes(5), 'instance refresh', () => {
      state.startedAt = cloud.world.now();
      cloud.world.note(
        region,
        'incident',
        'instance refresh of web-hosts (MinHealthyPercentage 100, MaxHealthyPercentage 200)',
      );
      cloud.world
        .region(region)
        .autoscaling.startInstanceRefresh('web-hosts', { MinHealthyPercentage: 100, MaxHealthyPercentage: 200 });
    });
    return state;
  },
  invariants(cloud, { peakDraining, startedAt: refreshStartedAt }) {
    const region = cloud.config.primaryRegion;
    const budget = cloud.config.policies.drain.budgetHosts;
    const rw = cloud.world.region(region);
    const group = rw.autoscaling.group('web-hosts')!;
    const fresh = [...group.instances.values()].filter(
      (i) => i.launchedAt >= refreshStartedAt && i.lifecycleState === 'InService',
    );
    // A task started after the refresh began on a host that did not survive it was moved twice.
    const web = rw.ecs.cluster('web')!;
    const survivors = new Set(fresh.map((i) => i.id));
    const movedTwice = [...web.tasks.values()].filter(
      (t) => t.service && !t.daemon && t.createdAt > refreshStartedAt && !survivors.has(t.ec2InstanceId),
    ).length;
    const base = [
      noRequestFailed(cloud),
      noTaskKilledWithItsHost(cloud, region),
      { name: 'every host replaced', held: fresh.length >= 6, detail: `${fresh.length} new hosts in service` },
    ];
    if (!cloud.withBallast) return base;
    return [
      ...base,
      {
        name: `never more than ${budget} hosts draining`,
        held: peakDraining() <= budget,
        detail: `peak ${peakDraining()} draining at once`,
      },
      {
        name: 'each task moved once',
        held: movedTwice === 0,
        detail: `${movedTwice} task(s) started on a host that was later replaced`,
      },
      ...hooksCompletedAfterTasksStopped(cloud, region),
      executionsSucceeded(cloud, 'drain-host'),
    ];
  },
};
