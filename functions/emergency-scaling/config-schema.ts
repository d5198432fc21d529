import * as z from 'zod';
import { type BallastConfig, EmergencyScalingPolicySchema } from '../../config/schema.ts';
import { TIERS } from './config.ts';

/**
 * The emergency-scaling configuration's schema and its builder, used at synth (and by tests): the functions
 * read the document it builds with `parseScalingConfig()` (./config.ts), which checks its shape and loads no
 * schema.
 */
export const ScalingService = z
  .object({
    cluster: z.string().min(1),
    name: z.string().min(1),
    tier: z.enum(TIERS),
    floor: z.number().int().min(0),
    ceiling: z.number().int().min(1),
  })
  .strict();
export type ScalingService = z.output<typeof ScalingService>;

export const ScalingGroup = z.object({ name: z.string().min(1), cluster: z.string().min(1) }).strict();
export type ScalingGroup = z.output<typeof ScalingGroup>;

export const ScalingConfig = z
  .object({
    region: z.string().min(1),
    services: z.array(ScalingService),
    groups: z.array(ScalingGroup),
    policy: EmergencyScalingPolicySchema,
    /** Days history samples and override records are kept. @default 35 */
    retentionDays: z.number().int().min(1).default(35),
  })
  .strict();
export type ScalingConfig = z.output<typeof ScalingConfig>;

/** Builds the emergency-scaling configuration of one region from the validated Ballast configuration. */
export function scalingConfigFor(config: BallastConfig, region: string): ScalingConfig {
  const fleet = config.regions[region];
  if (!fleet) throw new Error(`scalingConfigFor: region '${region}' is not in config.regions`);
  return ScalingConfig.parse({
    region,
    services: fleet.services.map((s) => ({
      cluster: s.cluster,
      name: s.name,
      tier: s.tier,
      floor: s.floor,
      ceiling: s.ceiling,
    })),
    groups: fleet.autoScalingGroups.map((g) => ({ name: g.name, cluster: g.cluster })),
    policy: config.policies.emergencyScaling,
    retentionDays: config.retentionDays,
  });
}
