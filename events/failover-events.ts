import type { EventPattern } from 'aws-cdk-lib/aws-events';
import { BALLAST_SOURCE } from './ballast-events.ts';
import { FAILOVER_MODES } from './failover-input.ts';
import * as z from './zod.ts';

/**
 * The events the region-failover workflow emits on the default bus of the destination region (`source:
 * ballast`). Subscribe with a rule on `ballastFailoverEventsPattern()`.
 *
 * - `Failover Started`: the fence was taken (epoch in the detail); capacity is being raised.
 * - `Failover Step`: a phase or rung was reached (`phase`, `percent`, per-service capacity).
 * - `Failover Cut Back`: a rung was bad (error rate, latency or target health over its threshold); traffic went
 *   back to the previous rung and the failover paused; `reason` says what was seen.
 * - `Failover Completed`: all traffic is on the destination; the fence names it active.
 * - `Failover Aborted`: an operator aborted; traffic went back to the source, the fence was released.
 * - `Failover Failed`: a step kept failing; the detail says where traffic is and what capacity was raised.
 * - `Failback Completed`: a failback (traffic back to the region active before) completed.
 * - `Drill Report`: a drill ended (traffic back on the source); `evidence` holds the time per phase vs the RTO.
 */
export const FAILOVER_EVENT = {
  started: 'Failover Started',
  step: 'Failover Step',
  cutBack: 'Failover Cut Back',
  completed: 'Failover Completed',
  aborted: 'Failover Aborted',
  failed: 'Failover Failed',
  failbackCompleted: 'Failback Completed',
  drillReport: 'Drill Report',
} as const;

/** The automatic trigger in `recommend`: the active region's signals held bad past the dwell; the plan, nothing started. */
export const FAILOVER_RECOMMENDED = 'Failover Recommended';
/** The automatic trigger in `auto`: it started the failover (the detail names it and why). */
export const FAILOVER_TRIGGERED = 'Failover Triggered';

/** Emitted by a readiness check when a region's readiness (or the list of its problems) changed. */
export const READINESS_CHANGED = 'Readiness Changed';

export const ReadinessDetail = z.strictObject({
  region: z.string(),
  /** The active region per the fence. */
  activeRegion: z.string(),
  ready: z.boolean(),
  /** What would stop or weaken a failover to this region, one line each (empty when ready). */
  problems: z.array(z.string()),
  previouslyReady: z.optional(z.boolean()),
  checkedAt: z.string(),
});
export type ReadinessDetail = z.output<typeof ReadinessDetail>;
export type FailoverEventType = (typeof FAILOVER_EVENT)[keyof typeof FAILOVER_EVENT];

export const FAILOVER_PHASES = [
  'fence',
  'capacity',
  'warm-up',
  'shift',
  'propagating',
  'holding',
  'paused',
  'settling',
  'returning',
  'baking',
  'complete',
  'aborting',
  'aborted',
  'failed',
] as const;
export type FailoverPhase = (typeof FAILOVER_PHASES)[number];

export const ServiceCapacity = z.strictObject({
  cluster: z.string(),
  service: z.string(),
  target: z.number().check(z.int(), z.gte(0)),
  running: z.number().check(z.int(), z.gte(0)),
  /** Healthy targets in the least healthy of the service's target groups (absent: no target groups). */
  healthy: z.optional(z.number().check(z.int(), z.gte(0))),
  reached: z.boolean(),
  /** Why the target could not be reached (ceiling, group max, deadline). */
  problem: z.optional(z.string()),
});
export type ServiceCapacity = z.output<typeof ServiceCapacity>;

export const DrillEvidence = z.strictObject({
  /** Seconds per phase: capacity (raise to ready), health (warm-up), traffic (first shift to INSYNC + TTL). */
  phases: z.record(z.string(), z.number().check(z.gte(0))),
  /** How the start was detected: a manual drill has no detection time. */
  detect: z.string(),
  /**
   * Seconds from the first shift until the load balancers' request counts showed the share moved (the
   * destination carrying at least 90 % of its share), measured, not assumed from the TTL; absent when the
   * counts could not be read.
   */
  drainSeconds: z.optional(z.number().check(z.gte(0))),
  totalSeconds: z.number().check(z.gte(0)),
  rtoSeconds: z.number().check(z.int()),
  withinRto: z.boolean(),
});
export type DrillEvidence = z.output<typeof DrillEvidence>;

export const FailoverEventDetail = z.strictObject({
  failoverId: z.string(),
  source: z.string(),
  destination: z.string(),
  mode: z.enum(FAILOVER_MODES),
  phase: z.enum(FAILOVER_PHASES),
  epoch: z.optional(z.number().check(z.int())),
  /** The destination's share of traffic now, in percent. */
  percent: z.number().check(z.gte(0), z.lte(100)),
  services: z.array(ServiceCapacity),
  reason: z.optional(z.string()),
  kind: z.enum(['failover', 'failback', 'drill']),
  evidence: z.optional(DrillEvidence),
  message: z.string(),
  startedAt: z.string(),
  at: z.string(),
});
export type FailoverEventDetail = z.output<typeof FailoverEventDetail>;

/** Every failover event Ballast emits (optionally only some detail types). */
export function ballastFailoverEventsPattern(
  detailTypes: readonly FailoverEventType[] = Object.values(FAILOVER_EVENT),
): EventPattern {
  return { source: [BALLAST_SOURCE], detailType: [...detailTypes] };
}
