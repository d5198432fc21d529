import type { Context } from 'aws-lambda';
import { autoScaling } from '#shared/clients/auto-scaling.ts';
import { dynamo } from '#shared/clients/dynamo.ts';
import { ecs } from '#shared/clients/ecs.ts';
import { handlerChain } from '#shared/middleware.ts';
import { type SampleResult, sampleCapacity } from './core/sample.ts';
import { scalingDeps } from './deps.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, dynamo };

/** The capacity sampler, started by a scheduled EventBridge rule (every `sampleEveryMinutes`). */
export const handler = handlerChain(
  async (_event: unknown, _context: Context): Promise<SampleResult> => sampleCapacity(scalingDeps(CLIENTS)),
);
