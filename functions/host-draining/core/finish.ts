import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { DRAIN_EVENT, type DrainEventType } from '#events/ballast-events.ts';
import type { DrainState } from '../state.ts';
import { type DrainDeps, isNoActiveLifecycleAction } from './deps.ts';
import { emit, eventDetail, noteDelivery } from './emit.ts';
import { superseded } from './exclusive.ts';
import { countByClass, totalCounts } from './hosts.ts';
import { hookEndMessage, hookEndOutcome } from './timing.ts';

/**
 * The end of every path: 'Complete Lifecycle Action', 'Release Budget', 'Record Outcome' (each one
 * invocation of functions/host-draining/finish.ts). A lifecycle action is completed only here, only after
 * the work succeeded (or the deadline policy said so), and a lifecycle action that is no longer pending
 * (completed elsewhere, expired, instance gone) is recorded, not an error.
 */

/** Outcomes reached while the host was held in its hook: a missing action at completion changes them. */
const HOOK_HELD_OUTCOMES: readonly string[] = ['drained', 'forced', 'timed-out', 'retained'];

/** 'Complete Lifecycle Action': CONTINUE or ABANDON, by token (or by instance id for manual drains). */
export async function completeLifecycleAction(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  const hook = state.hook;
  if (!hook || !state.lifecycleResult || state.lifecycleCompleted) return state;
  if (state.dryRun) {
    deps.logger.info('Dry-run: would complete the lifecycle action', {
      hook: hook.name,
      result: state.lifecycleResult,
    });
    return state;
  }
  // The intent is recorded before the call: a retry after a lost response finds it and knows that the
  // action it no longer finds pending was completed by this drain, not by someone else.
  const { region } = deps.config;
  const { instanceId, drainId } = state.request;
  const record = await deps.ledger.markCompleting(region, instanceId, drainId, state.lifecycleResult);
  // Taken over while it settled: the drain that took over completes the action (the intent written on this,
  // the superseded drain's record, is not read by anyone).
  const over = superseded(state, record);
  if (over) return over;
  const prior = record?.completing;
  try {
    await deps.clients.autoScaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: hook.group,
        LifecycleHookName: hook.name,
        LifecycleActionResult: state.lifecycleResult,
        InstanceId: state.request.instanceId,
        ...(hook.token ? { LifecycleActionToken: hook.token } : {}),
      }),
    );
    deps.logger.info('Lifecycle action completed', { hook: hook.name, result: state.lifecycleResult });
    return { ...state, lifecycleCompleted: true };
  } catch (error) {
    if (!isNoActiveLifecycleAction(error)) throw error;
    deps.logger.warn(
      'No pending lifecycle action to complete (completed elsewhere, expired, or the instance is gone)',
      {
        hook: hook.name,
      },
    );
    // A drain that ends here expected the action to be pending: it expired or was completed elsewhere, and
    // is reported as that, never as drained.
    if (state.outcome && HOOK_HELD_OUTCOMES.includes(state.outcome)) {
      const outcome = hookEndOutcome(state, deps.clock());
      if (outcome === 'hook-lost' && prior === state.lifecycleResult) {
        deps.logger.info('The lifecycle action was completed by an earlier attempt of this step (response lost)');
        return { ...state, lifecycleCompleted: true };
      }
      return { ...state, lifecycleCompleted: false, outcome, message: `${hookEndMessage(outcome)} (${state.message})` };
    }
    return {
      ...state,
      lifecycleCompleted: false,
      message: `${state.message} (The lifecycle action was no longer pending.)`,
    };
  }
}

/** 'Release Budget': gives the cluster's drain slot back (idempotent; also on failure paths). */
export async function releaseBudget(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  if (!state.budget.held || !state.cluster) return state;
  if (state.dryRun) return { ...state, budget: { ...state.budget, held: false } };
  await deps.ledger.releaseBudget(deps.config.region, state.cluster, state.budget.holder);
  deps.logger.info('Drain budget slot released', { cluster: state.cluster, holder: state.budget.holder });
  return { ...state, budget: { ...state.budget, held: false } };
}

/** The Ballast event that reports an outcome. */
export function eventTypeFor(state: DrainState): DrainEventType {
  if (state.request.kind === 'health' && state.outcome === 'marked') return DRAIN_EVENT.maintenanceScheduled;
  switch (state.outcome) {
    case 'launch-ready':
      return DRAIN_EVENT.hostReady;
    case 'launch-timed-out':
      return DRAIN_EVENT.launchAbandoned;
    case 'timed-out':
    case 'forced':
    case 'spot-deadline':
    case 'hook-expired':
      return DRAIN_EVENT.timedOut;
    case 'hook-lost':
      return DRAIN_EVENT.hookLost;
    case 'retained':
      return DRAIN_EVENT.retained;
    case 'marked':
    case 'extended':
    case 'skipped':
    case 'duplicate':
    case 'superseded':
    case 'warm-pool':
      return DRAIN_EVENT.skipped;
    default:
      return DRAIN_EVENT.completed;
  }
}

/**
 * 'Record Outcome': writes the drain record (trigger, tasks by class, times, outcome; the drain's entry in
 * the operations log), lets go of the instance claim, and emits the final Ballast event. `Host Retained` says that a person must decide about the host.
 */
export async function recordOutcome(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  const now = deps.clock();
  const finishedAt = now.toISOString();
  const outcome = state.outcome ?? (state.error ? undefined : 'drained');
  const failed = state.error !== undefined;
  const message = failed ? `Drain failed: ${describeError(state.error)}` : state.message;
  const final: DrainState = { ...state, ...(outcome ? { outcome } : {}), message };
  // The final event first (best effort, retried), so the record can say whether it was delivered.
  let undelivered = state.undeliveredEvents ?? [];
  if (!failed) {
    const type = eventTypeFor(final);
    const text =
      type === DRAIN_EVENT.retained
        ? `${message} A person must decide: terminate the instance, or release it with {"action": "release"} once safe.`
        : message;
    undelivered =
      noteDelivery(final, type, await emit(deps, type, eventDetail(final, text, finishedAt))).undeliveredEvents ?? [];
  }
  await deps.ledger.updateDrain(deps.config.region, state.request.instanceId, state.request.drainId, {
    status: 'finished',
    outcome: failed ? 'failed' : outcome,
    finishedAt,
    tasks: totalCounts(state),
    remaining: countByClass(state.tasks, (t) => !t.stopped),
    stuckServices: state.stuckServices,
    lifecycleResult: state.lifecycleResult,
    lifecycleCompleted: state.lifecycleCompleted ?? false,
    budgetOverridden: state.budget.overridden ?? false,
    ...(undelivered.length > 0 ? { undeliveredEvents: undelivered } : {}),
    message,
  });
  // The host is free for the next drain (a no-op when another drain took it over, or this one held none).
  // Not when it completed a terminate hook with CONTINUE and the host is terminating: nothing drains it again
  // (a late request finds the claim's holder finished and takes the claim over), and the item expires with
  // its TTL. A host that goes into a warm pool comes back, so its claim is let go.
  const terminated =
    state.request.kind === 'terminate' &&
    state.lifecycleCompleted === true &&
    state.lifecycleResult === 'CONTINUE' &&
    state.request.destination !== 'WarmPool';
  if (state.action === 'drain' && !terminated) {
    await deps.ledger.releaseInstance(deps.config.region, state.request.instanceId, state.request.drainId);
  }
  // The drain record is the drain's entry in the operations log (listed by kind `drain` and time, with the
  // trigger, reason, outcome and message): a second item per drain would only repeat it. A drain that died
  // outside a Catch is logged by the reclaim (./reclaim.ts).
  deps.logger.info('Drain finished', { drainId: state.request.drainId, outcome: failed ? 'failed' : outcome });
  return undelivered.length > 0 ? { ...final, undeliveredEvents: undelivered } : final;
}

function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const e = error as { Error?: string; Cause?: string };
    return `${e.Error ?? 'Error'}: ${e.Cause ?? ''}`.slice(0, 1000);
  }
  return String(error);
}
