import {
  clock,
  emergencyScalingTimes,
  prepareScalingConfiguration,
  restoredExactly,
  scalingConfiguration,
} from './cloudwatch-impairment.ts';
import {
  executionsSucceeded,
  failedBetween,
  hooksCompletedAfterTasksStopped,
  noTaskKilledWithItsHost,
} from './invariants.ts';
import { grayFailureOfPrimary, type RegionalState, regionalInvariants, regionalNotes } from './regional.ts';
import { hours, minutes, type Scenario, type ScenarioPhase } from './types.ts';

const PHASES: ScenarioPhase[] = [
  { name: 'night-time scale-in', from: minutes(30), until: hours(2), handledBy: 'host draining' },
  { name: 'CloudWatch impaired + traffic surge', from: hours(3), until: hours(6), handledBy: 'emergency scaling' },
  { name: 'gray failure of the primary', from: hours(8), until: hours(10), handledBy: 'region failover' },
];

/**
 * The default game day, in the primary region: a night-time scale-in, later a CloudWatch impairment with a
 * traffic surge (as on 2020-11-25), later a gray failure of the primary (40 % of its requests fail while its
 * health checks pass) with a standby at its floors (half the primary's api tasks). Host draining handles the
 * first; emergency scaling the second (its detector sees the impairment, raises, holds, and restores once
 * CloudWatch is back); the region failover (`immediate`, started at detection, see `regional.ts`) the third.
 */
interface GamedayState {
  /** The scaling configuration just before the impairment, to compare after the restore. */
  before?: Record<string, unknown>;
  regional?: RegionalState;
}

export const gameday: Scenario<GamedayState> = {
  name: 'gameday',
  description: 'night-time scale-in, then CloudWatch impaired with a traffic surge, then a gray failure of the primary',
  durationMs: hours(10),
  fleet: { regions: { 'us-east-1': { groups: { 'web-hosts': { hosts: 6 } } } } },
  phases: PHASES,
  setup(cloud) {
    const region = cloud.config.primaryRegion;
    const world = cloud.world;
    const rw = world.region(region);
    const state: GamedayState = {};
    world.clock.after(PHASES[1]!.from - minutes(30), 'scaling set-up', () =>
      prepareScalingConfiguration(cloud, region),
    );
    world.clock.after(PHASES[0]!.from, 'scale-in', () => {
      world.note(region, 'incident', 'night-time scale-in: web-hosts 6 → 4');
      rw.autoscaling.setDesiredCapacity('web-hosts', 4);
    });
    world.clock.after(PHASES[1]!.from, 'cloudwatch impaired', () => {
      state.before = scalingConfiguration(cloud, region);
      world.note(region, 'incident', 'CloudWatch impaired for 3 h: metrics stop, alarms go INSUFFICIENT_DATA');
      rw.cloudwatch.impair({ forMs: hours(3) });
    });
    world.clock.after(PHASES[1]!.from + minutes(30), 'surge', () => {
      world.note(region, 'incident', 'traffic surge: 2.5x for 2 h');
      world.traffic.surge(region, 2.5, world.now(), world.now() + hours(2));
    });
    const regional = PHASES[2]!;
    state.regional = grayFailureOfPrimary(cloud, 'ballast-immediate', {
      onsetMs: regional.from,
      untilMs: regional.until,
      share: 0.4,
    });
    return state;
  },
  invariants(cloud, state) {
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
    return [
      ...base,
      ...hooksCompletedAfterTasksStopped(cloud, region),
      executionsSucceeded(cloud, 'drain-host'),
      restoredExactly(state.before ?? {}, scalingConfiguration(cloud, region)),
      ...(state.regional ? regionalInvariants(cloud, state.regional) : []),
    ];
  },
  notes(cloud, state) {
    const region = cloud.config.primaryRegion;
    const lines = PHASES.map((phase) => {
      const { total, failed } = failedBetween(cloud, phase);
      return `phase '${phase.name}': ${failed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} requests failed`;
    });
    if (cloud.withBallast) {
      const t = emergencyScalingTimes(cloud, region, PHASES[1]!.from);
      lines.push(
        `emergency scaling: CloudWatch impaired at ${clock(PHASES[1]!.from)}, detected at ${clock(t.detected)}, capacity in place at ${clock(t.applied)}, restored at ${clock(t.restored)}`,
      );
    }
    return [...lines, ...(state.regional ? regionalNotes(cloud, state.regional).map((line) => `  ${line}`) : [])];
  },
};
