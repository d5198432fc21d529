import { arrayOf, objectOf, optional, parseConfigDocument, recordOf, type Shape } from '#shared/config-file.ts';
import type { BallastConfig } from '../../config/schema.ts';
import type { FailoverConfig } from './config-schema.ts';

export type { FailoverConfig, FailoverRegion, FailoverService } from './config-schema.ts';

/**
 * The slice of the Ballast configuration the region-failover functions need, as one JSON document
 * (BALLAST_FAILOVER_CONFIG), built and validated at synth by `failoverConfigFor()` (./config-schema.ts) and
 * read at cold start by `parseFailoverConfig()`, which checks its shape. It holds every region's services and
 * groups: any region can be the destination, and the source's names are needed for best-effort reads.
 */
export const FAILOVER_CONFIG_ENV = 'BALLAST_FAILOVER_CONFIG';

/** Longest a failover execution may run (the state machine's timeout): a fence held longer is stale. */
export const REGION_FAILOVER_TIMEOUT_SECONDS = 7 * 86_400;

/** The shape of BALLAST_FAILOVER_CONFIG (./config-schema.ts FailoverConfig; test/unit/config checks they agree). */
export const FAILOVER_CONFIG_SHAPE: Shape = objectOf({
  region: 'string',
  primaryRegion: 'string',
  standbyRegion: 'string',
  regions: recordOf(
    objectOf({
      services: arrayOf(
        objectOf({
          cluster: 'string',
          name: 'string',
          floor: 'number',
          ceiling: 'number',
          targetGroups: arrayOf('string'),
        }),
      ),
      groups: arrayOf(objectOf({ name: 'string', cluster: 'string' })),
    }),
  ),
  dns: optional(
    objectOf({
      hostedZoneId: 'string',
      ttl: 'number',
      records: arrayOf(objectOf({ name: 'string', type: 'string' })),
    }),
  ),
  policy: objectOf({
    mode: 'string',
    rungs: arrayOf('number'),
    rungHoldSeconds: 'number',
    cutBackErrorRate: 'number',
    maxLatencyMs: 'number',
    share: 'number',
    historyHours: 'number',
    warmUpSeconds: 'number',
    capacityDeadlineSeconds: 'number',
    drillPercent: 'number',
    drillHoldSeconds: 'number',
    rtoSeconds: 'number',
    failbackHealthySeconds: 'number',
    scaleDownAfterBakeSeconds: optional('number'),
    readinessIntervalMinutes: 'number',
    sourceReadTimeoutMs: 'number',
    fenceRegion: optional('string'),
    trigger: objectOf({
      action: 'string',
      alarms: recordOf(arrayOf('string')),
      healthChecks: 'boolean',
      quorum: optional('number'),
      dwellSeconds: 'number',
    }),
    loadBalancers: recordOf(arrayOf('string')),
  }),
  dataPlane: optional(objectOf({ alarmPrefix: 'string' })),
  retentionDays: 'number',
  poll: objectOf({
    capacitySeconds: 'number',
    changeSeconds: 'number',
    watchSeconds: 'number',
    pausedSeconds: 'number',
  }),
});

/** The prefix of the data-plane alarms a deployment makes (`<name>-failover`). */
export const dataPlaneAlarmPrefix = (config: Pick<BallastConfig, 'name'>): string => `${config.name}-failover`;

/** Parses BALLAST_FAILOVER_CONFIG (fails the cold start naming the variable and each wrong field). */
export function parseFailoverConfig(json: string): FailoverConfig {
  return parseConfigDocument<FailoverConfig>(FAILOVER_CONFIG_ENV, json, FAILOVER_CONFIG_SHAPE);
}
