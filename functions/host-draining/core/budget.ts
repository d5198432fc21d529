import type { DrainState } from '../state.ts';
import type { DrainDeps } from './deps.ts';
import { finish } from './drain.ts';
import { superseded } from './exclusive.ts';
import { heartbeatIfDue, markPending, required } from './hook.ts';
import { clusterSize } from './hosts.ts';
import { closeAbandonedDrain, holderIsRunning } from './reclaim.ts';
import { capWait, nextWait, seconds } from './timing.ts';

/**
 * The drain budget: 'Acquire Budget' and the sweep of slots left behind by drains that died without
 * releasing them. The slot is given back by 'Release Budget' (./finish.ts).
 */

/**
 * How often a full budget's holders are checked (their records and executions) by the drains waiting on it:
 * once per cluster in this time, whichever waiting drain comes first. The status-change rule (./reclaim.ts)
 * frees a dead holder's slot at once; this sweep is the backstop for a lost event.
 */
export const BUDGET_SWEEP_EVERY_SECONDS = 60;

/**
 * The longest wait between two tries for a slot (doubling from the poll's `initialSeconds`). A slot is freed
 * when a drain ends, and a refresh terminates its next hosts only when drains end: a waiter that slept 5
 * minutes held up the refresh by that much (the 200-host refresh bench took 1,590 s with waits doubling to
 * 300 s, 1,425 s with this cap; the ideal drainer, 1,425 s). A host waits at most half its deadline (then it
 * drains without a slot), at most 24 h: 1,440 tries of 9 history events, far under the 25,000 limit.
 */
export const BUDGET_RETRY_MAX_SECONDS = 60;

/**
 * Drain starts of one cluster are spaced this far apart. Each start lists its host's tasks (ListTasks desired
 * RUNNING and desired STOPPED, one DescribeTasks): ECS reads drawn from the account's buckets that the
 * users' own deploys share (20 a second each). An instance refresh or a scale-in hands Ballast its hooks in
 * batches (up to the budget at once); unspaced, their starts read ECS in the same second (14 ListTasks in
 * one second in the 200-host refresh bench). Spaced a second apart, any one second holds the reads of at
 * most two starts: 4 ListTasks, under a quarter of the refill rate. The host is set DRAINING at once all
 * the same ('Start Drain'), so its tasks start moving without waiting; only the listing waits its turn.
 */
export const START_SPACING_MS = 1000;

/**
 * 'Acquire Budget': takes one of the cluster's drain slots (at most `budgetHosts`, or `budgetPercent` of the
 * cluster's hosts, the smaller). Hosts that must wait are marked with the `ballast.drain-pending` attribute,
 * so tasks moving off draining hosts avoid them (services that use the placement constraint
 * `attribute:ballast.drain-pending !exists`), and the hook is kept alive with heartbeats. A host that has
 * waited half its deadline goes ahead without a slot (reported), so it still has half its time to drain.
 * Spot drains never wait.
 */
export async function acquireBudget(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  const now = deps.clock();
  const { ledger, config } = deps;
  const cluster = required(state.cluster, 'cluster');
  if (state.request.kind === 'spot') {
    return { ...state, phase: 'draining', message: 'Spot interruption: draining at once, outside the budget.' };
  }
  if (state.budget.overridden) {
    // Took over a Spot drain: the host has minutes, it drains at once (an inherited slot is found below).
    return { ...state, phase: 'draining', message: `${state.message} Draining at once (took over a Spot drain).` };
  }
  // An operator may have released the host while it waited for a slot, or another drain taken it over (also
  // in the moment since Resolve: a Spot warning resolved at the same instant; then no slot may be taken).
  const record = await ledger.getDrain(config.region, state.request.instanceId, state.request.drainId);
  if (record?.status === 'released') {
    return finish(state, 'released', 'Released by an operator while waiting for a drain slot: not drained.');
  }
  const over = superseded(state, record);
  if (over) return over;
  const size = await clusterSize(deps.clients.ecs, cluster);
  const byPercent = Math.floor((size * state.policy.budgetPercent) / 100);
  const max = Math.max(1, Math.min(state.policy.budgetHosts, byPercent));
  if (state.dryRun) {
    const holders = await ledger.budgetHolders(config.region, cluster);
    deps.logger.info('Dry-run: would take a drain budget slot', { cluster, max, holders });
    return {
      ...state,
      phase: 'draining',
      budget: { ...state.budget, max },
      message: `Dry-run: budget ${holders.length}/${max} in use.`,
    };
  }
  const pace = { now, spacingMs: START_SPACING_MS };
  let held = await ledger.acquireBudget(config.region, cluster, state.budget.holder, max, pace);
  if (
    !held &&
    (await ledger.claimBudgetSweep(config.region, cluster, now, BUDGET_SWEEP_EVERY_SECONDS)) &&
    (await sweepStaleHolders(state, deps, cluster)) > 0
  ) {
    held = await ledger.acquireBudget(config.region, cluster, state.budget.holder, max, pace);
  }
  if (held) {
    const startAt = held.startAt && held.startAt > now ? held.startAt.toISOString() : undefined;
    deps.logger.info('Drain budget slot taken', { cluster, max, holder: state.budget.holder, startAt });
    return {
      ...state,
      phase: 'draining',
      budget: { ...state.budget, held: true, max, ...(startAt ? { startAt } : {}) },
      message: `Budget slot taken (max ${max}).`,
    };
  }

  const waitingSince = state.budget.waitingSince ?? now.toISOString();
  const window = seconds(state.receivedAt, new Date(state.deadlineAt));
  if (seconds(waitingSince, now) >= window / 2) {
    deps.logger.warn('Drain budget still full after half the deadline: draining without a slot', { cluster, max });
    return {
      ...state,
      phase: 'draining',
      budget: { ...state.budget, max, waitingSince, overridden: true },
      message: `Budget full (${max}) for half the deadline: draining without a slot.`,
    };
  }
  let next = await markPending(state, deps, 'terminate');
  next = await heartbeatIfDue(next, deps, now);
  const waitSeconds = capWait(
    next,
    nextWait(state.waitSeconds, false, config.poll.initialSeconds, BUDGET_RETRY_MAX_SECONDS),
    now,
  );
  return {
    ...next,
    phase: 'waiting-budget',
    budget: { ...next.budget, max, waitingSince },
    waitSeconds,
    message: `Waiting for a drain slot of ${cluster} (${max} in use); next try in ${waitSeconds} s.`,
  };
}

/**
 * Frees slots whose holder's drain is no longer active: a record already finished, or one whose execution is
 * not running any more (stopped from outside, timed out, failed without reaching a Catch). The latter's
 * record is closed with the execution's real outcome (./reclaim.ts).
 */
async function sweepStaleHolders(state: DrainState, deps: DrainDeps, cluster: string): Promise<number> {
  let freed = 0;
  for (const holder of await deps.ledger.budgetHolders(deps.config.region, cluster)) {
    const [instanceId, drainId] = holder.split('#');
    if (!instanceId || !drainId || holder === state.budget.holder) continue;
    const record = await deps.ledger.getDrain(deps.config.region, instanceId, drainId);
    if (record?.status !== 'active') {
      deps.logger.warn('Freeing a stale drain budget slot', { cluster, holder, status: record?.status });
      await deps.ledger.releaseBudget(deps.config.region, cluster, holder);
      freed += 1;
      continue;
    }
    const owner = await holderIsRunning(record, deps);
    if (!owner.running && (await closeAbandonedDrain(record, owner, deps))) freed += 1;
  }
  return freed;
}
