import type { Context } from 'aws-lambda';
import { dynamo } from '#shared/clients/dynamo.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { handlerChain } from '#shared/middleware.ts';
import { reclaimExecution } from './core/reclaim.ts';
import { drainDeps } from './deps.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { sfn, dynamo };

/**
 * Target of the rule on drain-host's "Step Functions Execution Status Change" events (FAILED, TIMED_OUT,
 * ABORTED): frees the budget slot and closes the drain record of an execution that ended without reaching
 * its Catch (StopExecution, the execution timeout, States.DataLimitExceeded, States.Runtime). Idempotent.
 */
export const handler = handlerChain(
  async (event: unknown, _context: Context): Promise<{ closed: number; message: string }> =>
    reclaimExecution(event, drainDeps(CLIENTS)),
);
