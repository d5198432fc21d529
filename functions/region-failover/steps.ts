import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import { FAILOVER_OPS } from './core/flow.ts';
import { failoverDeps } from './deps.ts';
import { FailoverStateInvalid } from './errors.ts';
import { type FailoverState, FailoverStepInput } from './state.ts';

/** Every later step of region-failover, by the `op` the state machine passes with the state. */
export const handler = handlerChain(async (event: unknown, _context: Context): Promise<FailoverState> => {
  const parsed = FailoverStepInput.safeParse(event);
  if (!parsed.success) {
    throw new FailoverStateInvalid(
      `The step input is not a failover state: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const op = FAILOVER_OPS[parsed.data.op];
  if (!op) {
    throw new FailoverStateInvalid(
      `Unknown step '${parsed.data.op}'; expected one of ${Object.keys(FAILOVER_OPS).join(', ')}`,
    );
  }
  return op(parsed.data.state, failoverDeps());
});
