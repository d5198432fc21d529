import type { Context } from 'aws-lambda';
import { autoScaling } from '#shared/clients/auto-scaling.ts';
import { dynamo } from '#shared/clients/dynamo.ts';
import { ecs } from '#shared/clients/ecs.ts';
import { eventBridge } from '#shared/clients/eventbridge.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { handlerChain } from '#shared/middleware.ts';
import type { DrainDeps } from './core/deps.ts';
import { completeLifecycleAction, recordOutcome, releaseBudget } from './core/finish.ts';
import { drainDeps } from './deps.ts';
import { parseStep } from './parse.ts';
import type { DrainState } from './state.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, eventBridge, sfn, dynamo };

/** The finishing steps, by the `op` the state machine passes. */
export const FINISH_OPS: Record<string, (state: DrainState, deps: DrainDeps) => Promise<DrainState>> = {
  complete: completeLifecycleAction,
  'release-budget': releaseBudget,
  record: recordOutcome,
};

/** 'Complete Lifecycle Action', 'Release Budget', 'Record Outcome' (and their failure-path twins). */
export const handler = handlerChain(async (event: unknown, _context: Context): Promise<DrainState> => {
  const { op, state, read } = parseStep(event, FINISH_OPS);
  const deps = drainDeps(CLIENTS);
  if (read.how !== 'current')
    deps.logger.warn('Drain state from another version of Ballast', { ...read, state: undefined });
  return op(state, deps);
});
