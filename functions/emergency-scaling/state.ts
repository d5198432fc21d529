import { ScaleRequest } from '#events/emergency-scale-input.ts';
import * as z from '#events/zod.ts';

/**
 * The state the emergency-scale workflow carries from step to step (the JSONPath document `$`). Choice
 * states read `action` and `phase`; Wait states read `waitSeconds` and `wakeAt`. The snapshot itself lives
 * in the ledger (the override record); the state carries the plan and the progress.
 */
export const SCALE_ACTIONS = ['raise', 'plan', 'extend'] as const;
export const SCALE_PHASES = [
  'lock',
  'joined',
  'snapshot',
  'planned',
  'applying',
  'waiting',
  'holding',
  'expired',
  'released',
  'done',
] as const;
export type ScalePhase = (typeof SCALE_PHASES)[number];

export const ScalableTargetSnapshot = z.strictObject({
  min: z.number().check(z.int()),
  max: z.number().check(z.int()),
  suspended: z.strictObject({ dynamicIn: z.boolean(), dynamicOut: z.boolean(), scheduled: z.boolean() }),
});
export type ScalableTargetSnapshot = z.output<typeof ScalableTargetSnapshot>;

export const ScheduledActionSnapshot = z.strictObject({
  name: z.string(),
  schedule: z.string(),
  timezone: z.optional(z.string()),
  start: z.optional(z.string()),
  end: z.optional(z.string()),
  min: z.optional(z.number().check(z.int())),
  max: z.optional(z.number().check(z.int())),
});
export type ScheduledActionSnapshot = z.output<typeof ScheduledActionSnapshot>;

export const ServiceSnapshot = z.strictObject({
  key: z.string(),
  cluster: z.string(),
  service: z.string(),
  desired: z.number().check(z.int()),
  running: z.number().check(z.int()),
  pending: z.number().check(z.int()),
  taskDefinition: z.optional(z.string()),
  target: z.optional(ScalableTargetSnapshot),
  scheduledActions: z.array(ScheduledActionSnapshot),
  policies: z.array(z.string()),
});
export type ServiceSnapshot = z.output<typeof ServiceSnapshot>;

export const GroupSnapshot = z.strictObject({
  name: z.string(),
  cluster: z.string(),
  min: z.number().check(z.int()),
  max: z.number().check(z.int()),
  desired: z.number().check(z.int()),
  suspendedProcesses: z.array(z.string()),
});
export type GroupSnapshot = z.output<typeof GroupSnapshot>;

export const Snapshot = z.strictObject({
  takenAt: z.string(),
  services: z.array(ServiceSnapshot),
  groups: z.array(GroupSnapshot),
});
export type Snapshot = z.output<typeof Snapshot>;

export const PlannedService = z.strictObject({
  key: z.string(),
  cluster: z.string(),
  service: z.string(),
  tier: z.enum(['critical', 'standard', 'batch']),
  running: z.number().check(z.int()),
  desired: z.number().check(z.int()),
  /** The history figures the target came from. */
  peak: z.number(),
  p95: z.number(),
  weekAgo: z.optional(z.number()),
  noHistory: z.boolean(),
  target: z.number().check(z.int()),
  /** How the target was bounded: 'peak', 'running', 'floor', 'multiplier-cap', 'ceiling', 'requested'. */
  bound: z.string(),
  /** 'register' (clamp-safe RegisterScalableTarget) or 'update' (UpdateService: no scalable target). */
  lever: z.enum(['register', 'update']),
  maxCapacity: z.number().check(z.int()),
  /** Scale-out suspension kept as it was. */
  keepOutSuspended: z.boolean(),
  applied: z.boolean(),
  reached: z.boolean(),
  requestId: z.optional(z.string()),
  placementFailure: z.optional(z.string()),
});
export type PlannedService = z.output<typeof PlannedService>;

export const PlannedGroup = z.strictObject({
  name: z.string(),
  cluster: z.string(),
  /** Hosts the cluster's targets need (bin-packed), this group's share. */
  hostsNeeded: z.number().check(z.int()),
  min: z.number().check(z.int()),
  max: z.number().check(z.int()),
  desired: z.number().check(z.int()),
  newMin: z.number().check(z.int()),
  newMax: z.number().check(z.int()),
  newDesired: z.number().check(z.int()),
  applied: z.boolean(),
  requestId: z.optional(z.string()),
});
export type PlannedGroup = z.output<typeof PlannedGroup>;

export const TierProgress = z.strictObject({
  tier: z.enum(['critical', 'standard', 'batch']),
  startedAt: z.optional(z.string()),
  outcome: z.enum(['pending', 'applying', 'waiting', 'reached', 'timed-out']),
});

export const ScaleState = z.strictObject({
  action: z.enum(SCALE_ACTIONS),
  phase: z.enum(SCALE_PHASES),
  request: ScaleRequest,
  region: z.string(),
  overrideId: z.string(),
  executionName: z.optional(z.string()),
  services: z._default(z.array(PlannedService), []),
  groups: z._default(z.array(PlannedGroup), []),
  tiers: z._default(z.array(TierProgress), []),
  etaSeconds: z.optional(z.number()),
  holdUntil: z.optional(z.string()),
  expiringNotified: z._default(z.boolean(), false),
  waitSeconds: z._default(z.number().check(z.int(), z.gte(0)), 0),
  wakeAt: z.optional(z.string()),
  throttled: z._default(z.number().check(z.int()), 0),
  joinedOverrideId: z.optional(z.string()),
  message: z.optional(z.string()),
  /** A Catch's error document (`{ Error, Cause }`), on the failure path. */
  error: z.optional(z.unknown()),
});
export type ScaleState = z.output<typeof ScaleState>;
export type ScaleStateInput = z.input<typeof ScaleState>;

export const ScaleStepInput = z.strictObject({
  op: z.string(),
  correlationId: z.optional(z.string()),
  state: ScaleState,
});

/** The state of the restore-scaling workflow. */
export const RESTORE_PHASES = ['load', 'nothing', 'stepping', 'verify', 'done'] as const;

export const RestoreResource = z.strictObject({
  kind: z.enum(['target', 'service', 'group']),
  /** '<cluster>/<service>' or the group name. */
  key: z.string(),
  /** What Ballast set (and expects to find): min/max/suspended for targets, desired for services, min/max for groups. */
  applied: z.record(z.string(), z.union([z.number(), z.boolean()])),
  /** What the restore puts back (the snapshot, with the scheduled actions' min / max re-applied). */
  final: z.record(z.string(), z.union([z.number(), z.boolean()])),
  /** The last stage applied to it (0: none). */
  stage: z.number().check(z.int()),
  /** Someone changed it during the override: left as they set it. */
  conflict: z.optional(z.string()),
  scheduledFrom: z.optional(z.string()),
});
export type RestoreResource = z.output<typeof RestoreResource>;

export const RestoreState = z.strictObject({
  action: z.literal('restore'),
  phase: z.enum(RESTORE_PHASES),
  request: z.strictObject({
    trigger: z.enum(['operator', 'expiry', 'recovery']),
    overrideId: z.optional(z.string()),
    reason: z.optional(z.string()),
    owner: z.optional(z.string()),
    requestId: z.string(),
    dryRun: z.boolean(),
    at: z.string(),
  }),
  region: z.string(),
  overrideId: z.optional(z.string()),
  executionName: z.optional(z.string()),
  stage: z._default(z.number().check(z.int()), 0),
  stages: z._default(z.number().check(z.int()), 1),
  resources: z._default(z.array(RestoreResource), []),
  differences: z._default(z.array(z.string()), []),
  notes: z._default(z.array(z.string()), []),
  waitSeconds: z._default(z.number().check(z.int(), z.gte(0)), 0),
  throttled: z._default(z.number().check(z.int()), 0),
  message: z.optional(z.string()),
  error: z.optional(z.unknown()),
});
export type RestoreState = z.output<typeof RestoreState>;
