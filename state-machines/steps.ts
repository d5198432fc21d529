import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/**
 * The Lambda step every workflow is built from: its result replaces the state, it retries what is worth
 * retrying, and (`caughtStep`) it hands anything else to the workflow's failure path.
 */

/** Errors worth retrying: Lambda's own, and AWS throttling or 5xx surfacing from the handlers. */
export const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  // The invocation timed out on the client side, or the function ran past its own timeout: every step is
  // safe to run again (it reads the fleet and the ledger before it acts).
  'Lambda.ClientExecutionTimeoutException',
  'Sandbox.Timedout',
];
export const TRANSIENT_AWS_ERRORS = [
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'ServerException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalServerError',
  'TimeoutError',
  'AwsTransient',
];

/** How a step retries transient AWS errors (doubling from `interval`, full jitter, at most `maxDelay`). */
export interface AwsRetry {
  readonly interval: Duration;
  readonly maxAttempts: number;
  readonly maxDelay: Duration;
}

/**
 * About 12 minutes of retries at most (5 s doubling to 2 min): an API blip of a few minutes must not end a
 * workflow that may have hours to go (a drain, an emergency hold).
 */
export const PATIENT_AWS_RETRY: AwsRetry = {
  interval: Duration.seconds(5),
  maxAttempts: 10,
  maxDelay: Duration.seconds(120),
};

/** Shorter, for urgent work (a failover): Route 53's PriorRequestNotComplete clears in seconds. */
export const URGENT_AWS_RETRY: AwsRetry = {
  interval: Duration.seconds(2),
  maxAttempts: 8,
  maxDelay: Duration.seconds(30),
};

/** A Lambda step whose result replaces the state, with explicit retries for transient errors. */
export function lambdaStep(
  ns: Construct,
  stateName: string,
  fn: lambda.IFunction,
  payload?: sfn.TaskInput,
  awsRetry: AwsRetry = PATIENT_AWS_RETRY,
): tasks.LambdaInvoke {
  const step = new tasks.LambdaInvoke(ns, stateName.replace(/[^A-Za-z0-9]/g, ''), {
    stateName,
    lambdaFunction: fn,
    ...(payload ? { payload } : {}),
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    // No ResultPath: the result replaces the state (aws-local-stepfunctions 3.0.0 ignores an explicit "$").
  });
  return addStepRetries(step, awsRetry);
}

/** The retries every Lambda step has: Lambda's own transient errors, then transient AWS errors with back-off. */
export function addStepRetries<T extends sfn.TaskStateBase>(step: T, awsRetry: AwsRetry = PATIENT_AWS_RETRY): T {
  step.addRetry({ errors: TRANSIENT_LAMBDA_ERRORS, interval: Duration.seconds(2), maxAttempts: 4, backoffRate: 2 });
  step.addRetry({
    errors: TRANSIENT_AWS_ERRORS,
    interval: awsRetry.interval,
    maxAttempts: awsRetry.maxAttempts,
    backoffRate: 2,
    maxDelay: awsRetry.maxDelay,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return step;
}

/** A `lambdaStep` whose other errors go to `failure`, with the error kept at `$.error`. */
export function caughtStep(
  ns: Construct,
  stateName: string,
  fn: lambda.IFunction,
  payload: sfn.TaskInput,
  failure: sfn.IChainable,
  awsRetry: AwsRetry = PATIENT_AWS_RETRY,
): sfn.TaskStateBase {
  const step = lambdaStep(ns, stateName, fn, payload, awsRetry);
  step.addCatch(failure, { errors: ['States.ALL'], resultPath: '$.error' });
  return step;
}

/** The payload of a step of a handler that dispatches on `op`: the whole state and a correlation id. */
export function opPayload(op: string, correlationPath: string): sfn.TaskInput {
  return sfn.TaskInput.fromObject({ op, 'correlationId.$': correlationPath, 'state.$': '$' });
}

/**
 * The two Catches of a workflow's first step, neither of which changes anything: malformed input ends in
 * `InvalidInput`, whose cause (from the handler) names the field and the fix; anything else that is left
 * after the retries ends in the named Fail state with a cause a person can act on.
 */
export function catchInputErrors(
  ns: Construct,
  step: sfn.TaskStateBase,
  invalid: { readonly stateName: string; readonly comment: string },
  failed: { readonly id: string; readonly stateName: string; readonly cause: string },
): void {
  step.addCatch(
    new sfn.Fail(ns, 'InvalidInput', {
      stateName: invalid.stateName,
      error: 'InvalidInput',
      causePath: '$.error.Cause',
      comment: invalid.comment,
    }),
    { errors: ['InvalidInput'], resultPath: '$.error' },
  );
  step.addCatch(new sfn.Fail(ns, failed.id, { stateName: failed.stateName, error: failed.id, cause: failed.cause }), {
    errors: ['States.ALL'],
    resultPath: '$.error',
  });
}
