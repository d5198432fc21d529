import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import { validateRequest } from './core/flow.ts';
import { failoverDeps } from './deps.ts';
import type { FailoverState } from './state.ts';

/**
 * 'Validate Request': the first state of region-failover. Input: the console input
 * (events/failover-input.ts). Throws InvalidInput (naming the field) before any mutating call.
 */
export const handler = handlerChain(
  async (event: unknown, _context: Context): Promise<FailoverState> => validateRequest(event, failoverDeps()),
);
