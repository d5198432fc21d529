import { arrayOf, objectOf, parseConfigDocument, type Shape } from '#shared/config-file.ts';
import type { ScalingConfig } from './config-schema.ts';

export type { ScalingConfig, ScalingGroup, ScalingService } from './config-schema.ts';

/**
 * The slice of the Ballast configuration the emergency-scaling functions need, as one JSON document,
 * BALLAST_SCALING_CONFIG, built and validated at synth by `scalingConfigFor()` (./config-schema.ts) and read
 * at cold start by `parseScalingConfig()`, which checks its shape.
 */
export const SCALING_CONFIG_ENV = 'BALLAST_SCALING_CONFIG';

export const TIERS = ['critical', 'standard', 'batch'] as const;
export type Tier = (typeof TIERS)[number];

const TIER_MODES: Shape = objectOf({ critical: 'string', standard: 'string', batch: 'string' });

/** The shape of BALLAST_SCALING_CONFIG (./config-schema.ts ScalingConfig; test/unit/config checks they agree). */
export const SCALING_CONFIG_SHAPE: Shape = objectOf({
  region: 'string',
  services: arrayOf(
    objectOf({ cluster: 'string', name: 'string', tier: 'string', floor: 'number', ceiling: 'number' }),
  ),
  groups: arrayOf(objectOf({ name: 'string', cluster: 'string' })),
  policy: objectOf({
    maxMultiplier: 'number',
    historyHours: 'number',
    expiresAfterHours: 'number',
    sampleEveryMinutes: 'number',
    tierTimeoutMinutes: 'number',
    pollSeconds: 'number',
    restoreSteps: 'number',
    restoreStepSeconds: 'number',
    detector: objectOf({
      enabled: 'boolean',
      everyMinutes: 'number',
      raiseMultiplier: 'number',
      quorum: 'number',
      insufficientDataShare: 'number',
      dwellSeconds: 'number',
      clearSeconds: 'number',
      canaryStaleSeconds: 'number',
      pendingSeconds: 'number',
      modes: TIER_MODES,
    }),
  }),
  retentionDays: 'number',
});

/** Parses BALLAST_SCALING_CONFIG (fails the cold start naming the variable and each wrong field). */
export function parseScalingConfig(json: string): ScalingConfig {
  return parseConfigDocument<ScalingConfig>(SCALING_CONFIG_ENV, json, SCALING_CONFIG_SHAPE);
}
