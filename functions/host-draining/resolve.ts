import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import { resolveRequest, type SkipOutput } from './core/resolve.ts';
import { drainDeps } from './deps.ts';
import type { DrainState } from './state.ts';

/**
 * 'Resolve Request': the first state of drain-host. Input: the raw EventBridge event or the manual console
 * input (events/drain-host-input.ts). Throws InvalidInput (naming the field) before any mutating call.
 */
export const handler = handlerChain(
  async (event: unknown, _context: Context): Promise<DrainState | SkipOutput> => resolveRequest(event, drainDeps()),
);
