import * as z from 'zod';
import { type BallastConfig, FailoverPolicySchema } from '../../config/schema.ts';
import { dataPlaneAlarmPrefix } from './config.ts';

/**
 * The region-failover configuration's schema and its builder, used at synth (and by tests): the functions
 * read the document it builds with `parseFailoverConfig()` (./config.ts), which checks its shape and loads no
 * schema.
 */
export const FailoverService = z
  .object({
    cluster: z.string(),
    name: z.string(),
    floor: z.number().int().min(0),
    ceiling: z.number().int().min(1),
    targetGroups: z.array(z.string()),
  })
  .strict();
export type FailoverService = z.output<typeof FailoverService>;

export const FailoverRegion = z
  .object({
    services: z.array(FailoverService),
    /** Auto Scaling groups by cluster (the hosts a cluster's services run on). */
    groups: z.array(z.object({ name: z.string(), cluster: z.string() }).strict()),
  })
  .strict();
export type FailoverRegion = z.output<typeof FailoverRegion>;

export const FailoverConfig = z
  .object({
    /** The region this function runs in (the destination of the failovers it runs). */
    region: z.string(),
    primaryRegion: z.string(),
    standbyRegion: z.string(),
    regions: z.record(z.string(), FailoverRegion),
    dns: z
      .object({
        hostedZoneId: z.string(),
        ttl: z.number().int(),
        records: z.array(z.object({ name: z.string(), type: z.string() }).strict()),
      })
      .strict()
      .optional(),
    policy: FailoverPolicySchema,
    /** `data-plane` deployments: the prefix of the alarms the records' health checks watch (core/data-plane.ts). */
    dataPlane: z.object({ alarmPrefix: z.string() }).strict().optional(),
    retentionDays: z.number().int().min(1),
    /** Polls: capacity checks, Route 53 change status, watches while paused. */
    poll: z
      .object({
        capacitySeconds: z.number().int().min(1).default(15),
        changeSeconds: z.number().int().min(1).default(10),
        watchSeconds: z.number().int().min(1).default(60),
        pausedSeconds: z.number().int().min(1).default(30),
      })
      .strict()
      .default({ capacitySeconds: 15, changeSeconds: 10, watchSeconds: 60, pausedSeconds: 30 }),
  })
  .strict();
export type FailoverConfig = z.output<typeof FailoverConfig>;

/** Builds the region-failover configuration of one region's stack from the validated Ballast configuration. */
export function failoverConfigFor(config: BallastConfig, region: string): FailoverConfig {
  if (!config.regions[region]) throw new Error(`failoverConfigFor: region '${region}' is not in config.regions`);
  const regions: Record<string, FailoverRegion> = {};
  for (const [name, fleet] of Object.entries(config.regions)) {
    regions[name] = {
      services: fleet.services.map((s) => ({
        cluster: s.cluster,
        name: s.name,
        floor: s.floor,
        ceiling: s.ceiling,
        targetGroups: s.targetGroups.map((tg) => tg.name),
      })),
      groups: fleet.autoScalingGroups.map((g) => ({ name: g.name, cluster: g.cluster })),
    };
  }
  return FailoverConfig.parse({
    region,
    primaryRegion: config.primaryRegion,
    standbyRegion: config.standbyRegion,
    regions,
    ...(config.dns
      ? {
          dns: {
            hostedZoneId: config.dns.hostedZoneId,
            ttl: config.dns.ttl,
            records: config.dns.records.map((r) => ({ name: r.name, type: r.type })),
          },
        }
      : {}),
    policy: config.policies.failover,
    ...(config.policies.failover.mode === 'data-plane'
      ? { dataPlane: { alarmPrefix: dataPlaneAlarmPrefix(config) } }
      : {}),
    retentionDays: config.retentionDays,
  });
}
