import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import type { DrainDeps } from './core/deps.ts';
import { completeLifecycleAction, recordOutcome, releaseBudget } from './core/finish.ts';
import { drainDeps } from './deps.ts';
import { parseStep } from './parse.ts';
import type { DrainState } from './state.ts';

/** The finishing steps, by the `op` the state machine passes. */
export const FINISH_OPS: Record<string, (state: DrainState, deps: DrainDeps) => Promise<DrainState>> = {
  complete: completeLifecycleAction,
  'release-budget': releaseBudget,
  record: recordOutcome,
};

/** 'Complete Lifecycle Action', 'Release Budget', 'Record Outcome' (and their failure-path twins). */
export const handler = handlerChain(async (event: unknown, _context: Context): Promise<DrainState> => {
  const { op, state, read } = parseStep(event, FINISH_OPS);
  const deps = drainDeps();
  if (read.how !== 'current')
    deps.logger.warn('Drain state from another version of Ballast', { ...read, state: undefined });
  return op(state, deps);
});
