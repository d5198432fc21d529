import * as z from 'zod';
import { type BallastConfig, EmergencyScalingPolicySchema } from '../../config/schema.ts';

/**
 * The slice of the Ballast configuration the emergency-scaling functions need, passed as one JSON
 * environment variable, BALLAST_SCALING_CONFIG, built at synth by `scalingConfigFor()` and parsed at cold start.
 */
export const SCALING_CONFIG_ENV = 'BALLAST_SCALING_CONFIG';

export const TIERS = ['critical', 'standard', 'batch'] as const;
export type Tier = (typeof TIERS)[number];

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

/** Parses BALLAST_SCALING_CONFIG (fails the cold start naming the variable and the field). */
export function parseScalingConfig(json: string): ScalingConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${SCALING_CONFIG_ENV} is not JSON: ${(error as Error).message}`);
  }
  const result = ScalingConfig.safeParse(raw);
  if (!result.success) {
    throw new Error(
      `${SCALING_CONFIG_ENV} is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}
