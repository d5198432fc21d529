import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import { evaluateTrigger, type TriggerResult } from './core/trigger.ts';
import { triggerDeps } from './deps.ts';

/** The automatic trigger, every minute from an EventBridge schedule (see core/trigger.ts). */
export const handler = handlerChain(
  async (_event: unknown, _context: Context): Promise<TriggerResult> => evaluateTrigger(triggerDeps()),
);
