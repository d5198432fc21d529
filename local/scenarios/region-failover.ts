import exampleConfig from '../../ballast.config.ts';
import {
  describePlan,
  grayFailureOfPrimary,
  type Plan,
  type RegionalState,
  regionalInvariants,
  regionalNotes,
} from './regional.ts';
import { minutes, type Scenario, type ScenarioVariant } from './types.ts';

/**
 * A gray failure of the primary (half of its requests fail while every health check passes) on a fleet whose
 * standby runs its floors, too small for the load. The same fleet and failure, handled four ways (`--compare`):
 * Ballast `immediate` and `ladder`, Route 53 health-check failover alone, an ARC-like plan (see `regional.ts`),
 * each with its recovery time against the physical floor of its run.
 */
const ONSET = minutes(10);
const DURATION = minutes(60);

/** The example fleet with no warm-up hold, so the recovery is comparable to the physical floor. */
const config = {
  ...exampleConfig,
  policies: {
    ...exampleConfig.policies,
    failover: { ...exampleConfig.policies!.failover!, warmUpSeconds: 0 },
  },
};

/** The primary twice its default size (api 8, frontend 4 tasks); the standby at its floors (2 and 1). */
const fleet = {
  regions: {
    'us-east-1': {
      groups: { 'web-hosts': { hosts: 4 } },
      services: { 'web/api': { desiredCount: 8 }, 'web/frontend': { desiredCount: 4 } },
    },
  },
};

function scenarioFor(plan: Plan): Scenario<RegionalState> {
  return {
    name: 'region-failover',
    description:
      'gray failure of the primary (50 % of requests fail, health checks pass); the standby runs its floors, too small for the load',
    durationMs: DURATION,
    config,
    fleet,
    phases: [{ name: 'gray failure of the primary', from: ONSET, until: DURATION, handledBy: 'region failover' }],
    setup: (cloud) => grayFailureOfPrimary(cloud, plan, { onsetMs: ONSET, untilMs: DURATION, share: 0.5 }),
    invariants: regionalInvariants,
    notes: regionalNotes,
  };
}

const VARIANTS: readonly Plan[] = ['ballast-immediate', 'ballast-ladder', 'route53', 'arc'];

export const regionFailover: Scenario<RegionalState> = {
  ...scenarioFor('ballast-immediate'),
  variants: () =>
    VARIANTS.map(
      (plan): ScenarioVariant => ({
        label: describePlan(plan),
        scenario: scenarioFor(plan),
        withBallast: plan.startsWith('ballast'),
      }),
    ),
};
