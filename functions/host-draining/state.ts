import { DRAIN_OUTCOMES, StuckService, TaskCounts } from '#events/ballast-events.ts';
import { DrainRequest } from '#events/drain-host-input.ts';
import * as z from '#events/zod.ts';

/**
 * The state the drain-host workflow carries from step to step (the whole JSONPath document `$`). Every
 * Lambda step takes it and returns the next one; Choice states read `action` and `phase`, Wait states
 * read `waitSeconds` and `settleSeconds`. Kept compact: a host's task list is the largest part.
 */

/** What the workflow does with the request (chosen by 'Resolve Request'). */
export const DRAIN_ACTIONS = ['skip', 'duplicate', 'complete', 'drain', 'launch', 'mark', 'extend', 'release'] as const;
export type DrainAction = (typeof DRAIN_ACTIONS)[number];

/**
 * Where a drain is: the Choice states route on it. `stopping`: tasks are still to stop; the workflow waits to be
 * woken by the last one ('Wait For Tasks', core/wake.ts), at most `waitSeconds`. `draining`: a plain wait of
 * `waitSeconds` before the next check (the Spot fast path, a forced stop, a settle split for heartbeats).
 */
export const DRAIN_PHASES = ['waiting-budget', 'draining', 'stopping', 'settle', 'finish'] as const;
export type DrainPhase = (typeof DRAIN_PHASES)[number];

export const TaskClass = z.enum(['service', 'daemon', 'standalone']);
export type TaskClass = z.output<typeof TaskClass>;

export const TrackedTask = z.strictObject({
  arn: z.string(),
  cls: TaskClass,
  service: z.optional(z.string()),
  stopped: z.boolean(),
  stopRequested: z.optional(z.boolean()),
});
export type TrackedTask = z.output<typeof TrackedTask>;

/** STOPPED tasks kept in the state (the rest are counted): ~150 bytes each. */
export const STOPPED_TASKS_KEPT = 50;

export const HookRef = z.strictObject({
  group: z.string(),
  name: z.string(),
  /** Absent for manual drains of an instance waiting in the hook: completed by instance id. */
  token: z.optional(z.string()),
  heartbeatTimeoutSeconds: z.number().check(z.int(), z.positive()),
  /** When the hook's global timeout ends the wait whatever Ballast does. */
  globalDeadlineAt: z.string(),
});
export type HookRef = z.output<typeof HookRef>;

/**
 * The version of the state's shape. 1: before `v` existed; 2: `v` and the fields added with it. A step reads
 * older (and newer) states too (see parse.ts): raise this with every change that removes or renames a field.
 */
export const DRAIN_STATE_VERSION = 2;

export const DrainState = z.strictObject({
  /** The version of the state's shape (absent: version 1). */
  v: z.optional(z.number().check(z.int(), z.positive())),
  action: z.enum(DRAIN_ACTIONS),
  phase: z.enum(DRAIN_PHASES),
  request: DrainRequest,
  /** The execution that owns this drain (its ledger claim and budget slot): `$$.Execution.Id`. */
  execution: z.optional(z.string()),
  region: z.string(),
  cluster: z.optional(z.string()),
  group: z.optional(z.string()),
  containerInstanceArn: z.optional(z.string()),
  hook: z.optional(HookRef),
  policy: z.strictObject({
    deadlinePolicy: z.enum(['continue', 'force', 'retain']),
    standaloneTasks: z.enum(['wait', 'stop']),
    standaloneGraceSeconds: z.number().check(z.int(), z.gte(0)),
    settleSeconds: z.number().check(z.int(), z.gte(0)),
    budgetHosts: z.number().check(z.int(), z.gte(1)),
    budgetPercent: z.number(),
  }),
  /** ECS managed draining also drains this group: Ballast complements it (no DRAINING of its own). */
  complement: z.boolean(),
  dryRun: z.boolean(),
  receivedAt: z.string(),
  startedAt: z.optional(z.string()),
  deadlineAt: z.string(),
  lastHeartbeatAt: z.optional(z.string()),
  /** The hook's last heartbeat is unknown (a manual drain of a host already in its hook): beat at once. */
  heartbeatUnknown: z.optional(z.boolean()),
  budget: z.strictObject({
    holder: z.string(),
    held: z.boolean(),
    max: z.optional(z.number().check(z.int())),
    waitingSince: z.optional(z.string()),
    overridden: z.optional(z.boolean()),
    /** When this drain may list its host's tasks: the cluster's drain starts are paced (core/budget.ts). */
    startAt: z.optional(z.string()),
  }),
  /** The host carries the `ballast.drain-pending` attribute. */
  marked: z.boolean(),
  /** Next Wait state's duration (back-off). */
  waitSeconds: z.number().check(z.int(), z.gte(0)),
  /** The settle delay (deregistration delay of the target groups involved, plus the policy's extra). */
  settleSeconds: z.number().check(z.int(), z.gte(0)),
  /** When the settle ends (set when the last task stopped; capped by the hook's global timeout). */
  settleUntil: z.optional(z.string()),
  /** What the settle waits for: the target groups and their real deregistration delays. */
  settleFor: z.optional(z.string()),
  /**
   * The target groups of the host's services as ECS described them when their tasks were first seen, so that
   * the settle need not describe the services again (a service not in it is described then).
   */
  targetGroups: z.optional(z.record(z.string(), z.array(z.string()))),
  /**
   * Tasks being drained: every task not yet STOPPED, and the most recent STOPPED ones (at most
   * `STOPPED_TASKS_KEPT`); older STOPPED tasks are only counted (`dropped`), so the state stays bounded
   * on hosts that run thousands of short tasks.
   */
  tasks: z.array(TrackedTask),
  /** STOPPED tasks no longer listed in `tasks`, by class, and the services they belonged to. */
  dropped: z.optional(z.strictObject({ counts: TaskCounts, services: z.array(z.string()) })),
  /**
   * Set DRAINING, its listing still to come at `budget.startAt` (a paced start): what 'Start Drain' did, for
   * the 'Drain Started' message of the 'Check Tasks' that lists the host.
   */
  startNote: z.optional(z.string()),
  /** When 'Check Tasks' last listed the host: a STOPPED task that stopped before then was already seen. */
  checkedAt: z.optional(z.string()),
  stuckServices: z.array(StuckService),
  forcedAt: z.optional(z.string()),
  outcome: z.optional(z.enum(DRAIN_OUTCOMES)),
  lifecycleResult: z.optional(z.enum(['CONTINUE', 'ABANDON'])),
  /** The lifecycle action was completed (or found no longer pending). */
  lifecycleCompleted: z.optional(z.boolean()),
  message: z.string(),
  /** Ballast events that could not be delivered after retries (reported in the drain record). */
  undeliveredEvents: z.optional(z.array(z.string())),
  /** 'Wait For Tasks' ended by its callback (the host's last awaited task stopped), not by its timeout. */
  woken: z.optional(z.unknown()),
  /** Error caught by a Catch (present on failure paths only). */
  error: z.optional(z.unknown()),
});
export type DrainState = z.output<typeof DrainState>;
