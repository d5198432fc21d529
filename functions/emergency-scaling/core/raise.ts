import { RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { RATE_LIMITS } from '#config/limits.ts';
import { normaliseScaleInput, overrideIdFor } from '#events/emergency-scale-input.ts';
import { SCALING_EVENT } from '#events/scaling-events.ts';
import { readServiceHistory } from '#shared/capacity-history.ts';
import { InvalidInput, isTransientAwsError } from '#shared/errors.ts';
import { startExecutionOnce } from '#shared/executions.ts';
import { type ScalingService, TIERS } from '../config.ts';
import { NoActiveOverride, SnapshotMissing } from '../errors.ts';
import type { PlannedGroup, PlannedService, ScaleState, Snapshot } from '../state.ts';
import type { ScalingDeps } from './deps.ts';
import { emitScaling } from './emit.ts';
import {
  clusterCapacity,
  describeServices,
  ECS_DIMENSION,
  ECS_NAMESPACE,
  keyOf,
  resourceIdOf,
  takeSnapshot,
  taskSizes,
} from './fleet.ts';
import {
  acquireLock,
  extendLock,
  getOverride,
  putOverride,
  readLock,
  setLockStatus,
  updateOverride,
} from './overrides.ts';
import { etaSecondsOf, planGroups, targetFor } from './plan.ts';

/** At most this many mutating calls per step: ECS UpdateService's burst (50), so one step never outruns a bucket. */
export const APPLY_BATCH = 50;
/** `Scaling Override Expiring` is emitted this long before the hold ends. */
export const EXPIRING_WARNING_SECONDS = 30 * 60;
/**
 * Back-off after a throttled batch: the time the published bucket needs to refill one batch (Application Auto
 * Scaling's for RegisterScalableTarget, ECS's service-mutation bucket for UpdateService), so the next batch
 * finds tokens; never less than 1 s. (It used to double with every throttle of the run, which at fleet scale
 * left the bucket full and idle for tens of seconds.)
 */
const backoffSeconds = (lever: 'register' | 'update') => {
  const limit = RATE_LIMITS[lever === 'register' ? 'application-autoscaling:*' : 'ecs:UpdateService'];
  return Math.max(1, Math.ceil(APPLY_BATCH / (limit?.perSecond ?? 1)));
};

const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The configured services of this region, by '<cluster>/<service>'. */
function configured(deps: Pick<ScalingDeps, 'config'>): Map<string, ScalingService> {
  return new Map(deps.config.services.map((s) => [keyOf(s.cluster, s.name), s]));
}

/**
 * 'Validate Input': the first state. Parses the console input against its schema and the configuration;
 * throws InvalidInput naming the field and the fix before any call to AWS.
 */
export function validateInput(
  raw: unknown,
  deps: Pick<ScalingDeps, 'config' | 'clock' | 'dryRun'>,
  executionName?: string,
): ScaleState {
  const parsed = normaliseScaleInput(raw, deps.clock(), new Set(configured(deps).keys()));
  if (parsed.type === 'invalid') throw new InvalidInput(parsed.problems);
  const request = { ...parsed.request, dryRun: parsed.request.dryRun || deps.dryRun };
  const action = request.kind;
  return {
    action,
    phase: action === 'raise' && !request.dryRun ? 'lock' : 'snapshot',
    request,
    region: deps.config.region,
    overrideId: overrideIdFor(deps.config.region, request.requestId),
    ...(executionName ? { executionName } : {}),
    services: [],
    groups: [],
    tiers: [],
    expiringNotified: false,
    waitSeconds: 0,
    throttled: 0,
  };
}

const holdHours = (state: ScaleState, deps: Pick<ScalingDeps, 'config'>) =>
  state.request.hours ?? deps.config.policy.expiresAfterHours;

/** 'Acquire Override Lock': one override per region. A second raise joins the active one and extends its hold. */
export async function lockOverride(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  const now = deps.clock();
  const holdUntil = iso(now.getTime() + holdHours(state, deps) * HOUR_MS);
  const taken = await acquireLock(deps, {
    overrideId: state.overrideId,
    owner: state.request.owner ?? state.executionName ?? 'operator',
    ...(state.request.reason ? { reason: state.request.reason } : {}),
    holdUntil,
    status: 'raising',
    startedAt: now.toISOString(),
  });
  if (taken.result === 'acquired') return { ...state, phase: 'snapshot', holdUntil };
  const extended = await extendLock(deps, taken.lock.overrideId, holdUntil);
  await deps.ledger.appendOperation(now, `${state.overrideId}-join`, {
    operation: 'emergency-scale',
    kind: 'join',
    overrideId: taken.lock.overrideId,
    requestId: state.request.requestId,
    reason: state.request.reason,
    holdUntil: extended?.holdUntil ?? taken.lock.holdUntil,
  });
  return {
    ...state,
    phase: 'joined',
    joinedOverrideId: taken.lock.overrideId,
    holdUntil: extended?.holdUntil ?? taken.lock.holdUntil,
    message: `Joined the active override ${taken.lock.overrideId} (owner ${taken.lock.owner}); its hold now ends at ${extended?.holdUntil ?? taken.lock.holdUntil}.`,
  };
}

/** The services a request covers: all, a tier, named ones, or those it gives counts for. */
function scopeOf(state: ScaleState, deps: Pick<ScalingDeps, 'config'>): ScalingService[] {
  const all = configured(deps);
  const named = state.request.services ?? (state.request.counts ? Object.keys(state.request.counts) : undefined);
  if (named) return named.map((k) => all.get(k)).filter((s): s is ScalingService => s !== undefined);
  return [...all.values()].filter((s) => !state.request.tier || s.tier === state.request.tier);
}

/** The clusters whose groups a scope touches, and those groups. */
function groupsOf(services: readonly ScalingService[], deps: Pick<ScalingDeps, 'config'>) {
  const clusters = new Set(services.map((s) => s.cluster));
  return deps.config.groups.filter((g) => clusters.has(g.cluster));
}

/**
 * 'Take Snapshot': everything a restore needs, read before any mutating call, into the override record
 * (written once: a retried step keeps the first snapshot).
 */
export async function snapshotFleet(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  const now = deps.clock();
  const scope = scopeOf(state, deps);
  const { snapshot, missing } = await takeSnapshot(deps, scope, groupsOf(scope, deps), now);
  const record = await putOverride(
    deps,
    {
      overrideId: state.overrideId,
      region: state.region,
      status: 'raising',
      owner: state.request.owner ?? state.executionName ?? 'operator',
      ...(state.request.reason ? { reason: state.request.reason } : {}),
      startedAt: now.toISOString(),
      holdUntil: state.holdUntil ?? iso(now.getTime() + holdHours(state, deps) * HOUR_MS),
      requestId: state.request.requestId,
      snapshot,
      missing,
    },
    now,
  );
  return {
    ...state,
    phase: 'planned',
    message: `Snapshot of ${record.snapshot.services.length} services and ${record.snapshot.groups.length} groups taken at ${record.snapshot.takenAt}.`,
  };
}

/**
 * 'Plan Capacity': per service a target from the capacity history (see plan.ts), hosts per group by
 * bin-packing, tiers critical first, an ETA. A dry run takes its own (unrecorded) snapshot and emits
 * `Scaling Override Planned`; a raise plans from the recorded snapshot.
 */
export async function planCapacity(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  const now = deps.clock();
  const scope = scopeOf(state, deps);
  let snapshot: Snapshot;
  if (state.request.dryRun) {
    snapshot = (await takeSnapshot(deps, scope, groupsOf(scope, deps), now)).snapshot;
  } else {
    const record = await getOverride(deps, state.overrideId);
    if (!record)
      throw new SnapshotMissing(`Override ${state.overrideId} has no record in the ledger; start the raise again.`);
    snapshot = record.snapshot;
  }
  const policy = deps.config.policy;
  const services: PlannedService[] = [];
  for (const snap of snapshot.services) {
    const cfg = configured(deps).get(snap.key);
    if (!cfg) continue;
    const history = await readServiceHistory(deps.history, {
      region: state.region,
      cluster: snap.cluster,
      service: snap.service,
      hours: policy.historyHours,
      now,
      current: snap.running,
    });
    const { target, bound } = targetFor({
      running: snap.running,
      floor: cfg.floor,
      ceiling: cfg.ceiling,
      peak: history.peak,
      weekAgo: history.weekAgo,
      maxMultiplier: policy.maxMultiplier,
      sizing: state.request.sizing,
      percent: state.request.percent,
      multiplier: state.request.multiplier,
      count: state.request.counts?.[snap.key],
    });
    // Never a desired count above max: MaxCapacity is raised to the target when the target is above it.
    const maxCapacity = snap.target ? Math.max(snap.target.max, target) : target;
    services.push({
      key: snap.key,
      cluster: snap.cluster,
      service: snap.service,
      tier: cfg.tier,
      running: snap.running,
      desired: snap.desired,
      peak: history.peak,
      p95: history.p95,
      ...(history.weekAgo !== undefined ? { weekAgo: history.weekAgo } : {}),
      noHistory: history.noHistory,
      target: snap.target ? Math.max(target, snap.target.min) : Math.max(target, snap.desired),
      bound,
      lever: snap.target ? 'register' : 'update',
      maxCapacity,
      keepOutSuspended: snap.target?.suspended.dynamicOut ?? false,
      applied: false,
      reached: false,
    });
  }
  const groups: PlannedGroup[] = [];
  const notes: string[] = [];
  const clusters = [...new Set(snapshot.groups.map((g) => g.cluster))];
  const sizes = await taskSizes(
    deps,
    snapshot.services.map((s) => s.taskDefinition).filter((t): t is string => !!t),
  );
  for (const cluster of clusters) {
    const inCluster = services.filter((s) => s.cluster === cluster);
    const bySize = new Map<string, { cpu: number; memory: number }>();
    for (const s of inCluster) {
      const td = snapshot.services.find((x) => x.key === s.key)?.taskDefinition;
      const size = td ? sizes.get(td) : undefined;
      if (size) bySize.set(s.key, size);
    }
    const planned = planGroups(
      deps.config.groups.filter((g) => g.cluster === cluster),
      snapshot.groups,
      inCluster,
      bySize,
      await clusterCapacity(deps, cluster),
    );
    groups.push(...planned.groups);
    if (planned.note) notes.push(`${cluster}: ${planned.note}`);
  }
  const tiers = TIERS.filter((t) => services.some((s) => s.tier === t)).map((tier) => ({
    tier,
    outcome: 'pending' as const,
  }));
  const etaSeconds = etaSecondsOf(services, groups);
  const next: ScaleState = {
    ...state,
    phase: state.request.dryRun ? 'done' : 'applying',
    services,
    groups,
    tiers,
    etaSeconds,
    ...(notes.length > 0 ? { message: notes.join('; ') } : {}),
  };
  if (state.request.dryRun) {
    await emitScaling(deps, SCALING_EVENT.planned, planDetail(next, 'Plan only: nothing was changed.'));
  }
  return next;
}

/** The detail of a scaling event, from the state. */
export function planDetail(state: ScaleState, message: string): Record<string, unknown> {
  return {
    region: state.region,
    overrideId: state.joinedOverrideId ?? state.overrideId,
    requestId: state.request.requestId,
    owner: state.request.owner,
    reason: state.request.reason,
    holdUntil: state.holdUntil,
    etaSeconds: state.etaSeconds,
    dryRun: state.request.dryRun,
    services: state.services.map((s) => ({
      service: s.key,
      tier: s.tier,
      running: s.running,
      target: s.target,
      bound: s.bound,
      noHistory: s.noHistory,
      lever: s.lever,
      reached: s.reached,
      ...(s.placementFailure ? { placementFailure: s.placementFailure } : {}),
    })),
    groups: state.groups.map((g) => ({
      group: g.name,
      desired: g.desired,
      newDesired: g.newDesired,
      newMin: g.newMin,
    })),
    tiers: state.tiers,
    message,
  };
}

const requestIdOf = (out: { $metadata?: { requestId?: string } }) => out.$metadata?.requestId;

/** 'Raise Hosts': groups first (min to desired so hosts are held, desired to what the targets need, max when needed; never lowered), so tasks have room. */
export async function raiseHosts(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  const groups: PlannedGroup[] = [];
  for (const g of state.groups) {
    if (g.applied || (g.newDesired <= g.desired && g.newMin <= g.min && g.newMax <= g.max)) {
      groups.push(g);
      continue;
    }
    const out = await deps.clients.autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: g.name,
        MinSize: g.newMin,
        MaxSize: g.newMax,
        DesiredCapacity: g.newDesired,
      }),
    );
    const requestId = requestIdOf(out);
    groups.push({ ...g, applied: true, ...(requestId ? { requestId } : {}) });
  }
  return { ...state, groups, phase: 'applying', waitSeconds: 0 };
}

/** Whether the region's lock still belongs to this override and it is still being raised or held. */
async function stillOurs(state: ScaleState, deps: ScalingDeps): Promise<boolean> {
  const lock = await readLock(deps);
  return lock?.overrideId === state.overrideId && (lock.status === 'raising' || lock.status === 'holding');
}

/**
 * 'Apply Tier': the clamp-safe raise of the current tier, at most APPLY_BATCH calls a step. With a scalable
 * target: one RegisterScalableTarget with MinCapacity = target, MaxCapacity >= target, scale-in and
 * scheduled scaling suspended, scale-out as it was. Without one: UpdateService. A throttled call ends the
 * batch early with a back-off; the next step goes on where this one stopped.
 */
export async function applyTier(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  if (!(await stillOurs(state, deps))) {
    return { ...state, phase: 'released', message: 'The override was restored or replaced while it was being raised.' };
  }
  const index = state.tiers.findIndex((t) => t.outcome === 'pending' || t.outcome === 'applying');
  if (index < 0) return { ...state, phase: 'holding', waitSeconds: 0 };
  const tier = state.tiers[index]!;
  const services = state.services.map((s) => ({ ...s }));
  const todo = services.filter((s) => s.tier === tier.tier && !s.applied);
  let calls = 0;
  let throttled = false;
  let throttledLever: 'register' | 'update' | undefined;
  for (const s of todo) {
    if (calls >= APPLY_BATCH) break;
    if (s.lever === 'update' && s.target <= s.desired) {
      s.applied = true; // nothing to raise, and no scaler to hold off: no call
      continue;
    }
    try {
      calls++;
      const out =
        s.lever === 'register'
          ? await deps.clients.applicationAutoScaling.send(
              new RegisterScalableTargetCommand({
                ServiceNamespace: ECS_NAMESPACE,
                ResourceId: resourceIdOf(s.cluster, s.service),
                ScalableDimension: ECS_DIMENSION,
                MinCapacity: s.target,
                MaxCapacity: s.maxCapacity,
                SuspendedState: {
                  DynamicScalingInSuspended: true,
                  ScheduledScalingSuspended: true,
                  DynamicScalingOutSuspended: s.keepOutSuspended,
                },
              }),
            )
          : await deps.clients.ecs.send(
              new UpdateServiceCommand({ cluster: s.cluster, service: s.service, desiredCount: s.target }),
            );
      s.applied = true;
      const requestId = requestIdOf(out);
      if (requestId) s.requestId = requestId;
    } catch (error) {
      if (!isTransientAwsError(error)) throw error;
      throttled = true;
      throttledLever = s.lever === 'register' ? 'register' : 'update';
      break;
    }
  }
  const remaining = services.filter((s) => s.tier === tier.tier && !s.applied).length;
  const tiers = state.tiers.map((t, i) =>
    i === index
      ? {
          ...t,
          outcome: remaining === 0 ? ('waiting' as const) : ('applying' as const),
          startedAt: t.startedAt ?? deps.clock().toISOString(),
        }
      : t,
  );
  if (remaining > 0) {
    const count = throttled ? state.throttled + 1 : state.throttled;
    return {
      ...state,
      services,
      tiers,
      phase: 'applying',
      throttled: count,
      waitSeconds: throttled ? backoffSeconds(throttledLever ?? 'register') : 0,
    };
  }
  // This tier's floors are set: the next tier's go out at once (critical first, each within the rate limits),
  // and the waits for running come after, tier by tier; a tier does not wait for the one before to run.
  if (tiers.some((t) => t.outcome === 'pending')) {
    return { ...state, services, tiers, phase: 'applying', waitSeconds: 0 };
  }
  return { ...state, services, tiers, phase: 'waiting', waitSeconds: deps.config.policy.pollSeconds };
}

const PLACEMENT = /unable to place a task|insufficient (cpu|memory)|no container instance met/i;

/**
 * 'Check Tier': polls ECS (not events) until every service of the tier runs its target; reports a
 * placement failure per service (from the service's events since the tier's floors were set); a tier that does
 * not get there within `tierTimeoutMinutes` of that is reported as timed out and the next tier is checked.
 * Every tier's floors are set before the first wait (critical first), so no tier waits for another to run.
 */
export async function checkTier(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  const index = state.tiers.findIndex((t) => t.outcome === 'waiting');
  if (index < 0) return { ...state, phase: 'applying', waitSeconds: 0 };
  const tier = state.tiers[index]!;
  const now = deps.clock();
  const inTier = state.services.filter((s) => s.tier === tier.tier);
  const described = await describeServices(
    deps,
    inTier.map((s) => ({ cluster: s.cluster, name: s.service })),
  );
  const since = tier.startedAt ? Date.parse(tier.startedAt) : now.getTime();
  const services = state.services.map((s) => {
    if (s.tier !== tier.tier) return s;
    const ecs = described.get(s.key);
    const running = ecs?.runningCount ?? 0;
    const failure = (ecs?.events ?? []).find(
      (e) => e.message && PLACEMENT.test(e.message) && (e.createdAt ? new Date(e.createdAt).getTime() >= since : true),
    );
    const reached = running >= s.target;
    const { placementFailure: _old, ...rest } = s;
    return {
      ...rest,
      reached,
      ...(!reached && failure?.message ? { placementFailure: failure.message } : {}),
    };
  });
  const allReached = services.filter((s) => s.tier === tier.tier).every((s) => s.reached);
  const timedOut = now.getTime() - since >= deps.config.policy.tierTimeoutMinutes * 60_000;
  if (!allReached && !timedOut) {
    return { ...state, services, phase: 'waiting', waitSeconds: deps.config.policy.pollSeconds };
  }
  const tiers = state.tiers.map((t, i) =>
    i === index ? { ...t, outcome: allReached ? ('reached' as const) : ('timed-out' as const) } : t,
  );
  if (tiers.some((t) => t.outcome === 'pending'))
    return { ...state, services, tiers, phase: 'applying', waitSeconds: 0 };
  // The next tier whose floors are set is checked at once (it has been starting its tasks meanwhile).
  if (tiers.some((t) => t.outcome === 'waiting'))
    return { ...state, services, tiers, phase: 'waiting', waitSeconds: 0 };
  return { ...state, services, tiers, phase: 'holding', waitSeconds: 0 };
}

/** 'Record Override': the override holds; the ledger gets the plan and the actions, and `Scaling Override Applied` goes out. */
export async function recordOverride(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  const now = deps.clock();
  await setLockStatus(deps, state.overrideId, 'holding');
  const lock = await readLock(deps);
  const holdUntil = lock?.overrideId === state.overrideId ? lock.holdUntil : (state.holdUntil ?? now.toISOString());
  await updateOverride(deps, state.overrideId, {
    status: 'holding',
    holdUntil,
    appliedAt: now.toISOString(),
    ...progressOf(state, false),
  });
  await deps.ledger.appendOperation(now, state.overrideId, {
    operation: 'emergency-scale',
    kind: 'applied',
    overrideId: state.overrideId,
    owner: state.request.owner ?? state.executionName,
    reason: state.request.reason,
    holdUntil,
  });
  const unreached = state.services.filter((s) => !s.reached).map((s) => s.key);
  const next = { ...state, holdUntil, phase: 'holding' as const };
  await emitScaling(
    deps,
    SCALING_EVENT.applied,
    planDetail(
      next,
      unreached.length === 0
        ? `Every target reached; held until ${holdUntil}.`
        : `Held until ${holdUntil}; not reached: ${unreached.join(', ')}.`,
    ),
  );
  return holdStep(next, now);
}

/**
 * What the override record keeps of the raise, for the restore: per service the target and lever, per group
 * the new sizes, and the actions with their request ids. `onlyApplied`: after a failure, only what was done.
 */
function progressOf(state: ScaleState, onlyApplied: boolean): Record<string, unknown> {
  const services = state.services.filter((s) => !onlyApplied || s.applied);
  return {
    plan: services.map((s) => ({
      service: s.key,
      target: s.target,
      maxCapacity: s.maxCapacity,
      lever: s.lever,
      keepOutSuspended: s.keepOutSuspended,
      reached: s.reached,
      bound: s.bound,
    })),
    hosts: state.groups.map((g) => ({
      group: g.name,
      newMin: g.newMin,
      newMax: g.newMax,
      newDesired: g.newDesired,
      applied: g.applied,
    })),
    actions: [
      ...state.groups
        .filter((g) => g.applied)
        .map((g) => ({ call: 'autoscaling:UpdateAutoScalingGroup', resource: g.name, requestId: g.requestId })),
      ...services
        .filter((s) => s.applied && (s.lever === 'register' || s.target > s.desired))
        .map((s) => ({
          call: s.lever === 'register' ? 'application-autoscaling:RegisterScalableTarget' : 'ecs:UpdateService',
          resource: s.key,
          requestId: s.requestId,
        })),
    ],
    tiers: state.tiers,
  };
}

/** When to wake next and whether the expiry warning is due. */
function holdStep(state: ScaleState, now: Date): ScaleState {
  const end = Date.parse(state.holdUntil ?? now.toISOString());
  const warnAt = end - EXPIRING_WARNING_SECONDS * 1000;
  const wake = state.expiringNotified || now.getTime() >= warnAt ? end : warnAt;
  return { ...state, phase: now.getTime() >= end ? 'expired' : 'holding', wakeAt: iso(Math.max(wake, now.getTime())) };
}

/**
 * 'Check Hold': wakes at the expiry warning and at the expiry (an extension moves both). Emits
 * `Scaling Override Expiring` once per hold end; 'expired' starts the restore; 'released' when an operator
 * (or the detector) restored it meanwhile.
 */
export async function checkHold(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  const now = deps.clock();
  const lock = await readLock(deps);
  if (lock?.overrideId !== state.overrideId || lock.status !== 'holding') {
    return { ...state, phase: 'released', message: 'The override was restored meanwhile.' };
  }
  const extended = lock.holdUntil !== state.holdUntil;
  let next: ScaleState = {
    ...state,
    holdUntil: lock.holdUntil,
    expiringNotified: extended ? false : state.expiringNotified,
  };
  const end = Date.parse(lock.holdUntil);
  if (now.getTime() < end && now.getTime() >= end - EXPIRING_WARNING_SECONDS * 1000 && !next.expiringNotified) {
    await emitScaling(deps, SCALING_EVENT.expiring, {
      ...planDetail(
        next,
        `The override ends at ${lock.holdUntil} and will be restored; extend it to keep the capacity.`,
      ),
      services: undefined,
    });
    next = { ...next, expiringNotified: true };
  }
  return holdStep(next, now);
}

/** 'Start Restore': the hold expired; restore-scaling takes over (execution named after the override: once). */
export async function startRestore(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  if (!deps.restoreStateMachineArn) {
    throw new SnapshotMissing('BALLAST_RESTORE_STATE_MACHINE_ARN is not set: the restore cannot be started.');
  }
  await startExecutionOnce(deps.clients.sfn, {
    stateMachineArn: deps.restoreStateMachineArn,
    name: `expiry-${state.overrideId}`,
    input: { action: 'restore', trigger: 'expiry', overrideId: state.overrideId, reason: 'the override expired' },
  });
  return { ...state, phase: 'done', message: 'The override expired; restore-scaling was started.' };
}

/** 'Extend Override': more time for the region's active override (never less than it has). */
export async function extendOverride(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  const now = deps.clock();
  const lock = await readLock(deps);
  if (!lock || (lock.status !== 'holding' && lock.status !== 'raising')) {
    throw new NoActiveOverride(
      `There is no active override in ${state.region} to extend; raise one first (ballast scale raise).`,
    );
  }
  const wanted = iso(Math.max(Date.parse(lock.holdUntil), now.getTime()) + (state.request.hours ?? 0) * HOUR_MS);
  const updated = await extendLock(deps, lock.overrideId, wanted);
  const holdUntil = updated?.holdUntil ?? lock.holdUntil;
  await updateOverride(deps, lock.overrideId, { holdUntil });
  await deps.ledger.appendOperation(now, `${lock.overrideId}-extend-${state.request.requestId}`, {
    operation: 'emergency-scale',
    kind: 'extend',
    overrideId: lock.overrideId,
    owner: state.request.owner ?? state.executionName,
    reason: state.request.reason,
    holdUntil,
  });
  return {
    ...state,
    phase: 'done',
    joinedOverrideId: lock.overrideId,
    holdUntil,
    message: `Override ${lock.overrideId} now holds until ${holdUntil}.`,
  };
}

/** 'Record Failure': the raise stopped on an error; the lock and snapshot stay so restore-scaling can put everything back. */
export async function recordFailure(state: ScaleState, deps: ScalingDeps): Promise<ScaleState> {
  const now = deps.clock();
  if (!state.request.dryRun && state.action === 'raise') {
    await setLockStatus(deps, state.overrideId, 'holding');
    await updateOverride(deps, state.overrideId, {
      status: 'holding',
      failedAt: now.toISOString(),
      failure: state.error,
      // What was applied so far, so restore-scaling can put it back.
      ...progressOf(state, true),
    });
  }
  await deps.ledger.appendOperation(now, `${state.overrideId}-failure`, {
    operation: 'emergency-scale',
    kind: 'failed',
    overrideId: state.overrideId,
    error: state.error,
  });
  return state;
}
