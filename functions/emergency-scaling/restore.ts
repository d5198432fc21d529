import type { Context } from 'aws-lambda';
import { applicationAutoScaling } from '#shared/clients/application-auto-scaling.ts';
import { autoScaling } from '#shared/clients/auto-scaling.ts';
import { dynamo } from '#shared/clients/dynamo.ts';
import { ecs } from '#shared/clients/ecs.ts';
import { eventBridge } from '#shared/clients/eventbridge.ts';
import { sfn } from '#shared/clients/sfn.ts';
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

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, applicationAutoScaling, eventBridge, sfn, dynamo };

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
  const deps = scalingDeps(CLIENTS);
  const e = (event ?? {}) as { validate?: boolean; input?: unknown; executionName?: string };
  if (e.validate === true)
    return validateRestoreInput(e.input, deps, typeof e.executionName === 'string' ? e.executionName : undefined);
  const { op, state } = parseScalingStep(event, RestoreState, RESTORE_OPS);
  return op(state, deps);
});
