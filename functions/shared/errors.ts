/**
 * Named errors. Handlers throw them (never return them): Step Functions Retry/Catch match on the error
 * name, so each name is part of the state machine contract. Keep names stable.
 */
export class BallastError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The function's own configuration is missing or malformed (a deployment fault, not a transient one). */
export class MissingConfiguration extends BallastError {}

/** The input of a workflow does not match its schema; the message names the field and the fix. */
export class InvalidInput extends BallastError {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** A lock or budget slot is held by someone else; the state machine waits and retries. */
export class LockBusy extends BallastError {}

/** A condition the state machine polls for has not been reached yet (used with Retry as a back-off). */
export class NotYet extends BallastError {}

/**
 * An AWS call failed in a way a retry may fix: throttling, a 5xx, a dropped connection. Handlers rethrow
 * such SDK errors under this one name (see middleware.ts), so every state machine retries them with one
 * Retry rule instead of a list of every service's spelling of "try again later".
 */
export class AwsTransient extends BallastError {}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottledException',
  'PriorRequestNotComplete',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** Whether an error from the AWS SDK v3 is worth retrying later. */
export function isTransientAwsError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof BallastError) return false;
  const e = error as Error & {
    $retryable?: unknown;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    code?: string;
  };
  if (THROTTLING.has(e.name) || e.$retryable) return true;
  if (e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return e.name === 'TimeoutError' || (e.code !== undefined && NETWORK.has(e.code));
}
