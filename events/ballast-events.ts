import type { EventPattern } from 'aws-cdk-lib/aws-events';
import { DRAIN_KINDS } from './drain-host-input.ts';
import * as z from './zod.ts';

/**
 * The events Ballast itself emits on the default bus (`source: ballast`) while draining hosts. Subscribe
 * Slack, PagerDuty or a webhook with a rule on `ballastDrainEventsPattern()`.
 *
 * - `Drain Started`: the host was marked DRAINING (or, in dry-run, would have been); `stuckServices` lists
 *   services that cannot move (100/100 deployment percentages, or no room to place).
 * - `Drain Stuck`: a service stopped being able to move during the drain (reported within one poll).
 * - `Drain Completed`: every task stopped and the settle delay passed (or nothing was on the host, or the host
 *   was already gone); the lifecycle action was completed with CONTINUE.
 * - `Drain Timed Out`: the deadline passed with tasks left; `outcome` says whether Ballast continued anyway
 *   (`timed-out`) or stopped what remained first (`forced`); Spot drains report what could not move.
 * - `Host Retained`: the deadline passed under the `retain` policy: the lifecycle action was ABANDONed, and
 *   with the group's retain lifecycle policy the instance stays (Retained) until a person decides.
 * - `Drain Timed Out` also reports `hook-expired`: the lifecycle action ran out (heartbeat or global timeout)
 *   before Ballast completed it, so the instance may have terminated while tasks or connections remained.
 * - `Drain Hook Lost`: the lifecycle action was completed by someone else (console, CLI, another tool)
 *   before Ballast finished: the drain stopped there (`hook-lost`).
 * - `Drain Skipped`: nothing to do (test notification, group not drained by Ballast, duplicate) or a
 *   rebalance soft mark / manual extend / release was applied, or the drain was taken over (`superseded`).
 * - `Host Ready` / `Host Launch Abandoned`: a launch hook's outcome (not a drain): the new host joined its
 *   cluster and was let in service (`launch-ready`), or it never joined and the launch was ABANDONed
 *   (`launch-timed-out`).
 * - `Host Maintenance Scheduled`: AWS Health scheduled a retirement or stop of the host(s); Ballast marked
 *   them (no new tasks) and the message says when the change begins: drain or replace them before then.
 */
export const BALLAST_SOURCE = 'ballast';

export const DRAIN_EVENT = {
  started: 'Drain Started',
  stuck: 'Drain Stuck',
  completed: 'Drain Completed',
  timedOut: 'Drain Timed Out',
  retained: 'Host Retained',
  hookLost: 'Drain Hook Lost',
  skipped: 'Drain Skipped',
  hostReady: 'Host Ready',
  launchAbandoned: 'Host Launch Abandoned',
  maintenanceScheduled: 'Host Maintenance Scheduled',
} as const;
export type DrainEventType = (typeof DRAIN_EVENT)[keyof typeof DRAIN_EVENT];

export const DRAIN_OUTCOMES = [
  'drained',
  'timed-out',
  'forced',
  'retained',
  'not-in-cluster',
  'gone',
  'launch-ready',
  'launch-timed-out',
  'marked',
  'extended',
  'released',
  'spot-deadline',
  'dry-run',
  'skipped',
  'duplicate',
  'hook-expired',
  'hook-lost',
  'superseded',
  'warm-pool',
] as const;
export type DrainOutcome = (typeof DRAIN_OUTCOMES)[number];

export const TaskCounts = z.strictObject({
  service: z.number().check(z.int()),
  daemon: z.number().check(z.int()),
  standalone: z.number().check(z.int()),
});
export type TaskCounts = z.output<typeof TaskCounts>;

export const StuckService = z.strictObject({ service: z.string(), reason: z.string() });
export type StuckService = z.output<typeof StuckService>;

export const DrainEventDetail = z.strictObject({
  instanceId: z.string(),
  cluster: z.optional(z.string()),
  group: z.optional(z.string()),
  region: z.string(),
  drainId: z.string(),
  trigger: z.enum(DRAIN_KINDS),
  /** Tasks found on the host, by class (recorded at start, plus any that arrived since). */
  tasks: TaskCounts,
  /** Tasks not yet STOPPED when the event was emitted, by class. */
  remaining: TaskCounts,
  stuckServices: z.array(StuckService),
  outcome: z.optional(z.enum(DRAIN_OUTCOMES)),
  /** The lifecycle action result sent, if any. */
  lifecycleResult: z.optional(z.enum(['CONTINUE', 'ABANDON'])),
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  message: z.string(),
  dryRun: z.boolean(),
});
export type DrainEventDetail = z.output<typeof DrainEventDetail>;

/** Every drain event Ballast emits (optionally only some detail types). */
export function ballastDrainEventsPattern(
  detailTypes: readonly DrainEventType[] = Object.values(DRAIN_EVENT),
): EventPattern {
  return { source: [BALLAST_SOURCE], detailType: [...detailTypes] };
}
