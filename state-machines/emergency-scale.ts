import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { catchInputErrors, caughtStep, lambdaStep, opPayload } from './steps.ts';

/**
 * The emergency-scale workflow (Standard, JSONPath): hold capacity while CloudWatch-driven autoscaling is
 * blind. 'Validate Input' turns the console input into the state `$` that every later step takes and
 * returns. Flow:
 *
 *   Receive Input -> Validate Input -> Route Request
 *     plan   -> Plan Capacity -> Plan Only?  (dry run)      -> Plan Reported
 *     extend -> Extend Override -> Override Extended
 *     raise  -> Acquire Override Lock -> Lock Acquired?
 *                 joined   -> Joined Existing Override       (a second start joins and extends the active one)
 *                 snapshot -> Take Snapshot -> Plan Capacity -> Plan Only? -> Raise Hosts -> Apply Tier -> Tier Applied?
 *                   Tier Applied? applying -> Wait For Rate Limit -> Apply Tier     (throttled: back off, go on)
 *                                 waiting  -> Wait For Tasks -> Check Tier -> Tier Reached?
 *                                 holding  -> Record Override
 *                                 released -> Override Released
 *                   Tier Reached? waiting  -> Wait For Tasks;  applying -> Apply Tier (next tier);  holding -> Record Override
 *                   Record Override -> Holding? holding -> Hold -> Check Hold -> Holding?
 *                                              expired -> Start Restore -> Restore Started;  released -> Override Released
 *   failures: Invalid Input · Validate Failed · Unexpected Request · (any step) -> Record Failure -> Emergency Scale Failed
 */
export const EMERGENCY_SCALE_STATES = {
  receive: 'Receive Input',
  validate: 'Validate Input',
  route: 'Route Request',
  lock: 'Acquire Override Lock',
  lockAcquired: 'Lock Acquired?',
  joined: 'Joined Existing Override',
  snapshot: 'Take Snapshot',
  plan: 'Plan Capacity',
  planOnly: 'Plan Only?',
  planReported: 'Plan Reported',
  raiseHosts: 'Raise Hosts',
  applyTier: 'Apply Tier',
  tierApplied: 'Tier Applied?',
  waitForRateLimit: 'Wait For Rate Limit',
  waitForTasks: 'Wait For Tasks',
  checkTier: 'Check Tier',
  tierReached: 'Tier Reached?',
  record: 'Record Override',
  holding: 'Holding?',
  hold: 'Hold',
  checkHold: 'Check Hold',
  startRestore: 'Start Restore',
  restoreStarted: 'Restore Started',
  released: 'Override Released',
  extend: 'Extend Override',
  extended: 'Override Extended',
  invalidInput: 'Invalid Input',
  validateFailed: 'Validate Failed',
  unexpectedRequest: 'Unexpected Request',
  noActiveOverride: 'No Active Override',
  recordFailure: 'Record Failure',
  failed: 'Emergency Scale Failed',
} as const;

const S = EMERGENCY_SCALE_STATES;

export interface EmergencyScaleFunctions {
  /** functions/emergency-scaling/validate.ts */
  readonly validate: lambda.IFunction;
  /** functions/emergency-scaling/raise.ts */
  readonly raise: lambda.IFunction;
}

/** Longest an execution may run: the 72 h maximum hold plus room to raise and to start the restore. */
export const EMERGENCY_SCALE_TIMEOUT = Duration.hours(80);

/** Builds the workflow's definition in `scope` (a construct used as a namespace). */
export function emergencyScaleDefinition(scope: Construct, fns: EmergencyScaleFunctions): sfn.IChainable {
  const ns = new Construct(scope, 'Definition');
  const failure = failurePath(ns, fns);
  const step = (name: string, op: string) => opStep(ns, name, fns.raise, op, failure);

  const released = new sfn.Succeed(ns, 'Released', { stateName: S.released });
  const hold = holdPhase(ns, step, released);
  const apply = applyPhase(ns, step, hold, released);
  const raiseHosts = step(S.raiseHosts, 'hosts');
  raiseHosts.next(apply);

  const plan = step(S.plan, 'plan');
  const planOnly = new sfn.Choice(ns, 'PlanOnly', { stateName: S.planOnly })
    .when(
      sfn.Condition.booleanEquals('$.request.dryRun', true),
      new sfn.Succeed(ns, 'PlanReported', { stateName: S.planReported }),
    )
    .otherwise(raiseHosts);
  plan.next(planOnly);
  const snapshot = step(S.snapshot, 'snapshot');
  snapshot.next(plan);

  const lock = step(S.lock, 'lock');
  lock.next(
    new sfn.Choice(ns, 'LockAcquired', { stateName: S.lockAcquired })
      .when(sfn.Condition.stringEquals('$.phase', 'joined'), new sfn.Succeed(ns, 'Joined', { stateName: S.joined }))
      .otherwise(snapshot),
  );

  const extend = lambdaStep(ns, S.extend, fns.raise, payload('extend'));
  extend.addCatch(
    new sfn.Fail(ns, 'NoActiveOverride', {
      stateName: S.noActiveOverride,
      error: 'NoActiveOverride',
      causePath: '$.error.Cause',
      comment: 'There is no override to extend in this region; raise one first. Nothing was changed.',
    }),
    { errors: ['NoActiveOverride'], resultPath: '$.error' },
  );
  extend.addCatch(failure, { errors: ['States.ALL'], resultPath: '$.error' });
  extend.next(new sfn.Succeed(ns, 'Extended', { stateName: S.extended }));

  // The console input, whatever it is (even not an object), wrapped with the execution's name.
  const receive = new sfn.Pass(ns, 'ReceiveInput', {
    stateName: S.receive,
    parameters: { 'input.$': '$', 'executionName.$': '$$.Execution.Name' },
  });
  const validate = lambdaStep(ns, S.validate, fns.validate);
  catchInputErrors(
    ns,
    validate,
    {
      stateName: S.invalidInput,
      comment:
        'The input is malformed; the cause names the field and the fix. Correct it (see events/schemas/emergency-scale-input.schema.json) and start again. Nothing was changed.',
    },
    {
      id: 'ValidateFailed',
      stateName: S.validateFailed,
      cause:
        'Could not validate the input (the function failed after retries); nothing was changed. Read the Validate Input error in the execution history (configuration, IAM), fix it, then start again with the same input.',
    },
  );
  const route = new sfn.Choice(ns, 'RouteRequest', { stateName: S.route })
    .when(sfn.Condition.stringEquals('$.action', 'plan'), plan)
    .when(
      sfn.Condition.and(
        sfn.Condition.stringEquals('$.action', 'raise'),
        sfn.Condition.booleanEquals('$.request.dryRun', true),
      ),
      plan,
    )
    .when(sfn.Condition.stringEquals('$.action', 'raise'), lock)
    .when(sfn.Condition.stringEquals('$.action', 'extend'), extend)
    .otherwise(
      new sfn.Fail(ns, 'UnexpectedRequest', {
        stateName: S.unexpectedRequest,
        error: 'UnexpectedRequest',
        cause:
          'Validate Input returned an action this definition does not know: deploy the functions and the state machine together.',
      }),
    );
  return receive.next(validate).next(route);
}

type Step = (name: string, op: string) => sfn.TaskStateBase;

/** Apply Tier (paced) and the per-tier wait until running reaches the target. */
function applyPhase(ns: Construct, step: Step, hold: sfn.IChainable, released: sfn.IChainable): sfn.IChainable {
  const apply = step(S.applyTier, 'apply');
  const check = step(S.checkTier, 'check');
  const waitForRateLimit = new sfn.Wait(ns, 'WaitForRateLimit', {
    stateName: S.waitForRateLimit,
    comment: 'A call was throttled: back off, then go on where the batch stopped.',
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const waitForTasks = new sfn.Wait(ns, 'WaitForTasks', {
    stateName: S.waitForTasks,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const tierApplied = new sfn.Choice(ns, 'TierApplied', { stateName: S.tierApplied })
    .when(sfn.Condition.stringEquals('$.phase', 'applying'), waitForRateLimit.next(apply))
    .when(sfn.Condition.stringEquals('$.phase', 'waiting'), waitForTasks)
    .when(sfn.Condition.stringEquals('$.phase', 'released'), released)
    .otherwise(hold);
  apply.next(tierApplied);
  waitForTasks.next(check);
  check.next(
    new sfn.Choice(ns, 'TierReached', { stateName: S.tierReached })
      .when(sfn.Condition.stringEquals('$.phase', 'waiting'), waitForTasks)
      .when(sfn.Condition.stringEquals('$.phase', 'applying'), apply)
      .otherwise(hold),
  );
  return apply;
}

/** Record Override, then hold until the expiry (waking for the warning), then start the restore. */
function holdPhase(ns: Construct, step: Step, released: sfn.IChainable): sfn.IChainable {
  const record = step(S.record, 'record');
  const checkHold = step(S.checkHold, 'hold');
  const startRestore = step(S.startRestore, 'start-restore');
  startRestore.next(new sfn.Succeed(ns, 'RestoreStarted', { stateName: S.restoreStarted }));
  const wait = new sfn.Wait(ns, 'Hold', {
    stateName: S.hold,
    comment: 'Until the expiry warning, then until the expiry (an extension moves both).',
    time: sfn.WaitTime.timestampPath('$.wakeAt'),
  });
  const holding = new sfn.Choice(ns, 'Holding', { stateName: S.holding })
    .when(sfn.Condition.stringEquals('$.phase', 'holding'), wait.next(checkHold))
    .when(sfn.Condition.stringEquals('$.phase', 'expired'), startRestore)
    .otherwise(released);
  record.next(holding);
  checkHold.next(holding);
  return record;
}

/** Every step's Catch: record the failure (lock and snapshot stay for the restore), then fail with a cause to act on. */
function failurePath(ns: Construct, fns: EmergencyScaleFunctions): sfn.IChainable {
  const failed = new sfn.Fail(ns, 'Failed', {
    stateName: S.failed,
    error: 'EmergencyScaleFailed',
    cause:
      'An emergency-scale step kept failing after retries. What was raised stays raised and the snapshot is in the ledger: read the failed step in the execution history, fix the cause, then restore with {"action": "restore"} on restore-scaling (ballast scale restore) or raise again.',
  });
  const recordFailure = lambdaStep(ns, S.recordFailure, fns.raise, payload('record-failure'));
  recordFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
  return recordFailure.next(failed);
}

const payload = (op: string) => opPayload(op, '$.overrideId');
const opStep = (ns: Construct, name: string, fn: lambda.IFunction, op: string, failure: sfn.IChainable) =>
  caughtStep(ns, name, fn, payload(op), failure);
