import { AwsTransient } from '#shared/errors.ts';
import type { DrainRecord, InstanceClaim } from '#shared/ledger.ts';
import { type DrainState, HookRef } from '../state.ts';
import type { DrainDeps } from './deps.ts';
import { holderIsRunning } from './reclaim.ts';
import { addSeconds, GLOBAL_TIMEOUT_MARGIN_SECONDS } from './timing.ts';

/**
 * One drain per instance (issue 10, defect 9). A host can be asked to drain twice: an operator's manual
 * drain of a host already in its terminate hook, a Spot warning for a host Auto Scaling is terminating, a
 * terminate hook for a host a person is draining. Two drains at once would take two budget slots and race
 * each other's lifecycle action. The rule, enforced by 'Resolve Request' with the instance claim (one ledger
 * item per instance, `INSTANCE#<region>#<instanceId>`, taken with a conditional write and handed over with a
 * compare-and-swap, so of two requests resolved in the same instant exactly one holds the host):
 *  - a manual drain of a host that a running drain holds changes nothing (use extend or release);
 *  - a terminate hook or a Spot warning takes over the running drain: it inherits the budget slot, the
 *    lifecycle hook (a Spot drain of a host in its terminate hook completes that hook) and the earlier
 *    deadline, and the running drain ends as `superseded` at its next step without completing anything.
 */

/** Kinds that hold a host. */
export const DRAINING_KINDS: readonly string[] = ['terminate', 'spot', 'manual-drain'];

/**
 * Marks the drain records whose drain takes the instance claim: a record without it was written by an
 * earlier version of Ballast, whose running drain holds no claim (see `holdInstance`).
 */
export const CLAIMS_INSTANCE = 'claimsInstance';

/**
 * The running drain of the instance other than `drainId` (its execution still running), if any. With
 * `unclaimedOnly`, only drains of an earlier version of Ballast (which hold no instance claim) count.
 */
export async function runningDrainOf(
  deps: DrainDeps,
  instanceId: string,
  drainId: string,
  options: { unclaimedOnly?: boolean } = {},
): Promise<DrainRecord | undefined> {
  const records = await deps.ledger.drainsOf(deps.config.region, instanceId);
  for (const record of records) {
    if (record.status !== 'active' || record.drainId === drainId || !DRAINING_KINDS.includes(record.trigger)) continue;
    if (options.unclaimedOnly && record[CLAIMS_INSTANCE] === true) continue;
    if ((await holderIsRunning(record, deps)).running) return record;
  }
  return undefined;
}

/** What `holdInstance` decided: this drain holds the host (taking over `previous`, if set), or it refuses. */
export type Hold =
  | { readonly held: true; readonly previous: DrainRecord | undefined }
  | { readonly held: false; readonly holder: DrainRecord };

/**
 * Takes the instance claim for the drain of `state` (its record already claimed). Free, or already this
 * drain's (a retried step): held. Held by a drain whose execution is no longer running (it ended without
 * reaching its end, and the reclaim has not run yet): taken over with a compare-and-swap, nothing inherited.
 * Held by a running drain: a manual drain refuses; a terminate hook or a Spot warning takes the claim with a
 * compare-and-swap and takes the running drain over (`previous`). A lost compare-and-swap (another request
 * changed the holder meanwhile) reads the new holder and decides again.
 */
export async function holdInstance(state: DrainState, deps: DrainDeps): Promise<Hold> {
  const { region } = deps.config;
  const { instanceId, drainId, kind } = state.request;
  const claim: InstanceClaim = {
    drainId,
    ...(state.execution !== undefined ? { execution: state.execution } : {}),
    trigger: kind,
    since: deps.clock().toISOString(),
  };
  let replaces: string | undefined;
  let supersedes: DrainRecord | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const out = await deps.ledger.claimInstance(
      region,
      instanceId,
      supersedes ? { ...claim, supersedes: supersedes.drainId } : claim,
      deps.clock(),
      replaces,
    );
    if (out.held) {
      if (supersedes) return { held: true, previous: supersedes };
      if (out.before?.drainId === drainId) {
        // A retried step: the claim is already this drain's; a takeover it began is finished again.
        const taken = out.before.supersedes
          ? await deps.ledger.getDrain(region, instanceId, out.before.supersedes)
          : undefined;
        return { held: true, previous: taken };
      }
      // Drains of an earlier version of Ballast hold no claim: the rule still holds for them.
      const legacy = await runningDrainOf(deps, instanceId, drainId, { unclaimedOnly: true });
      if (legacy && kind === 'manual-drain') {
        await deps.ledger.releaseInstance(region, instanceId, drainId);
        return { held: false, holder: legacy };
      }
      return { held: true, previous: legacy };
    }
    const holder = out.holder;
    replaces = holder?.drainId;
    supersedes = undefined;
    if (!holder) continue; // let go of between the write and the read: try again
    const record = await deps.ledger.getDrain(region, instanceId, holder.drainId);
    const running = record?.status === 'active' && (await holderIsRunning(record, deps)).running;
    if (!running || !record) {
      deps.logger.info('The instance claim is held by a drain that is not running: taking it', {
        holder: holder.drainId,
        status: record?.status,
      });
      continue;
    }
    if (kind === 'manual-drain') return { held: false, holder: record };
    supersedes = record;
  }
  throw new AwsTransient(
    `The instance claim of ${instanceId} changed hands 5 times while ${drainId} tried to take it: retrying the step`,
  );
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
      held = (await deps.ledger.acquireBudget(region, cluster, state.budget.holder, Number.MAX_SAFE_INTEGER)) !== false;
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
