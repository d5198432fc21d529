import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { addStepRetries, catchInputErrors, caughtStep, lambdaStep, opPayload } from './steps.ts';

/**
 * The drain-host workflow (Standard, JSONPath). The input is the raw EventBridge event or the manual
 * console input; 'Resolve Request' turns it into the drain state `$` that every later step takes and
 * returns. Flow:
 *
 *   Resolve Request -> Route Request
 *     skip / duplicate   -> Skipped / Duplicate
 *     complete           -> Complete Lifecycle Action            (instance in no cluster, or already gone)
 *     drain              -> Acquire Budget <-> Wait For Budget -> Start Drain -> Drain Done?
 *                              Drain Done? stopping -> Wait For Tasks -> Check Tasks -> Drain Done?
 *                              Drain Done? draining -> Wait Before Next Check -> Check Tasks -> Drain Done?
 *                              Drain Done? settle   -> Settle -> Complete Lifecycle Action
 *                              Drain Done? finish   -> Complete Lifecycle Action
 *     launch             -> Check Launch <-> Wait For Host -> Complete Lifecycle Action
 *     mark               -> Mark Host -> Mark Held? -> Wait Before Unmark -> Mark Host -> Record Outcome
 *     extend             -> Extend Drain -> Record Outcome
 *     release            -> Release Host -> Complete Lifecycle Action
 *   Complete Lifecycle Action -> Release Budget -> Record Outcome -> Done
 *
 * Failures: 'Invalid Input' (first state, before any mutating call), 'Resolve Failed', and every later
 * step's Catch -> Release Budget After Error -> Record Failure -> 'Drain Failed'.
 * State names are a contract (tests, the local cloud, the README): change them only with all three.
 */
export const DRAIN_HOST_STATES = {
  resolve: 'Resolve Request',
  route: 'Route Request',
  skipped: 'Skipped',
  duplicate: 'Duplicate',
  acquireBudget: 'Acquire Budget',
  budgetAcquired: 'Budget Acquired?',
  waitForBudget: 'Wait For Budget',
  startDrain: 'Start Drain',
  drainDone: 'Drain Done?',
  waitBeforeNextCheck: 'Wait Before Next Check',
  waitForTasks: 'Wait For Tasks',
  checkTasks: 'Check Tasks',
  settle: 'Settle',
  checkLaunch: 'Check Launch',
  hostReady: 'Host Ready?',
  waitForHost: 'Wait For Host',
  markHost: 'Mark Host',
  markHeld: 'Mark Held?',
  waitBeforeUnmark: 'Wait Before Unmark',
  extendDrain: 'Extend Drain',
  releaseHost: 'Release Host',
  completeLifecycleAction: 'Complete Lifecycle Action',
  releaseBudget: 'Release Budget',
  recordOutcome: 'Record Outcome',
  done: 'Done',
  releaseBudgetAfterError: 'Release Budget After Error',
  recordFailure: 'Record Failure',
  invalidInput: 'Invalid Input',
  resolveFailed: 'Resolve Failed',
  unexpectedRequest: 'Unexpected Request',
  drainFailed: 'Drain Failed',
} as const;

const S = DRAIN_HOST_STATES;

/**
 * The three Lambda functions of the workflow (functions/host-draining/{resolve,drain,finish}.ts), as
 * published versions: every Task names a version's ARN (`…:function:name:N`), so an execution keeps
 * calling the code it started with for its whole life (up to 50 h) whatever is deployed meanwhile, and
 * executions started after a deploy call the new version.
 */
export interface DrainHostFunctions {
  readonly resolve: lambda.IVersion;
  readonly drain: lambda.IVersion;
  readonly finish: lambda.IVersion;
}

/** Longest a drain execution may run: the hook's 48 h global cap, plus room to finish. */
export const DRAIN_HOST_TIMEOUT = Duration.hours(50);

/** Builds the workflow's definition in `scope` (a construct used as a namespace). */
export function drainHostDefinition(scope: Construct, fns: DrainHostFunctions): sfn.IChainable {
  const ns = new Construct(scope, 'Definition');
  const failure = failurePath(ns, fns);
  const record = opStep(ns, S.recordOutcome, fns.finish, 'record', failure);
  record.next(new sfn.Succeed(ns, 'Done', { stateName: S.done }));
  const finishing = finishPhase(ns, fns, failure, record);
  const drainLoop = drainPhase(ns, fns, failure, finishing);
  const launch = launchPhase(ns, fns, failure, finishing);
  const manual = manualPhase(ns, fns, failure, finishing, record);

  // The raw execution input (the EventBridge event or the console input) as is, with the execution that owns
  // the drain's ledger claim and budget slot (a retry of this step by the same execution carries on).
  const resolve = lambdaStep(
    ns,
    S.resolve,
    fns.resolve,
    sfn.TaskInput.fromObject({ 'input.$': '$', 'execution.$': '$$.Execution.Id' }),
  );
  catchInputErrors(
    ns,
    resolve,
    {
      stateName: S.invalidInput,
      comment:
        'The input is malformed; the cause names the field and the fix. Correct it (see events/schemas/drain-host-input.schema.json) and start again. Nothing was changed.',
    },
    {
      id: 'ResolveFailed',
      stateName: S.resolveFailed,
      cause:
        'Could not resolve the request (group, cluster, container instance, hook or ledger lock) after retries; nothing was changed. Read the Resolve Request error in the execution history, fix it (IAM, configuration), then start the execution again with the same input.',
    },
  );

  const route = new sfn.Choice(ns, 'RouteRequest', { stateName: S.route })
    .when(sfn.Condition.stringEquals('$.action', 'skip'), new sfn.Succeed(ns, 'Skipped', { stateName: S.skipped }))
    .when(
      sfn.Condition.stringEquals('$.action', 'duplicate'),
      new sfn.Succeed(ns, 'Duplicate', { stateName: S.duplicate }),
    )
    .when(sfn.Condition.stringEquals('$.action', 'complete'), finishing)
    .when(sfn.Condition.stringEquals('$.action', 'drain'), drainLoop)
    .when(sfn.Condition.stringEquals('$.action', 'launch'), launch)
    .when(sfn.Condition.stringEquals('$.action', 'mark'), manual.mark)
    .when(sfn.Condition.stringEquals('$.action', 'extend'), manual.extend)
    .when(sfn.Condition.stringEquals('$.action', 'release'), manual.release)
    .otherwise(
      new sfn.Fail(ns, 'UnexpectedRequest', {
        stateName: S.unexpectedRequest,
        error: 'UnexpectedRequest',
        cause:
          'Resolve Request returned an action this definition does not know: deploy the functions and the state machine together.',
      }),
    );
  return resolve.next(route);
}

/** Acquire Budget (waiting with heartbeats), Start Drain, then the polling loop with back-off. */
function drainPhase(
  ns: Construct,
  fns: DrainHostFunctions,
  failure: sfn.IChainable,
  finishing: sfn.IChainable,
): sfn.IChainable {
  const acquire = opStep(ns, S.acquireBudget, fns.drain, 'acquire', failure);
  const waitForBudget = new sfn.Wait(ns, 'WaitForBudget', {
    stateName: S.waitForBudget,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const start = opStep(ns, S.startDrain, fns.drain, 'start', failure);
  const check = opStep(ns, S.checkTasks, fns.drain, 'check', failure);
  const waitBeforeNextCheck = new sfn.Wait(ns, 'WaitBeforeNextCheck', {
    stateName: S.waitBeforeNextCheck,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const settle = new sfn.Wait(ns, 'Settle', {
    stateName: S.settle,
    comment: "The target groups' deregistration delay (plus the policy's extra) after the last task stopped.",
    time: sfn.WaitTime.secondsPath('$.settleSeconds'),
  });
  // Woken by the host's last task stop (functions/host-draining/core/wake.ts), or by its own timeout: the
  // fallback check, which makes the drain independent of the ECS events' delivery.
  const waitForTasks = new tasks.LambdaInvoke(ns, 'WaitForTasks', {
    stateName: S.waitForTasks,
    comment:
      "Parks the task token on the host's wake item; the wake function sends it back when the last task the drain waits for has STOPPED. The timeout ($.waitSeconds: the fallback check, capped by the next heartbeat and the deadline) goes to Check Tasks too.",
    lambdaFunction: fns.drain,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      op: 'park',
      'correlationId.$': '$.request.drainId',
      'state.$': '$',
      token: sfn.JsonPath.taskToken,
    }),
    taskTimeout: sfn.Timeout.at('$.waitSeconds'),
    // The callback's output marks the check that follows as woken (its timeout's Catch does not).
    resultPath: '$.woken',
    retryOnServiceExceptions: false,
  });
  addStepRetries(waitForTasks);
  waitForTasks.addCatch(check, { errors: ['States.Timeout'], resultPath: sfn.JsonPath.DISCARD });
  waitForTasks.addCatch(failure, { errors: ['States.ALL'], resultPath: '$.error' });
  waitForTasks.next(check);
  const done = new sfn.Choice(ns, 'DrainDone', { stateName: S.drainDone })
    .when(sfn.Condition.stringEquals('$.phase', 'stopping'), waitForTasks)
    .when(sfn.Condition.stringEquals('$.phase', 'draining'), waitBeforeNextCheck.next(check))
    .when(sfn.Condition.stringEquals('$.phase', 'settle'), settle.next(finishing))
    .otherwise(finishing);
  check.next(done);
  const budgetAcquired = new sfn.Choice(ns, 'BudgetAcquired', { stateName: S.budgetAcquired })
    .when(sfn.Condition.stringEquals('$.phase', 'waiting-budget'), waitForBudget.next(acquire))
    .when(sfn.Condition.stringEquals('$.phase', 'draining'), start.next(done))
    .otherwise(finishing);
  return acquire.next(budgetAcquired);
}

/** Check Launch until the host is ACTIVE with its agent connected (or the launch deadline passes). */
function launchPhase(
  ns: Construct,
  fns: DrainHostFunctions,
  failure: sfn.IChainable,
  finishing: sfn.IChainable,
): sfn.IChainable {
  const checkLaunch = opStep(ns, S.checkLaunch, fns.drain, 'launch', failure);
  const waitForHost = new sfn.Wait(ns, 'WaitForHost', {
    stateName: S.waitForHost,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const ready = new sfn.Choice(ns, 'HostReady', { stateName: S.hostReady })
    .when(sfn.Condition.stringEquals('$.phase', 'draining'), waitForHost.next(checkLaunch))
    .otherwise(finishing);
  return checkLaunch.next(ready);
}

/** Rebalance soft mark and the manual extend / release actions. */
function manualPhase(
  ns: Construct,
  fns: DrainHostFunctions,
  failure: sfn.IChainable,
  finishing: sfn.IChainable,
  record: sfn.IChainable,
) {
  // The rebalance mark is held for a while, then removed unless an interruption or a drain followed.
  const mark = opStep(ns, S.markHost, fns.drain, 'mark', failure);
  const waitBeforeUnmark = new sfn.Wait(ns, 'WaitBeforeUnmark', {
    stateName: S.waitBeforeUnmark,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  mark.next(
    new sfn.Choice(ns, 'MarkHeld', { stateName: S.markHeld })
      .when(sfn.Condition.stringEquals('$.phase', 'draining'), waitBeforeUnmark.next(mark))
      .otherwise(record),
  );
  const extend = opStep(ns, S.extendDrain, fns.drain, 'extend', failure);
  extend.next(record);
  const release = opStep(ns, S.releaseHost, fns.drain, 'release', failure);
  release.next(finishing);
  return { mark, extend, release };
}

/** Complete Lifecycle Action, then Release Budget, then Record Outcome. */
function finishPhase(
  ns: Construct,
  fns: DrainHostFunctions,
  failure: sfn.IChainable,
  record: sfn.IChainable,
): sfn.IChainable {
  const complete = opStep(ns, S.completeLifecycleAction, fns.finish, 'complete', failure);
  const release = opStep(ns, S.releaseBudget, fns.finish, 'release-budget', failure);
  return complete.next(release).next(record);
}

/** Every step's Catch: give the budget slot back, record the failure, then fail with a cause a person can act on. */
function failurePath(ns: Construct, fns: DrainHostFunctions): sfn.IChainable {
  const failed = new sfn.Fail(ns, 'DrainFailed', {
    stateName: S.drainFailed,
    error: 'DrainFailed',
    cause:
      'A drain step kept failing after retries; its budget slot was released and the failure recorded in the ledger. The lifecycle hook (if any) follows its DefaultResult when its heartbeat runs out. Read the failed step in the execution history, fix the cause, then drain the instance by hand: {"action": "drain", "instanceId": "i-..."}.',
  });
  const recordFailure = lambdaStep(ns, S.recordFailure, fns.finish, payload('record'));
  recordFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
  const release = lambdaStep(ns, S.releaseBudgetAfterError, fns.finish, payload('release-budget'));
  release.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
  return release.next(recordFailure).next(failed);
}

const payload = (op: string) => opPayload(op, '$.request.drainId');
const opStep = (ns: Construct, name: string, fn: lambda.IFunction, op: string, failure: sfn.IChainable) =>
  caughtStep(ns, name, fn, payload(op), failure);
