import * as z from 'zod';
import { ScaleRequest } from '#events/emergency-scale-input.ts';

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

export const ScalableTargetSnapshot = z
  .object({
    min: z.number().int(),
    max: z.number().int(),
    suspended: z.object({ dynamicIn: z.boolean(), dynamicOut: z.boolean(), scheduled: z.boolean() }).strict(),
  })
  .strict();
export type ScalableTargetSnapshot = z.output<typeof ScalableTargetSnapshot>;

export const ScheduledActionSnapshot = z
  .object({
    name: z.string(),
    schedule: z.string(),
    timezone: z.string().optional(),
    start: z.string().optional(),
    end: z.string().optional(),
    min: z.number().int().optional(),
    max: z.number().int().optional(),
  })
  .strict();
export type ScheduledActionSnapshot = z.output<typeof ScheduledActionSnapshot>;

export const ServiceSnapshot = z
  .object({
    key: z.string(),
    cluster: z.string(),
    service: z.string(),
    desired: z.number().int(),
    running: z.number().int(),
    pending: z.number().int(),
    taskDefinition: z.string().optional(),
    target: ScalableTargetSnapshot.optional(),
    scheduledActions: z.array(ScheduledActionSnapshot),
    policies: z.array(z.string()),
  })
  .strict();
export type ServiceSnapshot = z.output<typeof ServiceSnapshot>;

export const GroupSnapshot = z
  .object({
    name: z.string(),
    cluster: z.string(),
    min: z.number().int(),
    max: z.number().int(),
    desired: z.number().int(),
    suspendedProcesses: z.array(z.string()),
  })
  .strict();
export type GroupSnapshot = z.output<typeof GroupSnapshot>;

export const Snapshot = z
  .object({ takenAt: z.string(), services: z.array(ServiceSnapshot), groups: z.array(GroupSnapshot) })
  .strict();
export type Snapshot = z.output<typeof Snapshot>;

export const PlannedService = z
  .object({
    key: z.string(),
    cluster: z.string(),
    service: z.string(),
    tier: z.enum(['critical', 'standard', 'batch']),
    running: z.number().int(),
    desired: z.number().int(),
    /** The history figures the target came from. */
    peak: z.number(),
    p95: z.number(),
    weekAgo: z.number().optional(),
    noHistory: z.boolean(),
    target: z.number().int(),
    /** How the target was bounded: 'peak', 'running', 'floor', 'multiplier-cap', 'ceiling', 'requested'. */
    bound: z.string(),
    /** 'register' (clamp-safe RegisterScalableTarget) or 'update' (UpdateService: no scalable target). */
    lever: z.enum(['register', 'update']),
    maxCapacity: z.number().int(),
    /** Scale-out suspension kept as it was. */
    keepOutSuspended: z.boolean(),
    applied: z.boolean(),
    reached: z.boolean(),
    requestId: z.string().optional(),
    placementFailure: z.string().optional(),
  })
  .strict();
export type PlannedService = z.output<typeof PlannedService>;

export const PlannedGroup = z
  .object({
    name: z.string(),
    cluster: z.string(),
    /** Hosts the cluster's targets need (bin-packed), this group's share. */
    hostsNeeded: z.number().int(),
    min: z.number().int(),
    max: z.number().int(),
    desired: z.number().int(),
    newMin: z.number().int(),
    newMax: z.number().int(),
    newDesired: z.number().int(),
    applied: z.boolean(),
    requestId: z.string().optional(),
  })
  .strict();
export type PlannedGroup = z.output<typeof PlannedGroup>;

export const TierProgress = z
  .object({
    tier: z.enum(['critical', 'standard', 'batch']),
    startedAt: z.string().optional(),
    outcome: z.enum(['pending', 'applying', 'waiting', 'reached', 'timed-out']),
  })
  .strict();

export const ScaleState = z
  .object({
    action: z.enum(SCALE_ACTIONS),
    phase: z.enum(SCALE_PHASES),
    request: ScaleRequest,
    region: z.string(),
    overrideId: z.string(),
    executionName: z.string().optional(),
    services: z.array(PlannedService).default([]),
    groups: z.array(PlannedGroup).default([]),
    tiers: z.array(TierProgress).default([]),
    etaSeconds: z.number().optional(),
    holdUntil: z.string().optional(),
    expiringNotified: z.boolean().default(false),
    waitSeconds: z.number().int().min(0).default(0),
    wakeAt: z.string().optional(),
    throttled: z.number().int().default(0),
    joinedOverrideId: z.string().optional(),
    message: z.string().optional(),
    /** A Catch's error document (`{ Error, Cause }`), on the failure path. */
    error: z.unknown().optional(),
  })
  .strict();
export type ScaleState = z.output<typeof ScaleState>;
export type ScaleStateInput = z.input<typeof ScaleState>;

export const ScaleStepInput = z
  .object({ op: z.string(), correlationId: z.string().optional(), state: ScaleState })
  .strict();

/** The state of the restore-scaling workflow. */
export const RESTORE_PHASES = ['load', 'nothing', 'stepping', 'verify', 'done'] as const;

export const RestoreResource = z
  .object({
    kind: z.enum(['target', 'service', 'group']),
    /** '<cluster>/<service>' or the group name. */
    key: z.string(),
    /** What Ballast set (and expects to find): min/max/suspended for targets, desired for services, min/max for groups. */
    applied: z.record(z.string(), z.union([z.number(), z.boolean()])),
    /** What the restore puts back (the snapshot, with the scheduled actions' min / max re-applied). */
    final: z.record(z.string(), z.union([z.number(), z.boolean()])),
    /** The last stage applied to it (0: none). */
    stage: z.number().int(),
    /** Someone changed it during the override: left as they set it. */
    conflict: z.string().optional(),
    scheduledFrom: z.string().optional(),
  })
  .strict();
export type RestoreResource = z.output<typeof RestoreResource>;

export const RestoreState = z
  .object({
    action: z.literal('restore'),
    phase: z.enum(RESTORE_PHASES),
    request: z
      .object({
        trigger: z.enum(['operator', 'expiry', 'recovery']),
        overrideId: z.string().optional(),
        reason: z.string().optional(),
        owner: z.string().optional(),
        requestId: z.string(),
        dryRun: z.boolean(),
        at: z.string(),
      })
      .strict(),
    region: z.string(),
    overrideId: z.string().optional(),
    executionName: z.string().optional(),
    stage: z.number().int().default(0),
    stages: z.number().int().default(1),
    resources: z.array(RestoreResource).default([]),
    differences: z.array(z.string()).default([]),
    notes: z.array(z.string()).default([]),
    waitSeconds: z.number().int().min(0).default(0),
    throttled: z.number().int().default(0),
    message: z.string().optional(),
    error: z.unknown().optional(),
  })
  .strict();
export type RestoreState = z.output<typeof RestoreState>;
