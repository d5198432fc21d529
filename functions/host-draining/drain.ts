import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import { acquireBudget } from './core/budget.ts';
import type { DrainDeps } from './core/deps.ts';
import { checkTasks, startDrain } from './core/drain.ts';
import { checkLaunch } from './core/launch.ts';
import { extendDrain, markHost, releaseHost } from './core/manual.ts';
import { drainDeps } from './deps.ts';
import { parseStep } from './parse.ts';
import type { DrainState } from './state.ts';

/** The drain steps, by the `op` the state machine passes. */
export const DRAIN_OPS: Record<string, (state: DrainState, deps: DrainDeps) => Promise<DrainState>> = {
  acquire: acquireBudget,
  start: startDrain,
  check: checkTasks,
  launch: checkLaunch,
  mark: markHost,
  extend: extendDrain,
  release: releaseHost,
};

/** 'Acquire Budget', 'Start Drain', 'Check Tasks', 'Check Launch', 'Mark Host', 'Extend Drain', 'Release Host'. */
export const handler = handlerChain(async (event: unknown, _context: Context): Promise<DrainState> => {
  const { op, state, read } = parseStep(event, DRAIN_OPS);
  const deps = drainDeps();
  if (read.how !== 'current')
    deps.logger.warn('Drain state from another version of Ballast', { ...read, state: undefined });
  return op(state, deps);
});
