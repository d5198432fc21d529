import type { Context } from 'aws-lambda';
import { handlerChain } from '#shared/middleware.ts';
import { type DetectorRun, recordHealthEvent, runDetector } from './core/detector.ts';
import { scalingDeps } from './deps.ts';

/**
 * The impairment detector. Two rules invoke it: a schedule (every `detector.everyMinutes`), which runs one
 * evaluation, and AWS Health events (`source: aws.health`) for CloudWatch, ECS and Auto Scaling, which it
 * records in the ledger as the confirmation signal.
 */
export const handler = handlerChain(
  async (event: unknown, _context: Context): Promise<DetectorRun | { recorded: boolean; reason?: string }> => {
    const e = (event ?? {}) as { source?: string; region?: string; time?: string; detail?: Record<string, string> };
    if (e.source === 'aws.health') return recordHealthEvent(scalingDeps(), e);
    return runDetector(scalingDeps());
  },
);
