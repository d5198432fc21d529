import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The one Powertools module: a JSON logger and an EMF metrics emitter shared by every handler.
 * The correlation id is the EventBridge event `id` or the Step Functions execution name (see middleware.ts).
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ballast' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Ballast',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ballast',
  // Its own warnings (e.g. "no metrics to publish") go through the JSON logger, at the logger's level.
  logger,
});

/** A clock the cores take as a dependency: real time in AWS, virtual time in the local cloud. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
