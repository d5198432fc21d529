import type { LocalCloud } from '../cloud.ts';
import { executionsSucceeded, hooksCompletedAfterTasksStopped, noTaskKilledWithItsHost } from './invariants.ts';
import { hours, minutes, type Scenario, type ScenarioPhase } from './types.ts';

const PHASES: ScenarioPhase[] = [
  { name: 'night-time scale-in', from: minutes(30), until: hours(2), handledBy: 'host draining' },
  { name: 'CloudWatch impaired + traffic surge', from: hours(3), until: hours(6) },
  { name: 'regional outage of the primary', from: hours(8), until: hours(10) },
];

/**
 * The default game day, in the primary region: a night-time scale-in, later a CloudWatch impairment with a
 * traffic surge (as on 2020-11-25), later the whole region failing. Host draining handles the first;
 * emergency scaling and region failover are not built yet, so the last two show what happens without them.
 */
export const gameday: Scenario<void> = {
  name: 'gameday',
  description: 'night-time scale-in, then CloudWatch impaired with a traffic surge, then a regional outage',
  durationMs: hours(10),
  fleet: { regions: { 'us-east-1': { groups: { 'web-hosts': { hosts: 6 } } } } },
  phases: PHASES,
  setup(cloud) {
    const region = cloud.config.primaryRegion;
    const world = cloud.world;
    const rw = world.region(region);
    world.clock.after(PHASES[0]!.from, 'scale-in', () => {
      world.note(region, 'incident', 'night-time scale-in: web-hosts 6 → 4');
      rw.autoscaling.setDesiredCapacity('web-hosts', 4);
    });
    world.clock.after(PHASES[1]!.from, 'cloudwatch impaired', () => {
      world.note(region, 'incident', 'CloudWatch impaired for 3 h: metrics stop, alarms go INSUFFICIENT_DATA');
      rw.cloudwatch.impair({ forMs: hours(3) });
    });
    world.clock.after(PHASES[1]!.from + minutes(30), 'surge', () => {
      world.note(region, 'incident', 'traffic surge: 2.5x for 2 h');
      world.traffic.surge(region, 2.5, world.now(), world.now() + hours(2));
    });
    world.clock.after(PHASES[2]!.from, 'region down', () => {
      world.note(region, 'incident', `${region} fails for 90 minutes`);
      rw.down = true;
    });
    world.clock.after(PHASES[2]!.from + minutes(90), 'region back', () => {
      world.note(region, 'incident', `${region} is back`);
      rw.down = false;
    });
  },
  invariants(cloud) {
    const region = cloud.config.primaryRegion;
    const scaleIn = failedBetween(cloud, PHASES[0]!);
    const base = [
      {
        name: 'the night-time scale-in dropped no request',
        held: scaleIn.failed === 0,
        detail: `${scaleIn.failed} of ${scaleIn.total} failed`,
      },
      noTaskKilledWithItsHost(cloud, region),
    ];
    if (!cloud.withBallast) return base;
    return [...base, ...hooksCompletedAfterTasksStopped(cloud, region), executionsSucceeded(cloud, 'drain-host')];
  },
  notes(cloud) {
    return PHASES.map((phase) => {
      const { total, failed } = failedBetween(cloud, phase);
      const built =
        phase === PHASES[0] ? '' : ' (the game day does not start Ballast for this phase yet: nothing acts)';
      return `phase '${phase.name}': ${failed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} requests failed${built}`;
    });
  },
};

function failedBetween(cloud: LocalCloud, phase: ScenarioPhase): { total: number; failed: number } {
  let total = 0;
  let failed = 0;
  for (const m of cloud.world.traffic.perMinute()) {
    const at = m.minute * 60_000;
    if (at >= phase.from && at < phase.until) {
      total += m.total;
      failed += m.failed;
    }
  }
  return { total, failed };
}
