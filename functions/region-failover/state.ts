import * as z from 'zod';
import { DrillEvidence, FAILOVER_PHASES, ServiceCapacity } from '#events/failover-events.ts';
import { FAILOVER_MODES, OPERATOR_COMMANDS } from '#events/failover-input.ts';

/**
 * The state the region-failover workflow carries from step to step (the JSONPath document `$`). Choice states
 * read `action` and `phase`; Wait states read `waitSeconds`.
 */

export const RaisedService = ServiceCapacity.extend({
  /** What the raise changed, for an exact scale-down later. */
  via: z.enum(['scalable-target', 'update-service', 'none']),
  before: z
    .object({
      desired: z.number().int().optional(),
      minCapacity: z.number().int().optional(),
      maxCapacity: z.number().int().optional(),
      scaleInSuspended: z.boolean().optional(),
    })
    .strict(),
  targetGroupArns: z.array(z.string()),
  /** How the target was computed. */
  basis: z
    .object({
      peak: z.number().int().optional(),
      sourceDesired: z.number().int().optional(),
      floor: z.number().int(),
      ceiling: z.number().int(),
      share: z.number(),
    })
    .strict(),
}).strict();
export type RaisedService = z.output<typeof RaisedService>;

export const RaisedGroup = z
  .object({
    name: z.string(),
    cluster: z.string(),
    minBefore: z.number().int(),
    minAfter: z.number().int(),
    /** The group's desired capacity before the raise (a MinSize above it made Auto Scaling raise it). */
    desiredBefore: z.number().int().optional(),
    maxSize: z.number().int(),
    problem: z.string().optional(),
  })
  .strict();
export type RaisedGroup = z.output<typeof RaisedGroup>;

/**
 * A group whose MinSize a completed failover raised in the region it made active (kept on the fence item), so
 * that the scale-down after the next failover away from that region can give it back.
 */
export const HeldGroup = z
  .object({
    name: z.string(),
    minBefore: z.number().int(),
    minAfter: z.number().int(),
    desiredBefore: z.number().int().optional(),
  })
  .strict();
export type HeldGroup = z.output<typeof HeldGroup>;

export const CutBack = z
  .object({ at: z.string(), fromPercent: z.number(), toPercent: z.number(), reason: z.string() })
  .strict();

export const FailoverState = z
  .object({
    action: z.enum(['failover', 'command', 'readiness']),
    /** A failover, a failback (traffic back to the region active before), or a drill (a share, then back). */
    kind: z.enum(['failover', 'failback', 'drill']),
    /** Drills: how long the share stays on the destination. */
    drillHoldSeconds: z.number().int().min(0).optional(),
    evidence: DrillEvidence.optional(),
    /**
     * Failovers and failbacks: seconds from the first shift until the load balancers' request counts showed the
     * destination carrying at least 90 % of both regions' requests (the old region drained), measured at
     * completion; absent when no complete minute showed it by then or the counts could not be read.
     */
    drainSeconds: z.number().min(0).optional(),
    /** The groups an earlier failover raised in this failover's source (from the fence), for the scale-down. */
    oldRegionGroups: z.array(HeldGroup).optional(),
    /** After the bake: what was lowered in the old region, per service and group (or why not). */
    scaledDown: z.array(z.string()).optional(),
    phase: z.enum(FAILOVER_PHASES),
    failoverId: z.string(),
    source: z.string(),
    destination: z.string(),
    mode: z.enum(FAILOVER_MODES),
    rungs: z.array(z.number()),
    share: z.number(),
    reason: z.string().optional(),
    command: z.enum(OPERATOR_COMMANDS).optional(),
    epoch: z.number().int().optional(),
    /** The fence is held by this failover (released on abort and failure). */
    fenceHeld: z.boolean(),
    services: z.array(RaisedService),
    groups: z.array(RaisedGroup),
    /** Which rung traffic is at (-1: none moved yet). */
    rungIndex: z.number().int().min(-1),
    /** The destination's share of traffic now, in percent. */
    percent: z.number().min(0).max(100),
    changeId: z.string().optional(),
    /**
     * `data-plane` mode: the non-home region whose metric moves traffic, whether traffic goes home, the levels last
     * published and the level the current shift goes to (core/data-plane.ts).
     */
    dataPlane: z
      .object({
        region: z.string(),
        towardHome: z.boolean(),
        published: z.object({ take: z.number().int().min(0), release: z.number().int().min(0) }).strict(),
        target: z.number().int().min(0),
      })
      .strict()
      .optional(),
    /** Seconds the current rung has been held and watched so far. */
    heldSeconds: z.number().int().min(0),
    paused: z.boolean(),
    lastCommandSeq: z.number().int().min(0),
    cutBacks: z.array(CutBack),
    waitSeconds: z.number().int().min(0),
    startedAt: z.string(),
    capacityDeadlineAt: z.string().optional(),
    /** When each phase began, for the record (phase name to ISO time). */
    phaseTimes: z.record(z.string(), z.string()),
    outcome: z.enum(['completed', 'aborted', 'failed', 'command-recorded', 'ready', 'not-ready']).optional(),
    /** Readiness checks: what would stop or weaken a failover to this region. */
    problems: z.array(z.string()).optional(),
    message: z.string(),
    error: z.unknown().optional(),
  })
  .strict();
export type FailoverState = z.output<typeof FailoverState>;

/** Payload of the step function: the step to run and the state. */
export const FailoverStepInput = z
  .object({ op: z.string(), correlationId: z.string().optional(), state: FailoverState })
  .strict();
