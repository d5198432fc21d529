import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import { validateInput } from './core/raise.ts';
import { scalingDeps } from './deps.ts';
import type { ScaleState } from './state.ts';

/**
 * 'Validate Input': the first state of emergency-scale. Input `{ input, executionName }` (the console input
 * and the execution's name). Throws InvalidInput (naming the field) before any call to AWS.
 */
export const handler = handlerChain(async (event: unknown, _context: Context): Promise<ScaleState> => {
  const { input, executionName } = (event ?? {}) as { input?: unknown; executionName?: string };
  return validateInput(input, scalingDeps(), typeof executionName === 'string' ? executionName : undefined);
});
