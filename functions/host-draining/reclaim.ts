import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import { reclaimExecution } from './core/reclaim.ts';
import { drainDeps } from './deps.ts';

/**
 * Target of the rule on drain-host's "Step Functions Execution Status Change" events (FAILED, TIMED_OUT,
 * ABORTED): frees the budget slot and closes the drain record of an execution that ended without reaching
 * its Catch (StopExecution, the execution timeout, States.DataLimitExceeded, States.Runtime). Idempotent.
 */
export const handler = handlerChain(
  async (event: unknown, _context: Context): Promise<{ closed: number; message: string }> =>
    reclaimExecution(event, drainDeps()),
);
