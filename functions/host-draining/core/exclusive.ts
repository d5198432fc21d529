import type { DrainRecord } from '#shared/ledger.ts';
import { type DrainState, HookRef } from '../state.ts';
import type { DrainDeps } from './deps.ts';
import { holderIsRunning } from './reclaim.ts';
import { addSeconds, GLOBAL_TIMEOUT_MARGIN_SECONDS } from './timing.ts';

/**
 * One drain per instance (issue 10, defect 9). A host can be asked to drain twice: an operator's manual
 * drain of a host already in its terminate hook, a Spot warning for a host Auto Scaling is terminating, a
 * terminate hook for a host a person is draining. Two drains at once would take two budget slots and race
 * each other's lifecycle action. The rule, checked by 'Resolve Request' (best effort: two requests resolved
 * in the same instant can both pass):
 *  - a manual drain of a host that a running drain holds changes nothing (use extend or release);
 *  - a terminate hook or a Spot warning takes over the running drain: it inherits the budget slot, the
 *    lifecycle hook (a Spot drain of a host in its terminate hook completes that hook) and the earlier
 *    deadline, and the running drain ends as `superseded` at its next step without completing anything.
 */

/** Kinds that hold a host. */
export const DRAINING_KINDS: readonly string[] = ['terminate', 'spot', 'manual-drain'];

/** The running drain of the instance other than `drainId` (its execution still running), if any. */
export async function runningDrainOf(
  deps: DrainDeps,
  instanceId: string,
  drainId: string,
): Promise<DrainRecord | undefined> {
  const records = await deps.ledger.drainsOf(deps.config.region, instanceId);
  for (const record of records) {
    if (record.status !== 'active' || record.drainId === drainId || !DRAINING_KINDS.includes(record.trigger)) continue;
    if ((await holderIsRunning(record, deps)).running) return record;
  }
  return undefined;
}

/** The latest lifecycle drain of the instance that knew its terminate hook (for the hook's real timeline). */
export async function lastHookOf(deps: DrainDeps, instanceId: string, hookName: string): Promise<HookRef | undefined> {
  const records = await deps.ledger.drainsOf(deps.config.region, instanceId);
  for (const record of records) {
    if (record.trigger !== 'terminate' || !record.hook) continue;
    const hook = HookRef.safeParse(record.hook);
    if (hook.success && hook.data.name === hookName) return hook.data;
  }
  return undefined;
}

/**
 * What the taking-over drain inherits from the running one: its hook (when it has none of its own), the
 * earlier deadline, and the budget slot (moved to the new holder: released, then taken without a limit, so
 * the cluster's count of draining hosts does not change).
 */
export async function takeOver(state: DrainState, running: DrainRecord, deps: DrainDeps): Promise<DrainState> {
  const { region } = deps.config;
  const hook = state.hook ?? (running.hook ? HookRef.parse(running.hook) : undefined);
  let deadlineAt = state.deadlineAt;
  if (typeof running.deadlineAt === 'string' && running.deadlineAt < deadlineAt) deadlineAt = running.deadlineAt;
  if (hook) {
    const latest = addSeconds(hook.globalDeadlineAt, -GLOBAL_TIMEOUT_MARGIN_SECONDS);
    if (latest < deadlineAt) deadlineAt = latest;
  }
  const cluster = typeof running.cluster === 'string' ? running.cluster : state.cluster;
  const oldHolder = `${running.instanceId}#${running.drainId}`;
  let held = false;
  if (cluster) {
    const holders = await deps.ledger.budgetHolders(region, cluster);
    if (holders.includes(oldHolder)) {
      await deps.ledger.releaseBudget(region, cluster, oldHolder);
      held = await deps.ledger.acquireBudget(region, cluster, state.budget.holder, Number.MAX_SAFE_INTEGER);
    }
    // A retried step finds the slot already moved.
    held ||= holders.includes(state.budget.holder);
  }
  await deps.ledger.updateDrain(region, running.instanceId, running.drainId, {
    status: 'superseded',
    supersededBy: state.request.drainId,
  });
  await deps.ledger.updateDrain(region, state.request.instanceId, state.request.drainId, {
    deadlineAt,
    supersedes: running.drainId,
    ...(hook ? { hook } : {}),
  });
  deps.logger.info('Taking over the running drain of the instance', {
    running: running.drainId,
    trigger: running.trigger,
    slot: held,
  });
  return {
    ...state,
    ...(hook ? { hook } : {}),
    deadlineAt,
    // A Spot drain goes at once, and so does a drain that takes over a Spot drain (the host has minutes).
    budget: { ...state.budget, held, ...(running.trigger === 'spot' && !held ? { overridden: true } : {}) },
    message: `${state.message} Takes over ${running.drainId} (${running.trigger}), which ends as superseded.`,
  };
}

/** A drain whose record says another drain took it over: it ends with nothing completed and no slot. */
export function superseded(state: DrainState, record: DrainRecord | undefined): DrainState | undefined {
  if (record?.status !== 'superseded') return undefined;
  const { lifecycleResult: _dropped, ...rest } = state;
  return {
    ...rest,
    budget: { ...state.budget, held: false },
    phase: 'finish',
    outcome: 'superseded',
    waitSeconds: 0,
    message: `Taken over by drain ${String(record.supersededBy ?? 'another')} of the same instance, which holds its budget slot and lifecycle action: this one ends here.`,
  };
}
