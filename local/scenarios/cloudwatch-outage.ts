import {
  clock,
  emergencyScalingTimes,
  prepareScalingConfiguration,
  restoredExactly,
  scalingConfiguration,
} from './cloudwatch-impairment.ts';
import { failedBetween } from './invariants.ts';
import { hours, minutes, type Scenario, type ScenarioPhase } from './types.ts';

const PHASE: ScenarioPhase = {
  name: 'CloudWatch impaired + traffic surge',
  from: hours(1),
  until: hours(4),
  handledBy: 'emergency scaling',
};

interface OutageState {
  before?: Record<string, unknown>;
}

/**
 * 2020-11-25 on its own: CloudWatch fails in the primary region for 2.5 h (PutMetricData errors, no data
 * points, target-tracking alarms INSUFFICIENT_DATA, AWS Health's notice 75 min late); 20 minutes in, the
 * day's traffic rises to 2.5x for 2 h. Without Ballast target tracking is blind and the services buckle; with
 * it the detector sees the impairment, emergency-scale raises and holds, and once CloudWatch has been back for
 * the clear time the restore puts every target, scheduled action and group back as it was.
 */
export const cloudwatchOutage: Scenario<OutageState> = {
  name: 'cloudwatch-outage',
  description: 'CloudWatch impaired in the primary region with a traffic surge; detect, raise, hold, restore',
  durationMs: hours(5),
  phases: [PHASE],
  setup(cloud) {
    const region = cloud.config.primaryRegion;
    const world = cloud.world;
    const state: OutageState = {};
    world.clock.after(minutes(30), 'scaling set-up', () => prepareScalingConfiguration(cloud, region));
    world.clock.after(PHASE.from, 'cloudwatch impaired', () => {
      state.before = scalingConfiguration(cloud, region);
      world.note(region, 'incident', 'CloudWatch impaired for 2.5 h: metrics stop, alarms go INSUFFICIENT_DATA');
      world.region(region).cloudwatch.impair({ forMs: minutes(150) });
    });
    world.clock.after(PHASE.from + minutes(20), 'surge', () => {
      world.note(region, 'incident', 'traffic surge: 2.5x for 2 h');
      world.traffic.surge(region, 2.5, world.now(), world.now() + hours(2));
    });
    return state;
  },
  invariants(cloud, state) {
    const { failed, total } = failedBetween(cloud, PHASE);
    const base = [
      {
        name: 'the phase was measured',
        held: total > 0,
        detail: `${failed} of ${total} requests failed while CloudWatch was impaired`,
      },
    ];
    if (!cloud.withBallast) return base;
    const t = emergencyScalingTimes(cloud, cloud.config.primaryRegion, PHASE.from);
    return [
      ...base,
      {
        name: 'the detector saw the impairment and the capacity was in place before the surge',
        held: t.detected !== undefined && t.applied !== undefined && t.applied < PHASE.from + minutes(20),
        detail: `detected ${clock(t.detected)}, in place ${clock(t.applied)}, surge at ${clock(PHASE.from + minutes(20))}`,
      },
      restoredExactly(state.before ?? {}, scalingConfiguration(cloud, cloud.config.primaryRegion)),
    ];
  },
  notes(cloud) {
    const { failed, total } = failedBetween(cloud, PHASE);
    const lines = [
      `phase '${PHASE.name}': ${failed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} requests failed`,
    ];
    if (cloud.withBallast) {
      const t = emergencyScalingTimes(cloud, cloud.config.primaryRegion, PHASE.from);
      lines.push(
        `emergency scaling: CloudWatch impaired at ${clock(PHASE.from)}, detected at ${clock(t.detected)}, capacity in place at ${clock(t.applied)}, restored at ${clock(t.restored)}`,
      );
    }
    return lines;
  },
};
