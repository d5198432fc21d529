import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { REGION_FAILOVER_TIMEOUT_SECONDS } from '../functions/region-failover/config.ts';
import { catchInputErrors, caughtStep, opPayload, lambdaStep as sharedLambdaStep, URGENT_AWS_RETRY } from './steps.ts';

/**
 * The region-failover workflow (Standard, JSONPath), deployed in every region and started in the destination.
 * 'Validate Request' turns the console input into the failover state `$` that every later step takes and
 * returns. Flow:
 *
 *   Validate Request -> Route Request
 *     command   -> Record Command -> Command Recorded
 *     readiness -> Check Readiness -> Readiness Checked
 *     failover -> Acquire Fence -> Raise Capacity -> Capacity Ready?
 *                   Capacity Ready? capacity -> Wait For Capacity -> Check Capacity -> Capacity Ready?
 *                                   warm-up  -> Warm Up -> Shift Traffic
 *                 Shift Traffic -> Wait For Change -> Check Change -> Change In Sync?
 *                   propagating -> Wait For Change      settling -> Wait For Clients -> Complete Failover
 *                   holding     -> Hold Rung -> Watch Rung -> Rung Verdict?
 *                 Rung Verdict? holding -> Hold Rung    shift / returning (drill) -> Shift Traffic    complete -> Complete Failover
 *                               paused  -> Wait While Paused -> Check Commands -> Rung Verdict?
 *                               aborted -> Abort Failover -> Abort Settled? (aborting -> Wait For Abort -> Abort Failover) -> Aborted
 *   Complete Failover -> Scale Down After Bake?  baking -> Bake -> Scale Down Old Region -> Done;  else Done
 *
 * Failures: 'Invalid Input' (first state, nothing changed), 'Validate Failed', 'Fence Held' (another failover
 * won: nothing changed), 'Already Active', 'Records Missing', 'Not Healthy Long Enough' (failback), and every later step's Catch -> Record Failure ->
 * 'Failover Failed'. State names are a contract (tests, the CLI, the README): change them with all three.
 */
export const REGION_FAILOVER_STATES = {
  validate: 'Validate Request',
  route: 'Route Request',
  checkReadiness: 'Check Readiness',
  readinessChecked: 'Readiness Checked',
  recordCommand: 'Record Command',
  commandRecorded: 'Command Recorded',
  acquireFence: 'Acquire Fence',
  raiseCapacity: 'Raise Capacity',
  capacityReady: 'Capacity Ready?',
  waitForCapacity: 'Wait For Capacity',
  checkCapacity: 'Check Capacity',
  warmUp: 'Warm Up',
  shiftTraffic: 'Shift Traffic',
  waitForChange: 'Wait For Change',
  checkChange: 'Check Change',
  changeInSync: 'Change In Sync?',
  waitForClients: 'Wait For Clients',
  holdRung: 'Hold Rung',
  watchRung: 'Watch Rung',
  rungVerdict: 'Rung Verdict?',
  waitWhilePaused: 'Wait While Paused',
  checkCommands: 'Check Commands',
  abortFailover: 'Abort Failover',
  abortSettled: 'Abort Settled?',
  waitForAbort: 'Wait For Abort',
  aborted: 'Aborted',
  completeFailover: 'Complete Failover',
  bakeThenScaleDown: 'Scale Down After Bake?',
  bake: 'Bake',
  scaleDownOldRegion: 'Scale Down Old Region',
  done: 'Done',
  recordFailure: 'Record Failure',
  invalidInput: 'Invalid Input',
  validateFailed: 'Validate Failed',
  fenceHeld: 'Fence Held',
  alreadyActive: 'Already Active',
  recordsMissing: 'Records Missing',
  notHealthyLongEnough: 'Not Healthy Long Enough',
  commandRejected: 'Command Rejected',
  readinessFailed: 'Readiness Failed',
  unexpectedPhase: 'Unexpected Phase',
  failoverFailed: 'Failover Failed',
} as const;

const S = REGION_FAILOVER_STATES;

export interface RegionFailoverFunctions {
  /** functions/region-failover/validate.ts */
  readonly validate: lambda.IFunction;
  /** functions/region-failover/steps.ts */
  readonly steps: lambda.IFunction;
}

/** Longest a failover may run: a ladder held for hours, or paused over a night, stays within it. */
export const REGION_FAILOVER_TIMEOUT = Duration.seconds(REGION_FAILOVER_TIMEOUT_SECONDS);

export function regionFailoverDefinition(scope: Construct, fns: RegionFailoverFunctions): sfn.IChainable {
  const ns = new Construct(scope, 'Definition');
  const failure = failurePath(ns, fns);
  const done = new sfn.Succeed(ns, 'Done', { stateName: S.done });
  const scaleDown = opStep(ns, S.scaleDownOldRegion, fns.steps, 'scale-down', failure).next(done);
  const bake = new sfn.Wait(ns, 'Bake', {
    stateName: S.bake,
    comment: 'policies.failover.scaleDownAfterBakeSeconds after completion, before the old region is scaled down.',
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  }).next(scaleDown);
  const complete = opStep(ns, S.completeFailover, fns.steps, 'complete', failure).next(
    new sfn.Choice(ns, 'ScaleDownAfterBake', { stateName: S.bakeThenScaleDown })
      .when(sfn.Condition.stringEquals('$.phase', 'baking'), bake)
      .otherwise(done),
  );
  const abort = opStep(ns, S.abortFailover, fns.steps, 'abort', failure);
  // data-plane: the levels come down in two steps, so the abort runs again until they show.
  const waitForAbort = new sfn.Wait(ns, 'WaitForAbort', {
    stateName: S.waitForAbort,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  }).next(abort);
  abort.next(
    new sfn.Choice(ns, 'AbortSettled', { stateName: S.abortSettled })
      .when(sfn.Condition.stringEquals('$.phase', 'aborting'), waitForAbort)
      .otherwise(new sfn.Succeed(ns, 'Aborted', { stateName: S.aborted })),
  );
  const traffic = trafficPhase(ns, fns, failure, complete, abort);
  const capacity = capacityPhase(ns, fns, failure, traffic);
  const fence = fencePhase(ns, fns, failure, capacity);
  const command = commandPhase(ns, fns);

  const validate = lambdaStep(ns, S.validate, fns.validate);
  catchInputErrors(
    ns,
    validate,
    {
      stateName: S.invalidInput,
      comment:
        'The input is malformed; the cause names the field and the fix (see events/schemas/region-failover-input.schema.json). Nothing was changed.',
    },
    {
      id: 'ValidateFailed',
      stateName: S.validateFailed,
      cause:
        'Could not validate the request (configuration or ledger) after retries; nothing was changed. Read the Validate Request error in the execution history, fix it (IAM, configuration), then start again with the same input.',
    },
  );
  const route = new sfn.Choice(ns, 'RouteRequest', { stateName: S.route })
    .when(sfn.Condition.stringEquals('$.action', 'command'), command)
    .when(sfn.Condition.stringEquals('$.action', 'readiness'), readinessPhase(ns, fns))
    .otherwise(fence);
  return validate.next(route);
}

/** Check Readiness: read only; the result in the output and, when it changed, a Readiness Changed event. */
function readinessPhase(ns: Construct, fns: RegionFailoverFunctions): sfn.IChainable {
  const step = lambdaStep(ns, S.checkReadiness, fns.steps, payload('readiness'));
  step.addCatch(
    new sfn.Fail(ns, 'ReadinessFailed', {
      stateName: S.readinessFailed,
      error: 'ReadinessFailed',
      cause:
        'The readiness check could not read what it needs (ledger, ECS, Auto Scaling, Route 53) after retries; nothing was changed. Read the Check Readiness error (IAM, throttling) and run it again.',
    }),
    { errors: ['States.ALL'], resultPath: '$.error' },
  );
  return step.next(new sfn.Succeed(ns, 'ReadinessChecked', { stateName: S.readinessChecked }));
}

/** Record Command: the operator's promote / pause / resume / abort, for the failover in progress to pick up. */
function commandPhase(ns: Construct, fns: RegionFailoverFunctions): sfn.IChainable {
  const step = lambdaStep(ns, S.recordCommand, fns.steps, payload('command'));
  step.addCatch(
    new sfn.Fail(ns, 'CommandRejected', {
      stateName: S.commandRejected,
      error: 'NoFailoverInProgress',
      causePath: '$.error.Cause',
      comment: 'The failover named is not in progress in this region; nothing was changed.',
    }),
    { errors: ['States.ALL'], resultPath: '$.error' },
  );
  return step.next(new sfn.Succeed(ns, 'CommandRecorded', { stateName: S.commandRecorded }));
}

/** Acquire Fence: exactly one failover at a time; the losers end here with nothing changed. */
function fencePhase(
  ns: Construct,
  fns: RegionFailoverFunctions,
  failure: sfn.IChainable,
  next: sfn.IChainable,
): sfn.IChainable {
  const fence = lambdaStep(ns, S.acquireFence, fns.steps, payload('fence'));
  // A fence copy that cannot be reached: retried a few times, then a plain failure (nothing changed).
  fence.addRetry({ errors: ['FenceUnreachable'], interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2 });
  fence.addCatch(
    new sfn.Fail(ns, 'FenceHeld', {
      stateName: S.fenceHeld,
      error: 'FenceHeld',
      causePath: '$.error.Cause',
      comment: 'Another failover holds the active-region fence (the cause names it); this one changed nothing.',
    }),
    { errors: ['FenceHeld'], resultPath: '$.error' },
  );
  fence.addCatch(
    new sfn.Fail(ns, 'AlreadyActive', {
      stateName: S.alreadyActive,
      error: 'AlreadyActive',
      causePath: '$.error.Cause',
      comment: 'The destination is already the active region; nothing was changed.',
    }),
    { errors: ['AlreadyActive'], resultPath: '$.error' },
  );
  fence.addCatch(
    new sfn.Fail(ns, 'RecordsMissing', {
      stateName: S.recordsMissing,
      error: 'RecordsMissing',
      causePath: '$.error.Cause',
      comment: 'The weighted records to steer are not in the zone (the cause lists them); nothing was changed.',
    }),
    { errors: ['RecordsMissing'], resultPath: '$.error' },
  );
  fence.addCatch(
    new sfn.Fail(ns, 'NotHealthyLongEnough', {
      stateName: S.notHealthyLongEnough,
      error: 'NotHealthyLongEnough',
      causePath: '$.error.Cause',
      comment: 'A failback before the region was healthy long enough (the cause says what); nothing was changed.',
    }),
    { errors: ['NotHealthyLongEnough'], resultPath: '$.error' },
  );
  fence.addCatch(failure, { errors: ['States.ALL'], resultPath: '$.error' });
  return fence.next(next);
}

/** Raise Capacity, then poll until running and healthy (or the deadline), then the warm-up hold. */
function capacityPhase(
  ns: Construct,
  fns: RegionFailoverFunctions,
  failure: sfn.IChainable,
  traffic: sfn.IChainable,
): sfn.IChainable {
  const raise = opStep(ns, S.raiseCapacity, fns.steps, 'raise', failure);
  const check = opStep(ns, S.checkCapacity, fns.steps, 'capacity', failure);
  const wait = new sfn.Wait(ns, 'WaitForCapacity', {
    stateName: S.waitForCapacity,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const warmUp = new sfn.Wait(ns, 'WarmUp', {
    stateName: S.warmUp,
    comment: 'The warm-up hold after the destination runs its targets and reports them healthy.',
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const ready = new sfn.Choice(ns, 'CapacityReady', { stateName: S.capacityReady })
    .when(sfn.Condition.stringEquals('$.phase', 'warm-up'), warmUp.next(traffic))
    .otherwise(wait.next(check));
  check.next(ready);
  return raise.next(ready);
}

/** Shift Traffic, wait for INSYNC, then (ladder) hold and watch each rung, or (immediate) the TTL. */
function trafficPhase(
  ns: Construct,
  fns: RegionFailoverFunctions,
  failure: sfn.IChainable,
  complete: sfn.IChainable,
  abort: sfn.IChainable,
): sfn.IChainable {
  const shift = opStep(ns, S.shiftTraffic, fns.steps, 'shift', failure);
  const waitForChange = new sfn.Wait(ns, 'WaitForChange', {
    stateName: S.waitForChange,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const checkChange = opStep(ns, S.checkChange, fns.steps, 'change', failure);
  const waitForClients = new sfn.Wait(ns, 'WaitForClients', {
    stateName: S.waitForClients,
    comment: 'The records TTL: resolvers hold the previous answer this long after INSYNC.',
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const hold = new sfn.Wait(ns, 'HoldRung', { stateName: S.holdRung, time: sfn.WaitTime.secondsPath('$.waitSeconds') });
  const watch = opStep(ns, S.watchRung, fns.steps, 'watch', failure);
  const waitWhilePaused = new sfn.Wait(ns, 'WaitWhilePaused', {
    stateName: S.waitWhilePaused,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const checkCommands = opStep(ns, S.checkCommands, fns.steps, 'paused', failure);
  const unexpected = new sfn.Fail(ns, 'UnexpectedPhase', {
    stateName: S.unexpectedPhase,
    error: 'UnexpectedPhase',
    cause:
      'A step returned a phase this definition does not know: deploy the functions and the state machine together.',
  });
  const verdict = new sfn.Choice(ns, 'RungVerdict', { stateName: S.rungVerdict })
    .when(sfn.Condition.stringEquals('$.phase', 'holding'), hold)
    .when(sfn.Condition.stringEquals('$.phase', 'shift'), shift)
    .when(sfn.Condition.stringEquals('$.phase', 'returning'), shift)
    .when(sfn.Condition.stringEquals('$.phase', 'complete'), complete)
    .when(sfn.Condition.stringEquals('$.phase', 'paused'), waitWhilePaused)
    .when(sfn.Condition.stringEquals('$.phase', 'aborted'), abort)
    .otherwise(unexpected);
  hold.next(watch);
  watch.next(verdict);
  waitWhilePaused.next(checkCommands);
  checkCommands.next(verdict);
  const inSync = new sfn.Choice(ns, 'ChangeInSync', { stateName: S.changeInSync })
    .when(sfn.Condition.stringEquals('$.phase', 'propagating'), waitForChange)
    .when(sfn.Condition.stringEquals('$.phase', 'settling'), waitForClients.next(complete))
    .when(sfn.Condition.stringEquals('$.phase', 'holding'), hold)
    .otherwise(unexpected);
  waitForChange.next(checkChange);
  checkChange.next(inSync);
  shift.next(waitForChange);
  return shift;
}

/** Every step's Catch: release the fence, record and report where traffic and capacity are, then fail. */
function failurePath(ns: Construct, fns: RegionFailoverFunctions): sfn.IChainable {
  const failed = new sfn.Fail(ns, 'FailoverFailed', {
    stateName: S.failoverFailed,
    error: 'FailoverFailed',
    cause:
      'A failover step kept failing after retries. The fence was released; the ledger record and the Failover Failed event say how much traffic is on the destination and what capacity was raised. Read the failed step in the execution history, fix the cause, then start the failover again (it resumes from the same weights) or abort it.',
  });
  const recordFailure = lambdaStep(ns, S.recordFailure, fns.steps, payload('fail'));
  recordFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
  return recordFailure.next(failed);
}

const payload = (op: string) => opPayload(op, '$.failoverId');
/** A failover is urgent: its steps retry AWS errors for seconds, not minutes. */
const lambdaStep = (ns: Construct, name: string, fn: lambda.IFunction, input?: sfn.TaskInput) =>
  sharedLambdaStep(ns, name, fn, input, URGENT_AWS_RETRY);
const opStep = (ns: Construct, name: string, fn: lambda.IFunction, op: string, failure: sfn.IChainable) =>
  caughtStep(ns, name, fn, payload(op), failure, URGENT_AWS_RETRY);
