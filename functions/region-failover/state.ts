import { DrillEvidence, FAILOVER_PHASES, ServiceCapacity } from '#events/failover-events.ts';
import { FAILOVER_MODES, OPERATOR_COMMANDS } from '#events/failover-input.ts';
import * as z from '#events/zod.ts';

/**
 * The state the region-failover workflow carries from step to step (the JSONPath document `$`). Choice states
 * read `action` and `phase`; Wait states read `waitSeconds`.
 */

/** A service the raise changed: its capacity (strict, as ServiceCapacity) and how to give it back. */
export const RaisedService = z.extend(ServiceCapacity, {
  /** What the raise changed, for an exact scale-down later. */
  via: z.enum(['scalable-target', 'update-service', 'none']),
  before: z.strictObject({
    desired: z.optional(z.number().check(z.int())),
    minCapacity: z.optional(z.number().check(z.int())),
    maxCapacity: z.optional(z.number().check(z.int())),
    scaleInSuspended: z.optional(z.boolean()),
  }),
  targetGroupArns: z.array(z.string()),
  /** How the target was computed. */
  basis: z.strictObject({
    peak: z.optional(z.number().check(z.int())),
    sourceDesired: z.optional(z.number().check(z.int())),
    floor: z.number().check(z.int()),
    ceiling: z.number().check(z.int()),
    share: z.number(),
  }),
});
export type RaisedService = z.output<typeof RaisedService>;

export const RaisedGroup = z.strictObject({
  name: z.string(),
  cluster: z.string(),
  minBefore: z.number().check(z.int()),
  minAfter: z.number().check(z.int()),
  /** The group's desired capacity before the raise (a MinSize above it made Auto Scaling raise it). */
  desiredBefore: z.optional(z.number().check(z.int())),
  maxSize: z.number().check(z.int()),
  problem: z.optional(z.string()),
});
export type RaisedGroup = z.output<typeof RaisedGroup>;

/**
 * A group whose MinSize a completed failover raised in the region it made active (kept on the fence item), so
 * that the scale-down after the next failover away from that region can give it back.
 */
export const HeldGroup = z.strictObject({
  name: z.string(),
  minBefore: z.number().check(z.int()),
  minAfter: z.number().check(z.int()),
  desiredBefore: z.optional(z.number().check(z.int())),
});
export type HeldGroup = z.output<typeof HeldGroup>;

export const CutBack = z.strictObject({
  at: z.string(),
  fromPercent: z.number(),
  toPercent: z.number(),
  reason: z.string(),
});

export const FailoverState = z.strictObject({
  action: z.enum(['failover', 'command', 'readiness']),
  /** A failover, a failback (traffic back to the region active before), or a drill (a share, then back). */
  kind: z.enum(['failover', 'failback', 'drill']),
  /** Drills: how long the share stays on the destination. */
  drillHoldSeconds: z.optional(z.number().check(z.int(), z.gte(0))),
  evidence: z.optional(DrillEvidence),
  /**
   * Failovers and failbacks: seconds from the first shift until the load balancers' request counts showed the
   * destination carrying at least 90 % of both regions' requests (the old region drained), measured at
   * completion; absent when no complete minute showed it by then or the counts could not be read.
   */
  drainSeconds: z.optional(z.number().check(z.gte(0))),
  /** The groups an earlier failover raised in this failover's source (from the fence), for the scale-down. */
  oldRegionGroups: z.optional(z.array(HeldGroup)),
  /** After the bake: what was lowered in the old region, per service and group (or why not). */
  scaledDown: z.optional(z.array(z.string())),
  phase: z.enum(FAILOVER_PHASES),
  failoverId: z.string(),
  source: z.string(),
  destination: z.string(),
  mode: z.enum(FAILOVER_MODES),
  rungs: z.array(z.number()),
  share: z.number(),
  reason: z.optional(z.string()),
  command: z.optional(z.enum(OPERATOR_COMMANDS)),
  epoch: z.optional(z.number().check(z.int())),
  /** The fence is held by this failover (released on abort and failure). */
  fenceHeld: z.boolean(),
  services: z.array(RaisedService),
  groups: z.array(RaisedGroup),
  /** Which rung traffic is at (-1: none moved yet). */
  rungIndex: z.number().check(z.int(), z.gte(-1)),
  /** The destination's share of traffic now, in percent. */
  percent: z.number().check(z.gte(0), z.lte(100)),
  changeId: z.optional(z.string()),
  /**
   * `data-plane` mode: the non-home region whose metric moves traffic, whether traffic goes home, the levels last
   * published and the level the current shift goes to (core/data-plane.ts).
   */
  dataPlane: z.optional(
    z.strictObject({
      region: z.string(),
      towardHome: z.boolean(),
      published: z.strictObject({
        take: z.number().check(z.int(), z.gte(0)),
        release: z.number().check(z.int(), z.gte(0)),
      }),
      target: z.number().check(z.int(), z.gte(0)),
    }),
  ),
  /** Seconds the current rung has been held and watched so far. */
  heldSeconds: z.number().check(z.int(), z.gte(0)),
  paused: z.boolean(),
  lastCommandSeq: z.number().check(z.int(), z.gte(0)),
  cutBacks: z.array(CutBack),
  waitSeconds: z.number().check(z.int(), z.gte(0)),
  startedAt: z.string(),
  capacityDeadlineAt: z.optional(z.string()),
  /** When each phase began, for the record (phase name to ISO time). */
  phaseTimes: z.record(z.string(), z.string()),
  outcome: z.optional(z.enum(['completed', 'aborted', 'failed', 'command-recorded', 'ready', 'not-ready'])),
  /** Readiness checks: what would stop or weaken a failover to this region. */
  problems: z.optional(z.array(z.string())),
  message: z.string(),
  error: z.optional(z.unknown()),
});
export type FailoverState = z.output<typeof FailoverState>;

/** Payload of the step function: the step to run and the state. */
export const FailoverStepInput = z.strictObject({
  op: z.string(),
  correlationId: z.optional(z.string()),
  state: FailoverState,
});
