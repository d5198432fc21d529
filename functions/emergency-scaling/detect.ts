import type { Context } from 'aws-lambda';
import { applicationAutoScaling } from '#shared/clients/application-auto-scaling.ts';
import { autoScaling } from '#shared/clients/auto-scaling.ts';
import { cloudWatch } from '#shared/clients/cloudwatch.ts';
import { dynamo } from '#shared/clients/dynamo.ts';
import { ecs } from '#shared/clients/ecs.ts';
import { eventBridge } from '#shared/clients/eventbridge.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { handlerChain } from '#shared/middleware.ts';
import { type DetectorRun, recordHealthEvent, runDetector } from './core/detector.ts';
import { scalingDeps } from './deps.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, applicationAutoScaling, cloudWatch, eventBridge, sfn, dynamo };

/**
 * The impairment detector. Two rules invoke it: a schedule (every `detector.everyMinutes`), which runs one
 * evaluation, and AWS Health events (`source: aws.health`) for CloudWatch, ECS and Auto Scaling, which it
 * records in the ledger as the confirmation signal.
 */
export const handler = handlerChain(
  async (event: unknown, _context: Context): Promise<DetectorRun | { recorded: boolean; reason?: string }> => {
    const e = (event ?? {}) as { source?: string; region?: string; time?: string; detail?: Record<string, string> };
    if (e.source === 'aws.health') return recordHealthEvent(scalingDeps(CLIENTS), e);
    return runDetector(scalingDeps(CLIENTS));
  },
);
