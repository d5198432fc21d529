import {
  executionsSucceeded,
  hooksCompletedAfterTasksStopped,
  noRequestFailed,
  noTaskKilledWithItsHost,
} from './invariants.ts';
import { minutes, type Scenario } from './types.ts';

/** Night-time scale-in: two of six web hosts go, under steady traffic with long-lived connections. */
export const scaleIn: Scenario<void> = {
  name: 'scale-in',
  description: 'Auto Scaling removes 2 of 6 web hosts in us-east-1 under steady traffic with long-lived connections',
  durationMs: minutes(60),
  fleet: { regions: { 'us-east-1': { groups: { 'web-hosts': { hosts: 6 } } } } },
  setup(cloud) {
    const region = cloud.config.primaryRegion;
    cloud.world.clock.after(minutes(10), 'scale-in', () => {
      cloud.world.note(region, 'incident', 'scale-in: web-hosts desired capacity 6 → 4');
      cloud.world.region(region).autoscaling.setDesiredCapacity('web-hosts', 4);
    });
  },
  invariants(cloud) {
    const region = cloud.config.primaryRegion;
    const base = [noRequestFailed(cloud), noTaskKilledWithItsHost(cloud, region)];
    if (!cloud.withBallast) return base;
    return [...base, ...hooksCompletedAfterTasksStopped(cloud, region), executionsSucceeded(cloud, 'drain-host')];
  },
};
