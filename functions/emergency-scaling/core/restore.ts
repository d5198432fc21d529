import { RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { describeScaleIssues, RestoreInput } from '#events/emergency-scale-input.ts';
import { SCALING_EVENT } from '#events/scaling-events.ts';
import { InvalidInput, isTransientAwsError } from '#shared/errors.ts';
import { NoActiveOverride, SnapshotMissing } from '../errors.ts';
import type { RestoreResource, RestoreState, Snapshot } from '../state.ts';
import type { ScalingDeps } from './deps.ts';
import { emitScaling } from './emit.ts';
import {
  describeAllPolicyNames,
  describeAllScheduledActions,
  describeGroups,
  describeServices,
  describeTargets,
  ECS_DIMENSION,
  ECS_NAMESPACE,
  resourceIdOf,
} from './fleet.ts';
import { getOverride, type OverrideRecord, readLock, setLockStatus, updateOverride } from './overrides.ts';
import { APPLY_BATCH } from './raise.ts';
import { lastFiring } from './schedule.ts';

type Values = Record<string, number | boolean>;
const splitKey = (key: string) => {
  const [cluster, service] = key.split('/') as [string, string];
  return { cluster, service };
};

/** 'Validate Restore Input': the first Task; a malformed input fails here, naming the field. */
export function validateRestoreInput(
  raw: unknown,
  deps: Pick<ScalingDeps, 'config' | 'clock' | 'dryRun'>,
  executionName?: string,
): RestoreState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidInput([
      '(input): must be a JSON object such as {"action": "restore"}; see events/schemas/restore-scaling-input.schema.json',
    ]);
  }
  const parsed = RestoreInput.safeParse(raw);
  if (!parsed.success)
    throw new InvalidInput(
      describeScaleIssues(parsed.error).map((p) => p.replace('emergency-scale-input', 'restore-scaling-input')),
    );
  const input = parsed.data;
  const now = deps.clock();
  return {
    action: 'restore',
    phase: 'load',
    request: {
      trigger: input.trigger ?? 'operator',
      ...(input.overrideId ? { overrideId: input.overrideId } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.owner ? { owner: input.owner } : {}),
      requestId: input.requestId ?? executionName ?? `restore-${now.toISOString()}`,
      dryRun: (input.dryRun ?? false) || deps.dryRun,
      at: now.toISOString(),
    },
    region: deps.config.region,
    ...(executionName ? { executionName } : {}),
    stage: 0,
    stages: 1,
    resources: [],
    differences: [],
    notes: [],
    waitSeconds: 0,
    throttled: 0,
  };
}

/**
 * The min / max a target goes back to: the snapshot's, unless a scheduled action fired while scheduled
 * scaling was suspended (missed actions are not replayed): then the last one's min / max.
 */
function finalOfTarget(snapshot: Snapshot['services'][number], since: Date, now: Date, notes: string[]) {
  const target = snapshot.target!;
  let min = target.min;
  let max = target.max;
  let from: string | undefined;
  let latest = 0;
  if (!target.suspended.scheduled) {
    for (const action of snapshot.scheduledActions) {
      const fired = lastFiring(action, since, now);
      if (!fired) continue;
      if ('unknown' in fired) {
        notes.push(`${snapshot.key}: scheduled action ${action.name} not re-applied (${fired.unknown})`);
        continue;
      }
      if (fired.at.getTime() < latest) continue;
      latest = fired.at.getTime();
      min = action.min ?? min;
      max = action.max ?? max;
      from = action.name;
    }
  }
  return { min, max, ...(from ? { from } : {}) };
}

/** 'Load Override': the override to restore, its snapshot, and what each resource goes back to. */
export async function loadOverride(state: RestoreState, deps: ScalingDeps): Promise<RestoreState> {
  const now = deps.clock();
  const lock = await readLock(deps);
  const overrideId = state.request.overrideId ?? lock?.overrideId;
  if (!overrideId) {
    if (state.request.trigger === 'operator') {
      throw new NoActiveOverride(`There is no override in ${state.region} to restore: nothing was changed.`);
    }
    return { ...state, phase: 'nothing', message: 'No override to restore.' };
  }
  const record = await getOverride(deps, overrideId);
  if (!record)
    throw new SnapshotMissing(
      `Override ${overrideId} has no record (snapshot) in the ledger: nothing was changed. Restore by hand from the operations log.`,
    );
  if (record.status === 'restored') {
    return {
      ...state,
      overrideId,
      phase: 'nothing',
      message: `Override ${overrideId} was already restored at ${String(record.restoredAt)}: nothing changes twice.`,
    };
  }
  const notes: string[] = [];
  const resources = resourcesOf(record, new Date(record.startedAt), now, notes);
  const stages = Math.max(1, deps.config.policy.restoreSteps);
  if (state.request.dryRun) {
    return {
      ...state,
      overrideId,
      resources,
      notes,
      phase: 'nothing',
      message: `Dry run: ${resources.length} resources would be restored in ${stages} stages.`,
    };
  }
  if (lock?.overrideId === overrideId) await setLockStatus(deps, overrideId, 'restoring');
  await updateOverride(deps, overrideId, {
    status: 'restoring',
    restoreStartedAt: now.toISOString(),
    restoreTrigger: state.request.trigger,
  });
  return { ...state, overrideId, resources, notes, stages, stage: 0, phase: 'stepping', waitSeconds: 0 };
}

/** What Ballast applied (from the override's plan) and what goes back (the snapshot), per resource. */
function resourcesOf(record: OverrideRecord, since: Date, now: Date, notes: string[]): RestoreResource[] {
  const plan = (record.plan ?? []) as {
    service: string;
    target: number;
    maxCapacity: number;
    lever: string;
    keepOutSuspended: boolean;
  }[];
  const hosts = (record.hosts ?? []) as { group: string; newMin: number; newMax: number; applied: boolean }[];
  const resources: RestoreResource[] = [];
  for (const p of plan) {
    const snap = record.snapshot.services.find((s) => s.key === p.service);
    if (!snap) continue;
    if (p.lever === 'register' && snap.target) {
      const final = finalOfTarget(snap, since, now, notes);
      resources.push({
        kind: 'target',
        key: p.service,
        applied: {
          min: p.target,
          max: p.maxCapacity,
          dynamicIn: true,
          dynamicOut: p.keepOutSuspended,
          scheduled: true,
        },
        final: {
          min: final.min,
          max: final.max,
          dynamicIn: snap.target.suspended.dynamicIn,
          dynamicOut: snap.target.suspended.dynamicOut,
          scheduled: snap.target.suspended.scheduled,
        },
        stage: 0,
        ...(final.from ? { scheduledFrom: final.from } : {}),
      });
    } else if (p.target > snap.desired) {
      resources.push({
        kind: 'service',
        key: p.service,
        applied: { desired: p.target },
        final: { desired: snap.desired },
        stage: 0,
      });
    }
  }
  for (const h of hosts) {
    const snap = record.snapshot.groups.find((g) => g.name === h.group);
    if (!snap || !h.applied) continue;
    resources.push({
      kind: 'group',
      key: h.group,
      applied: { min: h.newMin, max: h.newMax },
      final: { min: snap.min, max: snap.max },
      stage: 0,
    });
  }
  return resources;
}

/** The values a resource has after stage `k` of `n`: 1 puts the suspension back, 2..n lower MinCapacity, n is final. */
export function valuesAtStage(r: RestoreResource, k: number, n: number): Values {
  if (k <= 0) return r.applied;
  if (r.kind !== 'target') return k >= n ? r.final : r.applied;
  const suspension = { dynamicIn: r.final.dynamicIn!, dynamicOut: r.final.dynamicOut!, scheduled: r.final.scheduled! };
  if (k >= n) return r.final;
  const from = Number(r.applied.min);
  const to = Number(r.final.min);
  const lowering = n - 1;
  const min = k <= 1 ? from : Math.ceil(from - ((from - to) * (k - 1)) / lowering);
  return { min: Math.max(min, to), max: r.applied.max!, ...suspension };
}

const sameValues = (a: Values, b: Values) => Object.keys(a).every((k) => a[k] === b[k]);

/**
 * 'Restore Stage': one stage for every resource, at most APPLY_BATCH calls a step (a throttled call backs
 * off; the next step goes on). Before changing a resource it reads it: if it is not what Ballast left at
 * the previous stage, someone changed it (a deploy), and it is left as they set it (a conflict).
 */
export async function restoreStage(state: RestoreState, deps: ScalingDeps): Promise<RestoreState> {
  const stage = state.stage + 1;
  const n = state.stages;
  const resources = state.resources.map((r) => ({ ...r }));
  const todo = resources.filter((r) => !r.conflict && r.stage < stage && (r.kind === 'target' || stage >= n));
  const current = await currentValues(deps, todo);
  let calls = 0;
  let throttled = false;
  for (const r of todo) {
    if (calls >= APPLY_BATCH) break;
    const expected = valuesAtStage(r, stage - 1, n);
    const now = current.get(`${r.kind}:${r.key}`);
    if (!now) {
      r.conflict = 'gone: the resource no longer exists';
      continue;
    }
    if (!sameValues(pick(expected, now), now)) {
      r.conflict = `changed during the override: expected ${JSON.stringify(pick(expected, now))}, found ${JSON.stringify(now)}; kept`;
      continue;
    }
    const next = valuesAtStage(r, stage, n);
    try {
      calls++;
      await apply(deps, r, next);
      r.stage = stage;
    } catch (error) {
      if (!isTransientAwsError(error)) throw error;
      throttled = true;
      break;
    }
  }
  for (const r of resources) if (!r.conflict && r.kind !== 'target' && stage < n) r.stage = stage;
  const pending = resources.filter((r) => !r.conflict && r.stage < stage).length;
  if (pending > 0) {
    const count = throttled ? state.throttled + 1 : state.throttled;
    return {
      ...state,
      resources,
      throttled: count,
      phase: 'stepping',
      waitSeconds: throttled ? Math.min(60, 2 ** Math.min(count, 6)) : 0,
    };
  }
  const last = stage >= n;
  return {
    ...state,
    resources,
    stage,
    phase: last ? 'verify' : 'stepping',
    waitSeconds: last ? 0 : deps.config.policy.restoreStepSeconds,
  };
}

function pick(values: Values, like: Values): Values {
  return Object.fromEntries(Object.keys(like).map((k) => [k, values[k]!]));
}

async function apply(deps: ScalingDeps, r: RestoreResource, v: Values): Promise<void> {
  if (r.kind === 'target') {
    const { cluster, service } = splitKey(r.key);
    await deps.clients.applicationAutoScaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: ECS_NAMESPACE,
        ResourceId: resourceIdOf(cluster, service),
        ScalableDimension: ECS_DIMENSION,
        MinCapacity: Number(v.min),
        MaxCapacity: Number(v.max),
        SuspendedState: {
          DynamicScalingInSuspended: Boolean(v.dynamicIn),
          DynamicScalingOutSuspended: Boolean(v.dynamicOut),
          ScheduledScalingSuspended: Boolean(v.scheduled),
        },
      }),
    );
  } else if (r.kind === 'service') {
    const { cluster, service } = splitKey(r.key);
    await deps.clients.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: Number(v.desired) }));
  } else {
    await deps.clients.autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: r.key,
        MinSize: Number(v.min),
        MaxSize: Number(v.max),
      }),
    );
  }
}

/** What the resources are now, by `<kind>:<key>`, in the shape of their `applied` values. */
async function currentValues(deps: ScalingDeps, resources: readonly RestoreResource[]): Promise<Map<string, Values>> {
  const out = new Map<string, Values>();
  const targets = resources
    .filter((r) => r.kind === 'target')
    .map((r) => ({ ...splitKey(r.key), name: splitKey(r.key).service }));
  if (targets.length > 0) {
    for (const [key, t] of await describeTargets(deps, targets)) {
      out.set(`target:${key}`, {
        min: t.min,
        max: t.max,
        dynamicIn: t.suspended.dynamicIn,
        dynamicOut: t.suspended.dynamicOut,
        scheduled: t.suspended.scheduled,
      });
    }
  }
  const services = resources
    .filter((r) => r.kind === 'service')
    .map((r) => ({ ...splitKey(r.key), name: splitKey(r.key).service }));
  if (services.length > 0) {
    for (const [key, s] of await describeServices(deps, services))
      out.set(`service:${key}`, { desired: s.desiredCount ?? 0 });
  }
  const groups = resources.filter((r) => r.kind === 'group');
  if (groups.length > 0) {
    for (const g of await describeGroups(
      deps,
      groups.map((r) => ({ name: r.key, cluster: '' })),
    )) {
      out.set(`group:${g.name}`, { min: g.min, max: g.max });
    }
  }
  return out;
}

/**
 * 'Verify Restore': every resource against the snapshot, except counts the scaler now owns (desired and
 * running), and the conflicts kept on purpose; records the difference (expected: none), releases the
 * lock, emits `Scaling Override Restored` (and `Scaling Restore Conflict` when something was kept).
 */
export async function verifyRestore(state: RestoreState, deps: ScalingDeps): Promise<RestoreState> {
  const now = deps.clock();
  if (!state.overrideId)
    throw new SnapshotMissing('Verify Restore without an override id: the definition and the functions do not match.');
  const record = await getOverride(deps, state.overrideId);
  if (!record) throw new SnapshotMissing(`Override ${state.overrideId} has no record in the ledger.`);
  const differences: string[] = [];
  const byKey = new Map(state.resources.map((r) => [`${r.kind}:${r.key}`, r]));
  const targets = await describeTargets(
    deps,
    record.snapshot.services.filter((s) => s.target).map((s) => ({ cluster: s.cluster, name: s.service })),
  );
  const scheduledNow = await describeAllScheduledActions(deps);
  const policiesNow = await describeAllPolicyNames(deps);
  for (const snap of record.snapshot.services) {
    if (!snap.target) continue;
    const r = byKey.get(`target:${snap.key}`);
    if (r?.conflict) continue;
    const now_ = targets.get(snap.key);
    const expected = r
      ? r.final
      : {
          min: snap.target.min,
          max: snap.target.max,
          dynamicIn: snap.target.suspended.dynamicIn,
          dynamicOut: snap.target.suspended.dynamicOut,
          scheduled: snap.target.suspended.scheduled,
        };
    const found = now_
      ? {
          min: now_.min,
          max: now_.max,
          dynamicIn: now_.suspended.dynamicIn,
          dynamicOut: now_.suspended.dynamicOut,
          scheduled: now_.suspended.scheduled,
        }
      : undefined;
    if (!found) differences.push(`${snap.key}: scalable target is gone`);
    else if (!sameValues(expected, found))
      differences.push(`${snap.key}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(found)}`);
    const actions = scheduledNow.get(resourceIdOf(snap.cluster, snap.service)) ?? [];
    if (JSON.stringify(actions) !== JSON.stringify(snap.scheduledActions))
      differences.push(`${snap.key}: scheduled actions differ from the snapshot`);
    const policies = policiesNow.get(resourceIdOf(snap.cluster, snap.service)) ?? [];
    if (JSON.stringify(policies) !== JSON.stringify(snap.policies))
      differences.push(`${snap.key}: scaling policies ${policies.join(', ')} differ from ${snap.policies.join(', ')}`);
  }
  const groups = await describeGroups(deps, record.snapshot.groups);
  for (const snap of record.snapshot.groups) {
    if (byKey.get(`group:${snap.name}`)?.conflict) continue;
    const g = groups.find((x) => x.name === snap.name);
    if (!g) differences.push(`${snap.name}: group is gone`);
    else if (g.min !== snap.min || g.max !== snap.max)
      differences.push(`${snap.name}: expected min ${snap.min} max ${snap.max}, found min ${g.min} max ${g.max}`);
    else if (JSON.stringify(g.suspendedProcesses) !== JSON.stringify(snap.suspendedProcesses))
      differences.push(`${snap.name}: suspended processes differ from the snapshot`);
  }
  const conflicts = state.resources
    .filter((r) => r.conflict)
    .map((r) => ({ resource: r.key, kind: r.kind, conflict: r.conflict }));
  await updateOverride(deps, state.overrideId, {
    status: 'restored',
    restoredAt: now.toISOString(),
    restoreDiff: differences,
    conflicts,
    restoreNotes: state.notes,
  });
  await setLockStatus(deps, state.overrideId, 'restored');
  await deps.ledger.appendOperation(now, `${state.overrideId}-restore`, {
    operation: 'restore-scaling',
    overrideId: state.overrideId,
    trigger: state.request.trigger,
    owner: state.request.owner ?? state.executionName,
    reason: state.request.reason,
    differences,
    conflicts: conflicts.length,
  });
  const detail = {
    region: state.region,
    overrideId: state.overrideId,
    trigger: state.request.trigger,
    reason: state.request.reason,
    differences,
    conflicts,
    scheduledReapplied: state.resources
      .filter((r) => r.scheduledFrom)
      .map((r) => ({ resource: r.key, action: r.scheduledFrom })),
    notes: state.notes,
  };
  for (const c of conflicts) {
    await emitScaling(deps, SCALING_EVENT.conflict, {
      region: state.region,
      overrideId: state.overrideId,
      ...c,
      message: `${c.resource} was changed during the override; the newer value was kept.`,
    });
  }
  await emitScaling(deps, SCALING_EVENT.restored, {
    ...detail,
    message:
      differences.length === 0
        ? 'Every resource is back to its snapshot.'
        : `Restored with ${differences.length} difference(s) from the snapshot.`,
  });
  return { ...state, differences, phase: 'done' };
}

/** 'Record Restore Failure': what stage each resource reached, for the person who finishes it. */
export async function recordRestoreFailure(state: RestoreState, deps: ScalingDeps): Promise<RestoreState> {
  const now = deps.clock();
  if (state.overrideId) {
    await updateOverride(deps, state.overrideId, {
      restoreFailedAt: now.toISOString(),
      restoreFailure: state.error,
      restoreProgress: state.resources,
    });
  }
  await deps.ledger.appendOperation(now, `${state.overrideId ?? 'none'}-restore-failure`, {
    operation: 'restore-scaling',
    kind: 'failed',
    overrideId: state.overrideId,
    error: state.error,
  });
  return state;
}
