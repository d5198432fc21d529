import type { DrainState } from '../state.ts';

/**
 * Time arithmetic of a drain. Everything takes `now` from the injected clock: the local cloud runs on
 * virtual time.
 *
 * History budget: one poll is ~9 history events (Task 5, Choice 2, Wait 2). Doubling from 15 s to a 300 s
 * cap, a 48 h drain polls ~580 times: ~5,300 events, far under Step Functions' 25,000.
 */
/** Seconds kept in hand before the hook's global timeout, to complete the action in time. */
export const GLOBAL_TIMEOUT_MARGIN_SECONDS = 120;

export const seconds = (from: string | Date, to: Date): number =>
  Math.floor((to.getTime() - new Date(from).getTime()) / 1000);

export const addSeconds = (at: string | Date, s: number): string =>
  new Date(new Date(at).getTime() + s * 1000).toISOString();

/** The next back-off interval: doubling from `initial` to `max`, back to `initial` after progress. */
export function nextWait(previous: number, progress: boolean, initial: number, max: number): number {
  if (progress || previous <= 0) return initial;
  return Math.min(max, previous * 2);
}

/** Seconds until the next heartbeat must be recorded (half the hook's HeartbeatTimeout after the last one). */
export function heartbeatDueIn(state: DrainState, now: Date): number | undefined {
  if (!state.hook) return undefined;
  if (!state.lastHeartbeatAt && state.heartbeatUnknown) return 0;
  const last = state.lastHeartbeatAt ?? state.request.eventTime;
  return Math.floor(state.hook.heartbeatTimeoutSeconds / 2) - seconds(last, now);
}

/**
 * Caps a wait so that the next check comes before the deadline and before a heartbeat is due: the
 * lifecycle hook never runs out while Ballast sleeps.
 */
export function capWait(state: DrainState, wanted: number, now: Date): number {
  let wait = wanted;
  const toDeadline = seconds(now, new Date(state.deadlineAt));
  if (toDeadline > 0) wait = Math.min(wait, toDeadline);
  const beat = heartbeatDueIn(state, now);
  if (beat !== undefined) wait = Math.min(wait, Math.max(1, beat));
  return Math.max(1, Math.floor(wait));
}

/**
 * Why a lifecycle action that Ballast expected to be pending is not: `hook-expired` when its heartbeat or
 * global timeout has passed by Ballast's own count (Ballast could not heartbeat in time), else `hook-lost`
 * (completed outside Ballast).
 */
export function hookEndOutcome(state: DrainState, now: Date): 'hook-expired' | 'hook-lost' {
  if (!state.hook) return 'hook-lost';
  const last = state.lastHeartbeatAt ?? state.request.eventTime;
  const expired =
    (!(state.heartbeatUnknown && !state.lastHeartbeatAt) && seconds(last, now) >= state.hook.heartbeatTimeoutSeconds) ||
    now.getTime() >= new Date(state.hook.globalDeadlineAt).getTime();
  return expired ? 'hook-expired' : 'hook-lost';
}

/** The message of a drain whose lifecycle action was no longer pending. */
export function hookEndMessage(outcome: 'hook-expired' | 'hook-lost'): string {
  return outcome === 'hook-expired'
    ? 'The lifecycle action expired (its heartbeat or global timeout ran out) before Ballast completed it: the instance may have terminated with tasks or connections left.'
    : 'The lifecycle action was completed outside Ballast before the drain finished: the instance may have terminated before it was drained.';
}
