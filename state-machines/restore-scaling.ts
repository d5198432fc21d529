import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { catchInputErrors, lambdaStep, opPayload } from './steps.ts';

/**
 * The restore-scaling workflow (Standard, JSONPath): puts back exactly what emergency-scale changed, in
 * stages, then verifies against the snapshot. Flow:
 *
 *   Receive Input -> Validate Restore Input -> Load Override -> Anything To Restore?
 *     nothing  -> Nothing To Restore            (no override, already restored, or a dry run: changes nothing)
 *     stepping -> Restore Stage -> Stage Done?
 *                   stepping -> Wait Between Stages -> Restore Stage   (cooldowns between stages; throttled: back off)
 *                   verify   -> Verify Restore -> Restored
 *   failures: Invalid Input · Validate Failed · No Active Override · (any step) -> Record Restore Failure -> Restore Failed
 */
export const RESTORE_SCALING_STATES = {
  receive: 'Receive Input',
  validate: 'Validate Restore Input',
  load: 'Load Override',
  anything: 'Anything To Restore?',
  nothing: 'Nothing To Restore',
  stage: 'Restore Stage',
  stageDone: 'Stage Done?',
  waitBetweenStages: 'Wait Between Stages',
  verify: 'Verify Restore',
  restored: 'Restored',
  invalidInput: 'Invalid Input',
  validateFailed: 'Validate Failed',
  noActiveOverride: 'No Active Override',
  recordFailure: 'Record Restore Failure',
  failed: 'Restore Failed',
} as const;

const S = RESTORE_SCALING_STATES;

/** Longest a restore may run: ten stages of an hour each, and room to verify. */
export const RESTORE_SCALING_TIMEOUT = Duration.hours(12);

/** Builds the workflow's definition in `scope`; `fn` is functions/emergency-scaling/restore.ts. */
export function restoreScalingDefinition(scope: Construct, fn: lambda.IFunction): sfn.IChainable {
  const ns = new Construct(scope, 'RestoreDefinition');
  const failed = new sfn.Fail(ns, 'Failed', {
    stateName: S.failed,
    error: 'RestoreFailed',
    cause:
      'A restore step kept failing after retries. Resources restored so far stay restored, the others keep the override; the ledger record (restoreProgress) says which stage each reached. Fix the cause (the failed step in the execution history), then start restore-scaling again: it goes on from what it finds.',
  });
  const recordFailure = lambdaStep(ns, S.recordFailure, fn, payload('record-failure'));
  recordFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
  const failure = recordFailure.next(failed);
  const step = (name: string, op: string) => {
    const task = lambdaStep(ns, name, fn, payload(op));
    task.addCatch(failure, { errors: ['States.ALL'], resultPath: '$.error' });
    return task;
  };

  const verify = step(S.verify, 'verify');
  verify.next(new sfn.Succeed(ns, 'Restored', { stateName: S.restored }));
  const stage = step(S.stage, 'stage');
  const wait = new sfn.Wait(ns, 'WaitBetweenStages', {
    stateName: S.waitBetweenStages,
    comment: 'restoreStepSeconds between stages (scale-in cooldowns), or a back-off after throttling.',
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  stage.next(
    new sfn.Choice(ns, 'StageDone', { stateName: S.stageDone })
      .when(sfn.Condition.stringEquals('$.phase', 'stepping'), wait.next(stage))
      .otherwise(verify),
  );
  const load = lambdaStep(ns, S.load, fn, payload('load'));
  load.addCatch(
    new sfn.Fail(ns, 'NoActiveOverride', {
      stateName: S.noActiveOverride,
      error: 'NoActiveOverride',
      causePath: '$.error.Cause',
      comment: 'There is no override to restore in this region. Nothing was changed.',
    }),
    { errors: ['NoActiveOverride'], resultPath: '$.error' },
  );
  load.addCatch(failure, { errors: ['States.ALL'], resultPath: '$.error' });
  load.next(
    new sfn.Choice(ns, 'AnythingToRestore', { stateName: S.anything })
      .when(sfn.Condition.stringEquals('$.phase', 'stepping'), stage)
      .otherwise(new sfn.Succeed(ns, 'Nothing', { stateName: S.nothing })),
  );

  const receive = new sfn.Pass(ns, 'ReceiveInput', {
    stateName: S.receive,
    parameters: { validate: true, 'input.$': '$', 'executionName.$': '$$.Execution.Name' },
  });
  const validate = lambdaStep(ns, S.validate, fn);
  catchInputErrors(
    ns,
    validate,
    {
      stateName: S.invalidInput,
      comment:
        'The input is malformed; the cause names the field and the fix (events/schemas/restore-scaling-input.schema.json). Nothing was changed.',
    },
    {
      id: 'ValidateFailed',
      stateName: S.validateFailed,
      cause:
        'Could not validate the input (the function failed after retries); nothing was changed. Read the error in the execution history, fix it, then start again.',
    },
  );
  return receive.next(validate).next(load);
}

const payload = (op: string) => opPayload(op, '$.request.requestId');
