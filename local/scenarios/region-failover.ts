import exampleConfig from '../../ballast.config.ts';
import { endpointOf } from '../world/scaling-fleet.ts';
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
 * standby runs its floors, too small for the load. The same fleet and failure, handled five ways (`--compare`):
 * Ballast `immediate`, `ladder` and `data-plane`, Route 53 health-check failover alone, an ARC-like plan (see `regional.ts`),
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

/**
 * The same, deployed in `data-plane` mode: Ballast makes the weighted records at deploy (each region's answer is
 * its load balancer) and the failover flips them through health checks on alarms of its own metric.
 */
const dns = exampleConfig.dns!;
const dataPlaneConfig = {
  ...config,
  dns: {
    ...dns,
    records: dns.records.map((r) => ({
      ...r,
      targets: Object.fromEntries(Object.keys(exampleConfig.regions).map((rg) => [rg, endpointOf(rg, dns.zoneName)])),
    })),
  },
  policies: { ...config.policies, failover: { ...config.policies.failover, mode: 'data-plane' as const } },
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
    config: plan === 'ballast-data-plane' ? dataPlaneConfig : config,
    fleet,
    phases: [{ name: 'gray failure of the primary', from: ONSET, until: DURATION, handledBy: 'region failover' }],
    setup: (cloud) => grayFailureOfPrimary(cloud, plan, { onsetMs: ONSET, untilMs: DURATION, share: 0.5 }),
    invariants: regionalInvariants,
    notes: regionalNotes,
  };
}

const VARIANTS: readonly Plan[] = ['ballast-immediate', 'ballast-ladder', 'ballast-data-plane', 'route53', 'arc'];

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
