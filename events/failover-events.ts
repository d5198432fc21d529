import type { EventPattern } from 'aws-cdk-lib/aws-events';
import * as z from 'zod';
import { BALLAST_SOURCE } from './ballast-events.ts';
import { FAILOVER_MODES } from './failover-input.ts';

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

export const ReadinessDetail = z
  .object({
    region: z.string(),
    /** The active region per the fence. */
    activeRegion: z.string(),
    ready: z.boolean(),
    /** What would stop or weaken a failover to this region, one line each (empty when ready). */
    problems: z.array(z.string()),
    previouslyReady: z.boolean().optional(),
    checkedAt: z.string(),
  })
  .strict();
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

export const ServiceCapacity = z
  .object({
    cluster: z.string(),
    service: z.string(),
    target: z.number().int().min(0),
    running: z.number().int().min(0),
    /** Healthy targets in the least healthy of the service's target groups (absent: no target groups). */
    healthy: z.number().int().min(0).optional(),
    reached: z.boolean(),
    /** Why the target could not be reached (ceiling, group max, deadline). */
    problem: z.string().optional(),
  })
  .strict();
export type ServiceCapacity = z.output<typeof ServiceCapacity>;

export const DrillEvidence = z
  .object({
    /** Seconds per phase: capacity (raise to ready), health (warm-up), traffic (first shift to INSYNC + TTL). */
    phases: z.record(z.string(), z.number().min(0)),
    /** How the start was detected: a manual drill has no detection time. */
    detect: z.string(),
    /**
     * Seconds from the first shift until the load balancers' request counts showed the share moved (the
     * destination carrying at least 90 % of its share), measured, not assumed from the TTL; absent when the
     * counts could not be read.
     */
    drainSeconds: z.number().min(0).optional(),
    totalSeconds: z.number().min(0),
    rtoSeconds: z.number().int(),
    withinRto: z.boolean(),
  })
  .strict();
export type DrillEvidence = z.output<typeof DrillEvidence>;

export const FailoverEventDetail = z
  .object({
    failoverId: z.string(),
    source: z.string(),
    destination: z.string(),
    mode: z.enum(FAILOVER_MODES),
    phase: z.enum(FAILOVER_PHASES),
    epoch: z.number().int().optional(),
    /** The destination's share of traffic now, in percent. */
    percent: z.number().min(0).max(100),
    services: z.array(ServiceCapacity),
    reason: z.string().optional(),
    kind: z.enum(['failover', 'failback', 'drill']),
    evidence: DrillEvidence.optional(),
    message: z.string(),
    startedAt: z.string(),
    at: z.string(),
  })
  .strict();
export type FailoverEventDetail = z.output<typeof FailoverEventDetail>;

/** Every failover event Ballast emits (optionally only some detail types). */
export function ballastFailoverEventsPattern(
  detailTypes: readonly FailoverEventType[] = Object.values(FAILOVER_EVENT),
): EventPattern {
  return { source: [BALLAST_SOURCE], detailType: [...detailTypes] };
}
