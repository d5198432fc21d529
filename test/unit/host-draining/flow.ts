import { acquireBudget } from '#functions/host-draining/core/budget.ts';
import type { DrainDeps } from '#functions/host-draining/core/deps.ts';
import { checkTasks, startDrain } from '#functions/host-draining/core/drain.ts';
import { completeLifecycleAction, recordOutcome, releaseBudget } from '#functions/host-draining/core/finish.ts';
import { checkLaunch } from '#functions/host-draining/core/launch.ts';
import { extendDrain, markHost, releaseHost } from '#functions/host-draining/core/manual.ts';
import { resolveRequest, type SkipOutput } from '#functions/host-draining/core/resolve.ts';
import type { DrainState } from '#functions/host-draining/state.ts';
import type { FakeFleet } from './fleet.ts';

/**
 * Drives the cores the way the drain-host state machine does (see state-machines/drain-host.ts), on the
 * fake fleet's virtual clock: every Wait advances the clock and lets the scheduler tick. The state machine
 * tests (test/sfn) run the real ASL; these tests aim at the decisions.
 */
export interface Driven {
  readonly output: DrainState | SkipOutput;
  readonly steps: string[];
}

export function isState(value: DrainState | SkipOutput): value is DrainState {
  return 'request' in value;
}

export async function drive(
  raw: unknown,
  fleet: FakeFleet,
  deps: DrainDeps,
  options: { maxSteps?: number; beforeCheck?: (state: DrainState) => void | Promise<void> } = {},
): Promise<Driven> {
  const steps: string[] = ['Resolve Request'];
  const max = options.maxSteps ?? 5000;
  const wait = (seconds: number, name: string) => {
    steps.push(name);
    fleet.advance(seconds);
    fleet.tick();
  };
  const resolved = await resolveRequest(raw, deps);
  if (!isState(resolved)) return { output: resolved, steps };
  let state = resolved;
  const finishing = async (s: DrainState) => {
    steps.push('Complete Lifecycle Action');
    let next = await completeLifecycleAction(s, deps);
    steps.push('Release Budget');
    next = await releaseBudget(next, deps);
    steps.push('Record Outcome');
    return recordOutcome(next, deps);
  };
  switch (state.action) {
    case 'complete':
      return { output: await finishing(state), steps };
    case 'mark':
      steps.push('Mark Host');
      state = await markHost(state, deps);
      while (state.phase === 'draining') {
        if (steps.length > max) throw new Error('mark loop did not end');
        wait(state.waitSeconds, 'Wait Before Unmark');
        await options.beforeCheck?.(state);
        steps.push('Mark Host');
        state = await markHost(state, deps);
      }
      steps.push('Record Outcome');
      return { output: await recordOutcome(state, deps), steps };
    case 'extend':
      steps.push('Extend Drain', 'Record Outcome');
      return { output: await recordOutcome(await extendDrain(state, deps), deps), steps };
    case 'release':
      steps.push('Release Host');
      return { output: await finishing(await releaseHost(state, deps)), steps };
    case 'launch':
      steps.push('Check Launch');
      state = await checkLaunch(state, deps);
      while (state.phase === 'draining') {
        if (steps.length > max) throw new Error('launch loop did not end');
        wait(state.waitSeconds, 'Wait For Host');
        steps.push('Check Launch');
        state = await checkLaunch(state, deps);
      }
      return { output: await finishing(state), steps };
    default:
      break;
  }
  steps.push('Acquire Budget');
  state = await acquireBudget(state, deps);
  while (state.phase === 'waiting-budget') {
    if (steps.length > max) throw new Error('budget loop did not end');
    wait(state.waitSeconds, 'Wait For Budget');
    steps.push('Acquire Budget');
    state = await acquireBudget(state, deps);
  }
  steps.push('Start Drain');
  state = await startDrain(state, deps);
  while (state.phase === 'draining') {
    if (steps.length > max) throw new Error('drain loop did not end');
    wait(state.waitSeconds, 'Wait Before Next Check');
    await options.beforeCheck?.(state);
    steps.push('Check Tasks');
    state = await checkTasks(state, deps);
  }
  if (state.phase === 'settle') wait(state.settleSeconds, 'Settle');
  return { output: await finishing(state), steps };
}

export function asState(output: DrainState | SkipOutput): DrainState {
  if (!isState(output)) throw new Error(`expected a drain state, got ${JSON.stringify(output)}`);
  return output;
}
