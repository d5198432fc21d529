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
import { FAILOVER_OPS } from './core/flow.ts';
import { failoverDeps } from './deps.ts';
import { FailoverStateInvalid } from './errors.ts';
import { type FailoverState, FailoverStepInput } from './state.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, applicationAutoScaling, cloudWatch, route53, eventBridge, elbv2, dynamo };

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
  return op(parsed.data.state, failoverDeps(CLIENTS));
});
