import { arrayOf, objectOf, optional, parseConfigDocument, recordOf, type Shape } from '#shared/config-file.ts';
import type { DrainConfig } from './config-schema.ts';

export type { DrainConfig, DrainGroupConfig } from './config-schema.ts';

/**
 * The slice of the Ballast configuration the host-draining functions need, as one JSON document,
 * BALLAST_DRAIN_CONFIG, built and validated at synth by `drainConfigFor()` (./config-schema.ts) and read at
 * cold start by `parseDrainConfig()`, which checks its shape.
 */
export const DRAIN_CONFIG_ENV = 'BALLAST_DRAIN_CONFIG';

/** ECS attribute put on hosts that should get no new tasks (rebalance recommendation, waiting for a budget slot). */
export const DRAIN_PENDING_ATTRIBUTE = 'ballast.drain-pending';
/** Auto Scaling group tags that opt a group in without configuration. */
export const OPT_IN_TAG = 'ballast:drain';
export const CLUSTER_TAG = 'ballast:cluster';

/** The drain policy's shape (config/schema.ts DrainPolicySchema, defaults applied). */
const DRAIN_POLICY: Shape = objectOf({
  deadlinePolicy: 'string',
  deadlineMinutes: 'number',
  standaloneTasks: 'string',
  standaloneGraceSeconds: 'number',
  budgetHosts: 'number',
  budgetPercent: 'number',
  settleSeconds: 'number',
  dryRun: 'boolean',
});

/** The shape of BALLAST_DRAIN_CONFIG (./config-schema.ts DrainConfig; test/unit/config checks they agree). */
export const DRAIN_CONFIG_SHAPE: Shape = objectOf({
  region: 'string',
  clusters: arrayOf('string'),
  groups: recordOf(
    objectOf({
      cluster: 'string',
      hookName: 'string',
      launchHookName: optional('string'),
      managedDraining: 'boolean',
      policy: DRAIN_POLICY,
    }),
  ),
  defaultPolicy: DRAIN_POLICY,
  defaultHookName: 'string',
  deregistrationDelays: recordOf(recordOf('number')),
  retentionDays: 'number',
  launchDeadlineSeconds: 'number',
  spotDeadlineSeconds: 'number',
  poll: objectOf({
    initialSeconds: 'number',
    maxSeconds: 'number',
    spotSeconds: 'number',
    wake: 'boolean',
    fallbackSeconds: 'number',
  }),
});

/** Parses BALLAST_DRAIN_CONFIG (fails the cold start naming the variable and each wrong field). */
export function parseDrainConfig(json: string): DrainConfig {
  return parseConfigDocument<DrainConfig>(DRAIN_CONFIG_ENV, json, DRAIN_CONFIG_SHAPE);
}
