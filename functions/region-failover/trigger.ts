import type { Context } from 'aws-lambda';
import { cloudWatch } from '#shared/clients/cloudwatch.ts';
import { dynamo } from '#shared/clients/dynamo.ts';
import { eventBridge } from '#shared/clients/eventbridge.ts';
import { route53 } from '#shared/clients/route-53.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { handlerChain } from '#shared/middleware.ts';
import { evaluateTrigger, type TriggerResult } from './core/trigger.ts';
import { triggerDeps } from './deps.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { cloudWatch, route53, eventBridge, sfn, dynamo };

/** The automatic trigger, every minute from an EventBridge schedule (see core/trigger.ts). */
export const handler = handlerChain(
  async (_event: unknown, _context: Context): Promise<TriggerResult> => evaluateTrigger(triggerDeps(CLIENTS)),
);
