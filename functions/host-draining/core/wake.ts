import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { WakeItem } from '#shared/ledger.ts';
import type { DrainState } from '../state.ts';
import { type DrainDeps, errorName } from './deps.ts';
import { required } from './hook.ts';

/**
 * Waking a drain the moment its host's last task stops, instead of polling for it.
 *
 * 'Start Drain' opens the host's wake item in the ledger; from then on every `ECS Task State Change` to
 * STOPPED in a configured cluster is added to it (`onTaskStopped`, the wake function, from an EventBridge
 * rule). While tasks remain, the workflow's 'Wait For Tasks' (`.waitForTaskToken`) parks its token on the item
 * with the tasks it waits for (`parkDrain`); whichever write comes second (the park or the last stop) sees
 * both and sends the token back, so no stop is missed between the check and the park. DynamoDB serialises
 * the two writes on the one item, which is what makes that true. The answer reports the awaited tasks
 * STOPPED, which lets the woken check skip describing them (core/drain.ts).
 *
 * It does not depend on EventBridge alone: the wait ends anyway after `waitSeconds` (the fallback check,
 * capped by the next heartbeat and the deadline), and 'Check Tasks' always lists the host in ECS itself (a
 * reported task ECS still lists as desired RUNNING is described), so a lost, late or duplicated event only
 * costs time, never a wrong outcome. A wake sends no ECS call at all.
 */

/** The tasks whose stop lets the drain move on: the non-daemon ones while any is open, else the daemons. */
export function waitingFor(state: DrainState): string[] {
  const open = state.tasks.filter((t) => !t.stopped);
  const others = open.filter((t) => t.cls !== 'daemon');
  return (others.length > 0 ? others : open).map((t) => t.arn);
}

/** Whether the drain waits on `waitFor` with wake-ups (otherwise it polls). */
export function wakes(state: DrainState, deps: DrainDeps): boolean {
  return deps.config.poll.wake && state.request.kind !== 'spot' && !state.dryRun && !deps.dryRun;
}

/** 'Start Drain': the host's wake item, before DRAINING, so that every stop from now on is recorded. */
export async function openWake(state: DrainState, deps: DrainDeps): Promise<void> {
  if (!wakes(state, deps)) return;
  await deps.ledger.openWake(
    deps.config.region,
    required(state.containerInstanceArn, 'containerInstanceArn'),
    state.request.drainId,
    state.execution,
    deps.clock(),
  );
}

/**
 * 'Wait For Tasks': parks the workflow's task token on the host's wake item. If every task it waits for has
 * already stopped (a stop that came between the check and now), it answers the token itself at once.
 */
export async function parkDrain(state: DrainState, token: string, deps: DrainDeps): Promise<{ parked: boolean }> {
  const arn = required(state.containerInstanceArn, 'containerInstanceArn');
  const waitFor = waitingFor(state);
  if (waitFor.length === 0) {
    await answer(deps, token, 'nothing to wait for');
    return { parked: false };
  }
  const item = await deps.ledger.parkWake(deps.config.region, arn, state.request.drainId, token, waitFor);
  if (!item) {
    deps.logger.warn('No wake item for this drain: waiting for the fallback check', {
      drainId: state.request.drainId,
      waitSeconds: state.waitSeconds,
    });
    return { parked: false };
  }
  if (allStopped(item.stopped, waitFor)) {
    await answer(deps, token, 'already stopped');
    return { parked: false };
  }
  return { parked: true };
}

/** What a task stop did: nothing (no drain on that host), recorded, or woke the drain. */
export type WakeOutcome = 'no-drain' | 'recorded' | 'woke';

/** The wake function's core: one `ECS Task State Change` with lastStatus STOPPED. */
export async function onTaskStopped(
  region: string,
  containerInstanceArn: string,
  taskArn: string,
  deps: Pick<DrainDeps, 'ledger' | 'clients' | 'logger'>,
): Promise<WakeOutcome> {
  // The item as it was before this stop: the stop that completes the parked set answers the token, and only
  // that one (a duplicate event, or a later stop of a task not waited on, completes nothing), so the token
  // need not be removed after it is answered.
  const before = await deps.ledger.noteTaskStopped(region, containerInstanceArn, taskArn);
  if (!before) return 'no-drain';
  if (!before.token || !completes(before, taskArn)) return 'recorded';
  await answer(deps, before.token, `last task ${taskArn} stopped`);
  return 'woke';
}

/** Whether adding `taskArn` to the item's stopped set completes the set its token waits for. */
function completes(before: WakeItem, taskArn: string): boolean {
  return !allStopped(before.stopped, before.waitFor) && allStopped([...before.stopped, taskArn], before.waitFor);
}

function allStopped(stopped: readonly string[], waitFor: readonly string[]): boolean {
  const set = new Set(stopped);
  return waitFor.length > 0 && waitFor.every((arn) => set.has(arn));
}

/** What an answered token tells the check that follows: every task it waited for was reported STOPPED. */
export interface WakeReport {
  readonly why: string;
  readonly reported: 'all-stopped';
}

/**
 * The tasks a woken check may take as STOPPED without describing them: those the parked wait was for, when
 * the wake reported them all (ECS's own task state change events). A fallback check (the wait timed out)
 * has no report.
 */
export function reportedStopped(state: DrainState): Set<string> {
  const report = state.woken as Partial<WakeReport> | undefined;
  return report?.reported === 'all-stopped' ? new Set(waitingFor(state)) : new Set();
}

/** Sends the token back; one that is no longer waited on (timed out, answered, execution ended) is fine. */
async function answer(deps: Pick<DrainDeps, 'clients' | 'logger'>, token: string, why: string): Promise<void> {
  const report: WakeReport = { why, reported: 'all-stopped' };
  try {
    await deps.clients.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(report) }));
  } catch (error) {
    const name = errorName(error);
    if (name !== 'TaskTimedOut' && name !== 'InvalidToken' && name !== 'TaskDoesNotExist') throw error;
    deps.logger.info('The drain no longer waits on this token', { why, error: name });
  }
}
