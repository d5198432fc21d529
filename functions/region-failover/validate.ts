import type { Context } from 'aws-lambda';
import { applicationAutoScaling } from '#shared/clients/application-auto-scaling.ts';
import { autoScaling } from '#shared/clients/auto-scaling.ts';
import { cloudWatch } from '#shared/clients/cloudwatch.ts';
import { dynamo } from '#shared/clients/dynamo.ts';
import { ecs } from '#shared/clients/ecs.ts';
import { elbv2 } from '#shared/clients/elbv2.ts';
import { eventBridge } from '#shared/clients/eventbridge.ts';
import { route53 } from '#shared/clients/route-53.ts';
import { handlerChain } from '#shared/middleware.ts';
import { validateRequest } from './core/flow.ts';
import { failoverDeps } from './deps.ts';
import type { FailoverState } from './state.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, applicationAutoScaling, cloudWatch, route53, eventBridge, elbv2, dynamo };

/**
 * 'Validate Request': the first state of region-failover. Input: the console input
 * (events/failover-input.ts). Throws InvalidInput (naming the field) before any mutating call.
 */
export const handler = handlerChain(
  async (event: unknown, _context: Context): Promise<FailoverState> => validateRequest(event, failoverDeps(CLIENTS)),
);
