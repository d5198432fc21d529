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

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, applicationAutoScaling, eventBridge, sfn, dynamo };

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
  return op(state, scalingDeps(CLIENTS));
});
