import type { Context } from 'aws-lambda';
import { autoScaling } from '#shared/clients/auto-scaling.ts';
import { dynamo } from '#shared/clients/dynamo.ts';
import { ecs } from '#shared/clients/ecs.ts';
import { elbv2 } from '#shared/clients/elbv2.ts';
import { eventBridge } from '#shared/clients/eventbridge.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { handlerChain } from '#shared/middleware.ts';
import { acquireBudget } from './core/budget.ts';
import type { DrainDeps } from './core/deps.ts';
import { checkTasks, startDrain } from './core/drain.ts';
import { checkLaunch } from './core/launch.ts';
import { extendDrain, markHost, releaseHost } from './core/manual.ts';
import { parkDrain } from './core/wake.ts';
import { drainDeps } from './deps.ts';
import { DrainStateInvalid } from './errors.ts';
import { parseStep } from './parse.ts';
import type { DrainState } from './state.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, eventBridge, sfn, elbv2, dynamo };

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

/** 'Wait For Tasks' (`.waitForTaskToken`): parks the token until the host's last task stops (core/wake.ts). */
const PARK = 'park' as const;
type DrainOp = (state: DrainState, deps: DrainDeps) => Promise<DrainState>;
const STEPS: Record<string, DrainOp | typeof PARK> = { ...DRAIN_OPS, [PARK]: PARK };

/**
 * 'Acquire Budget', 'Start Drain', 'Check Tasks', 'Check Launch', 'Mark Host', 'Extend Drain', 'Release Host',
 * and 'Wait For Tasks' (whose result Step Functions ignores: the callback ends the wait).
 */
export const handler = handlerChain(
  async (event: unknown, _context: Context): Promise<DrainState | { parked: boolean }> => {
    const { op, state, read, token } = parseStep(event, STEPS);
    const deps = drainDeps(CLIENTS);
    if (read.how !== 'current')
      deps.logger.warn('Drain state from another version of Ballast', { ...read, state: undefined });
    if (typeof op === 'string') {
      if (!token) throw new DrainStateInvalid("The 'park' step needs the workflow's task token ('token')");
      return parkDrain(state, token, deps);
    }
    return op(state, deps);
  },
);
