import type { EventPattern } from 'aws-cdk-lib/aws-events';
import { BALLAST_SOURCE } from './ballast-events.ts';

/**
 * The events Ballast emits on the default bus (`source: ballast`) while it holds capacity. Subscribe Slack,
 * PagerDuty or a webhook with a rule on `ballastScalingEventsPattern()`.
 *
 * - `Scaling Impairment Detected` / `Scaling Impairment Cleared`: the detector's verdict (with the plan).
 * - `Scaling Override Planned`: a plan-only run (dry run): the targets, hosts and ETA; nothing changed.
 * - `Scaling Override Applied`: the floors are raised and held; per service the target and whether running
 *   reached it (placement failures named), per group the hosts; owner, reason, expiry.
 * - `Scaling Override Expiring`: the hold ends within `expiringWarningMinutes`; extend it or let it restore.
 * - `Scaling Override Restored`: the prior configuration is back; `differences` lists what is not (expected none).
 * - `Scaling Restore Conflict`: a resource changed during the override (a deploy); the newer value was kept.
 */
export const SCALING_EVENT = {
  impairmentDetected: 'Scaling Impairment Detected',
  impairmentCleared: 'Scaling Impairment Cleared',
  planned: 'Scaling Override Planned',
  applied: 'Scaling Override Applied',
  expiring: 'Scaling Override Expiring',
  restored: 'Scaling Override Restored',
  conflict: 'Scaling Restore Conflict',
} as const;
export type ScalingEventType = (typeof SCALING_EVENT)[keyof typeof SCALING_EVENT];

/** Every scaling event Ballast emits (optionally only some detail types). */
export function ballastScalingEventsPattern(
  detailTypes: readonly ScalingEventType[] = Object.values(SCALING_EVENT),
): EventPattern {
  return { source: [BALLAST_SOURCE], detailType: [...detailTypes] };
}
