import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AwsTransient, isTransientAwsError } from './errors.ts';
import { logger, metrics } from './powertools.ts';

/**
 * The middy chain every handler uses: Lambda context and correlation id on every log line, metrics
 * flushed at the end. Errors propagate so Step Functions Retry/Catch and EventBridge retries see them;
 * transient AWS errors (throttling, 5xx, network) propagate as `AwsTransient`.
 */
export function handlerChain<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  const named = async (event: E, context: Context): Promise<R> => {
    try {
      return await handler(event, context);
    } catch (error) {
      // Not caught to be returned: rethrown under the one name the state machines retry (see errors.ts).
      if (isTransientAwsError(error)) {
        const err = error as Error;
        throw new AwsTransient(`${err.name}: ${err.message}`, { cause: error });
      }
      throw error;
    }
  };
  return middy(named)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      before: (request) => {
        const correlationId = correlationIdOf(request.event);
        if (correlationId) logger.appendKeys({ correlationId });
      },
    })
    .use(logMetrics(metrics));
}

/** The EventBridge event `id`, else the execution name Ballast's state machines pass as `executionName`. */
export function correlationIdOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const record = event as Record<string, unknown>;
  for (const key of ['correlationId', 'executionName', 'id']) {
    const value = record[key];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}
