import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import { type SampleResult, sampleCapacity } from './core/sample.ts';
import { scalingDeps } from './deps.ts';

/** The capacity sampler, started by a scheduled EventBridge rule (every `sampleEveryMinutes`). */
export const handler = handlerChain(
  async (_event: unknown, _context: Context): Promise<SampleResult> => sampleCapacity(scalingDeps()),
);
