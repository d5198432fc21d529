import type { Context } from 'aws-lambda';
import { applicationAutoScaling } from '#shared/clients/application-auto-scaling.ts';
import { autoScaling } from '#shared/clients/auto-scaling.ts';
import { dynamo } from '#shared/clients/dynamo.ts';
import { ecs } from '#shared/clients/ecs.ts';
import { eventBridge } from '#shared/clients/eventbridge.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { handlerChain } from '#shared/middleware.ts';
import { validateInput } from './core/raise.ts';
import { scalingDeps } from './deps.ts';
import type { ScaleState } from './state.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, applicationAutoScaling, eventBridge, sfn, dynamo };

/**
 * 'Validate Input': the first state of emergency-scale. Input `{ input, executionName }` (the console input
 * and the execution's name). Throws InvalidInput (naming the field) before any call to AWS.
 */
export const handler = handlerChain(async (event: unknown, _context: Context): Promise<ScaleState> => {
  const { input, executionName } = (event ?? {}) as { input?: unknown; executionName?: string };
  return validateInput(input, scalingDeps(CLIENTS), typeof executionName === 'string' ? executionName : undefined);
});
