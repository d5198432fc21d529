import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import type { ScalingDeps } from './core/deps.ts';
import {
  applyTier,
  checkHold,
  checkTier,
  extendOverride,
  lockOverride,
  planCapacity,
  raiseHosts,
  recordFailure,
  recordOverride,
  snapshotFleet,
  startRestore,
} from './core/raise.ts';
import { scalingDeps } from './deps.ts';
import { parseScalingStep } from './parse.ts';
import { ScaleState } from './state.ts';

/** The emergency-scale steps, by the `op` the state machine passes. */
export const RAISE_OPS: Record<string, (state: ScaleState, deps: ScalingDeps) => Promise<ScaleState>> = {
  lock: lockOverride,
  snapshot: snapshotFleet,
  plan: planCapacity,
  hosts: raiseHosts,
  apply: applyTier,
  check: checkTier,
  record: recordOverride,
  hold: checkHold,
  'start-restore': startRestore,
  extend: extendOverride,
  'record-failure': recordFailure,
};

/** Every Lambda step of emergency-scale after 'Validate Input'. */
export const handler = handlerChain(async (event: unknown, _context: Context): Promise<ScaleState> => {
  const { op, state } = parseScalingStep(event, ScaleState, RAISE_OPS);
  return op(state, scalingDeps());
});
