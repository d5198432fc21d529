import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import type { ScalingDeps } from './core/deps.ts';
import {
  loadOverride,
  recordRestoreFailure,
  restoreStage,
  validateRestoreInput,
  verifyRestore,
} from './core/restore.ts';
import { scalingDeps } from './deps.ts';
import { parseScalingStep } from './parse.ts';
import { RestoreState } from './state.ts';

/** The restore-scaling steps, by the `op` the state machine passes. */
export const RESTORE_OPS: Record<string, (state: RestoreState, deps: ScalingDeps) => Promise<RestoreState>> = {
  load: loadOverride,
  stage: restoreStage,
  verify: verifyRestore,
  'record-failure': recordRestoreFailure,
};

/**
 * Every Lambda step of restore-scaling. 'Validate Restore Input' gets `{ validate: true, input, executionName }`;
 * the others `{ op, state }`.
 */
export const handler = handlerChain(async (event: unknown, _context: Context): Promise<RestoreState> => {
  const deps = scalingDeps();
  const e = (event ?? {}) as { validate?: boolean; input?: unknown; executionName?: string };
  if (e.validate === true)
    return validateRestoreInput(e.input, deps, typeof e.executionName === 'string' ? e.executionName : undefined);
  const { op, state } = parseScalingStep(event, RestoreState, RESTORE_OPS);
  return op(state, deps);
});
