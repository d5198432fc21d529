import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { DRAIN_EVENT } from '#events/ballast-events.ts';
import { type DrainState, STOPPED_TASKS_KEPT, type TrackedTask } from '../state.ts';
import type { DrainDeps } from './deps.ts';
import { emit, eventDetail, noteDelivery } from './emit.ts';
import { superseded } from './exclusive.ts';
import { heartbeatIfDue, required } from './hook.ts';
import {
  boundTasks,
  countByClass,
  describeContainerInstance,
  describeServices,
  describeTasks,
  leftCluster,
  listHostTasks,
  setDraining,
  stuckServices,
  targetGroupsOf,
  totalCounts,
  trackTasks,
} from './hosts.ts';
import { describeSettle, settleDelay } from './targets.ts';
import {
  addSeconds,
  capWait,
  GLOBAL_TIMEOUT_MARGIN_SECONDS,
  heartbeatDueIn,
  hookEndMessage,
  hookEndOutcome,
  nextWait,
  seconds,
} from './timing.ts';
import { openWake, reportedStopped, waitingFor, wakes } from './wake.ts';

/** After a forced stop, how long Ballast waits for the tasks' stop timeouts (ECS allows up to 120 s). */
export const FORCE_GRACE_SECONDS = 180;
/** A forced drain completes at the latest this long before the hook's global timeout. */
export const FORCE_END_MARGIN_SECONDS = 60;

/**
 * The steps of a drain, each one Lambda invocation of functions/host-draining/drain.ts: 'Acquire Budget',
 * 'Start Drain', 'Check Tasks', 'Check Launch', 'Mark Host', 'Extend Drain', 'Release Host'. Each takes the
 * workflow state and returns the next one; the state machine routes on `phase` and waits `waitSeconds`.
 * In dry-run no step makes a mutating call: it logs and emits what it would do.
 *
 * This file holds the drain loop ('Start Drain', 'Check Tasks'); the other steps are in ./budget.ts
 * ('Acquire Budget'), ./launch.ts ('Check Launch') and ./manual.ts ('Mark Host', 'Extend Drain', 'Release
 * Host'), with the lifecycle-hook and host-mark helpers they share in ./hook.ts.
 */

// ---------------------------------------------------------------------------------------------- start

/**
 * 'Start Drain': records every task on the host (desired RUNNING and desired STOPPED alike), sets the
 * container instance DRAINING (unless ECS managed draining does it, or it already is: a re-run carries
 * on), reports services that cannot move, and emits 'Drain Started'. In dry-run it ends here with the plan.
 */
export async function startDrain(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  const now = deps.clock();
  const cluster = required(state.cluster, 'cluster');
  const arn = required(state.containerInstanceArn, 'containerInstanceArn');
  const ecs = deps.clients.ecs;
  const gone = () =>
    finish(state, 'gone', `${state.request.instanceId} left the cluster before the drain started.`, 'CONTINUE');
  const decisions: string[] = [];
  // Before DRAINING: every stop from now on is recorded for the wake-up (./wake.ts).
  await openWake(state, deps);
  if (state.complement || state.dryRun) {
    const instance = await describeContainerInstance(ecs, cluster, arn);
    if (leftCluster(instance)) return gone();
    decisions.push(
      instance?.status === 'DRAINING'
        ? 'host already DRAINING: carrying on'
        : state.complement
          ? 'ECS managed draining sets DRAINING: not touching the instance state'
          : 'would set DRAINING',
    );
  } else {
    // One call both sets DRAINING (ECS accepts it again on a DRAINING host: a re-run carries on) and tells
    // whether the host is still registered (an INACTIVE or unknown one comes back as a failure).
    const set = await setDraining(ecs, cluster, arn);
    if (set === 'gone') return gone();
    decisions.push('set DRAINING');
  }
  // A paced start (core/budget.ts): the host is DRAINING already, its tasks are listed at its turn by the
  // 'Check Tasks' after the wait. A task that stops meanwhile is still listed (desired STOPPED).
  const done = decisions.join('; ');
  const turnIn = state.budget.startAt ? Math.ceil((Date.parse(state.budget.startAt) - now.getTime()) / 1000) : 0;
  if (turnIn > 0 && !state.dryRun) {
    const waitSeconds = capWait(state, turnIn, now);
    return {
      ...state,
      phase: 'draining',
      startNote: done,
      waitSeconds,
      message: `Drain begun (${done}); the host's tasks are listed in ${waitSeconds} s (the drains of ${cluster} start one a second, to keep ECS reads light).`,
    };
  }
  return listAndTrack(state, deps, now, done);
}

/**
 * The rest of 'Start Drain', after DRAINING: lists and records every task on the host, reports services that
 * cannot move, emits 'Drain Started' and makes the first check. Run by 'Start Drain' itself, or, for a paced
 * start, by the 'Check Tasks' at its turn.
 */
async function listAndTrack(state: DrainState, deps: DrainDeps, now: Date, decisions: string): Promise<DrainState> {
  const cluster = required(state.cluster, 'cluster');
  const arn = required(state.containerInstanceArn, 'containerInstanceArn');
  const ecs = deps.clients.ecs;
  // Listed after DRAINING: no task is placed on the host from now on (ECS places none on a DRAINING
  // instance), so every later check needs to list only what is still desired RUNNING.
  // ECS lists a host's tasks desired STOPPED for an hour after they stop: one that was STOPPED before the
  // request arrived was not on the host for this drain, and neither it nor its load balancer is waited for.
  const beforeRequest = new Date(Date.parse(state.receivedAt) - 1).toISOString();
  const seen = await trackTasks(ecs, cluster, await listHostTasks(ecs, cluster, arn), beforeRequest);
  const bounded = boundTasks(seen.tracked, undefined, STOPPED_TASKS_KEPT);
  const tasks = bounded.tasks;
  // The services were described to classify their tasks: the same answer tells which cannot move.
  const openServices = new Set(
    tasks.filter((t) => t.cls === 'service' && !t.stopped && t.service).map((t) => t.service!),
  );
  const stuck = stuckServices(new Map([...seen.services].filter(([name]) => openServices.has(name))), now);
  const { startNote: _note, ...begun } = state;
  let next: DrainState = {
    ...begun,
    startedAt: now.toISOString(),
    tasks,
    targetGroups: targetGroupsOf(seen.services),
    ...(bounded.dropped ? { dropped: bounded.dropped } : {}),
    checkedAt: now.toISOString(),
    stuckServices: stuck,
    waitSeconds: 0,
  };
  const counts = countByClass(tasks, (t) => !t.stopped);
  const message = `Drain started (${decisions}): ${counts.service} service, ${counts.standalone} standalone, ${counts.daemon} daemon task(s) to stop${stuck.length ? `; cannot move: ${stuck.map((s) => s.service).join(', ')}` : ''}.`;
  next = noteDelivery(next, DRAIN_EVENT.started, await emit(deps, DRAIN_EVENT.started, eventDetail(next, message)));

  if (state.dryRun) {
    const plan = [
      decisions,
      state.policy.standaloneTasks === 'stop' || state.request.kind === 'spot'
        ? `would stop ${counts.standalone} standalone task(s) after ${state.request.kind === 'spot' ? 0 : state.policy.standaloneGraceSeconds} s`
        : `would wait for ${counts.standalone} standalone task(s)`,
      `would stop ${counts.daemon} daemon task(s) after all others stopped`,
      `deadline ${state.deadlineAt} then '${state.policy.deadlinePolicy}'`,
      await settlePlan(next, deps),
    ];
    return finish(next, 'dry-run', `Dry-run: ${plan.join('; ')}.`);
  }
  next = { ...next, message };
  return check(next, deps, now, true);
}

// ---------------------------------------------------------------------------------------------- check

/**
 * 'Check Tasks': polls the host until every recorded task (and any that arrived since) is STOPPED, applies
 * the standalone and daemon policies, reports services that cannot move, keeps the hook alive, and at the
 * deadline applies the group's deadline policy. Returns phase 'draining' (wait `waitSeconds`), 'settle'
 * (wait `settleSeconds`, then complete) or 'finish'.
 */
export async function checkTasks(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  // A paced start's turn: the host was set DRAINING by 'Start Drain', its tasks are listed now.
  if (state.startNote !== undefined && state.startedAt === undefined) {
    return listAndTrack(state, deps, deps.clock(), state.startNote);
  }
  return check(state, deps, deps.clock(), false);
}

/**
 * What 'Check Tasks' reads before it decides: the ledger record (released, superseded, extended), the
 * container instance (gone), the settle in progress, the tasks (arrivals, and every open task described
 * again) and services that cannot move. Returns `done` when the drain ends here.
 */
async function observe(
  state: DrainState,
  deps: DrainDeps,
  now: Date,
): Promise<{ done: DrainState } | { state: DrainState; tasks: TrackedTask[]; progress: boolean }> {
  const cluster = required(state.cluster, 'cluster');
  const arn = required(state.containerInstanceArn, 'containerInstanceArn');
  const ecs = deps.clients.ecs;

  // An operator may have extended (deadlineAt) or released (status) the drain: the ledger record says so.
  const record = await deps.ledger.getDrain(deps.config.region, state.request.instanceId, state.request.drainId);
  if (record?.status === 'released') {
    return { done: finish(state, 'released', 'Released by an operator: the release completed the lifecycle action.') };
  }
  const over = superseded(state, record);
  if (over) return { done: over };
  let current: DrainState =
    typeof record?.deadlineAt === 'string' && record.deadlineAt !== state.deadlineAt
      ? { ...state, deadlineAt: record.deadlineAt }
      : state;

  const instance = await describeContainerInstance(ecs, cluster, arn);
  if (!instance || instance.status === 'INACTIVE') {
    return {
      done: finish(
        current,
        'gone',
        `${state.request.instanceId} left the cluster during the drain.`,
        current.hook ? 'CONTINUE' : undefined,
      ),
    };
  }

  // Settling: every task stopped; the wait is split so that the hook gets its heartbeats.
  if (current.settleUntil) {
    const cut =
      current.hook &&
      current.settleUntil >= addSeconds(current.hook.globalDeadlineAt, -GLOBAL_TIMEOUT_MARGIN_SECONDS - 1);
    const note = cut ? ` (cut by the lifecycle hook's global timeout at ${current.hook!.globalDeadlineAt})` : '';
    return {
      done: await continueSettle(
        current,
        deps,
        now,
        `All tasks stopped; settling for the load balancers${current.settleFor ? ` (${current.settleFor})` : ''} until ${current.settleUntil}${note}.`,
      ),
    };
  }

  // Refresh: new arrivals are recorded too; every task not yet seen STOPPED is described again.
  // A listed task that is not tracked is new, unless it was already STOPPED at the last check (then it
  // was seen and counted, and dropped from the state to keep it bounded).
  const known = new Set(current.tasks.map((t) => t.arn));
  // Ballast set DRAINING before it listed the host, and ECS places no task on a DRAINING host: a check woken
  // by the last stop lists only what is still desired RUNNING, and lists nothing when the container instance
  // just described counts exactly the tasks left (countsMatch). Under ECS managed draining (the host may have
  // become DRAINING later), and at every fallback check, tasks already desired STOPPED are listed too.
  const woken = current.woken !== undefined && !current.complement;
  const reported = woken ? reportedStopped(current) : new Set<string>();
  const open = current.tasks.filter((t) => !t.stopped).map((t) => t.arn);
  const listed =
    countsMatch(instance, open, reported) ??
    (await listHostTasks(ecs, cluster, arn, woken ? ['RUNNING'] : ['RUNNING', 'STOPPED']));
  const arrived = listed.filter((a) => !known.has(a));
  const fresh = await trackTasks(ecs, cluster, arrived, current.checkedAt ?? current.startedAt);
  const added = fresh.tracked;
  // Which open tasks need describing. A fallback check describes them all. A woken check has listed what is
  // still desired RUNNING: a listed task is still open, and a task the wake reported STOPPED (ECS's own task
  // state change events, ./wake.ts) that is no longer listed has stopped; only the others are described (a
  // task no longer desired RUNNING that no event reported, or a reported one ECS still lists).
  const stillListed = new Set(listed);
  const unsure = woken ? open.filter((a) => reported.has(a) === stillListed.has(a)) : open;
  const described = await describeTasks(ecs, cluster, unsure);
  const asked = new Set(unsure);
  let progress = false;
  const tasks: TrackedTask[] = [
    ...current.tasks.map((t) => {
      if (t.stopped) return t;
      let stopped: boolean;
      if (asked.has(t.arn)) {
        const task = described.get(t.arn);
        stopped = !task || task.lastStatus === 'STOPPED';
      } else {
        stopped = !stillListed.has(t.arn);
      }
      if (stopped) progress = true;
      return stopped ? { ...t, stopped } : t;
    }),
    ...added,
  ];
  if (added.length) deps.logger.info('Tasks arrived on the draining host', { arrived: added.length });
  const bounded = boundTasks(tasks, current.dropped, STOPPED_TASKS_KEPT);
  const { woken: _woken, ...seen } = current;
  current = {
    ...seen,
    tasks: bounded.tasks,
    ...(fresh.services.size > 0
      ? { targetGroups: { ...(current.targetGroups ?? {}), ...targetGroupsOf(fresh.services) } }
      : {}),
    ...(bounded.dropped ? { dropped: bounded.dropped } : {}),
    checkedAt: now.toISOString(),
  };

  // Services that cannot move: reported within one poll.
  const openServices = tasks.filter((t) => t.cls === 'service' && !t.stopped && t.service).map((t) => t.service!);
  if (openServices.length > 0) {
    const since = new Date(current.startedAt ?? now.toISOString());
    const stuck = stuckServices(await describeServices(ecs, cluster, openServices), since);
    const fresh = stuck.filter((s) => !current.stuckServices.some((k) => k.service === s.service));
    if (fresh.length > 0) {
      current = { ...current, stuckServices: [...current.stuckServices, ...fresh] };
      const text = `Cannot move: ${fresh.map((s) => `${s.service} (${s.reason})`).join('; ')}`;
      current = noteDelivery(
        current,
        DRAIN_EVENT.stuck,
        await emit(deps, DRAIN_EVENT.stuck, eventDetail(current, text)),
      );
    }
  }
  return { state: current, tasks, progress };
}

/**
 * A woken check without a ListTasks call, when ECS's own count says what listing would. On a host Ballast set
 * DRAINING before it listed it, nothing arrives (ECS places no task on a DRAINING instance), so every task
 * still desired RUNNING is an open tracked task; a task the wake reported STOPPED (ECS's task state change
 * event) is desired STOPPED. So the tasks desired RUNNING are a subset of the open ones not reported, and when
 * the container instance's count of tasks desired RUNNING (`runningTasksCount` plus `pendingTasksCount`)
 * equals their number, they are exactly those. Any other count (a reported task ECS still runs, a late event)
 * returns undefined: the check lists the host as before. Only a woken check has reports, so `reported` is
 * empty otherwise and this returns undefined.
 */
function countsMatch(
  instance: { runningTasksCount?: number; pendingTasksCount?: number },
  open: readonly string[],
  reported: ReadonlySet<string>,
): string[] | undefined {
  if (reported.size === 0) return undefined;
  const expected = open.filter((a) => !reported.has(a));
  const running = (instance.runningTasksCount ?? Number.NaN) + (instance.pendingTasksCount ?? 0);
  return running === expected.length ? expected : undefined;
}

async function check(state: DrainState, deps: DrainDeps, now: Date, first: boolean): Promise<DrainState> {
  // The first check comes from 'Start Drain', which has just read all of it.
  const observed = first ? { state, tasks: state.tasks, progress: false } : await observe(state, deps, now);
  if ('done' in observed) return observed.done;
  let current = observed.state;
  const { tasks, progress } = observed;
  const spot = state.request.kind === 'spot';

  const remaining = tasks.filter((t) => !t.stopped);
  const pastDeadline = now.getTime() >= new Date(current.deadlineAt).getTime();

  if (remaining.length === 0) {
    if (current.forcedAt) return settle(current, deps, now, 'forced', 'Remaining tasks were stopped at the deadline.');
    return settle(current, deps, now, 'drained', `All ${tasks.length} task(s) stopped.`);
  }

  if (pastDeadline && !current.forcedAt) {
    const left = countByClass(tasks, (t) => !t.stopped);
    const what = `${left.service} service, ${left.standalone} standalone, ${left.daemon} daemon task(s) still on the host`;
    if (spot)
      return finish(
        current,
        'spot-deadline',
        `Spot interruption due: ${what} could not move in time.${returnNote(current)}`,
        lifecycleFor(current),
      );
    switch (current.policy.deadlinePolicy) {
      case 'continue':
        return finish(
          current,
          'timed-out',
          `Deadline passed with ${what}: continuing the termination (policy 'continue').`,
          lifecycleFor(current),
        );
      case 'retain':
        return finish(
          current,
          'retained',
          `Deadline passed with ${what}: abandoning the lifecycle action so the host is retained for a person to decide (policy 'retain').`,
          'ABANDON',
        );
      case 'force':
        current = {
          ...(await stopTasks(current, deps, remaining, 'deadline passed (policy force)')),
          forcedAt: now.toISOString(),
        };
        return poll(current, deps, now, true, `Deadline passed: stopping ${what}.`);
    }
  }
  // The grace for forced stops ends early enough to complete before the hook's global timeout.
  const hookEnds = current.hook
    ? seconds(now, new Date(current.hook.globalDeadlineAt)) <= FORCE_END_MARGIN_SECONDS
    : false;
  if (current.forcedAt && (seconds(current.forcedAt, now) >= FORCE_GRACE_SECONDS || hookEnds)) {
    return finish(
      current,
      'forced',
      hookEnds
        ? `Tasks stopped at the deadline had not all reached STOPPED ${FORCE_END_MARGIN_SECONDS} s before the hook's global timeout: continuing.`
        : `Tasks stopped at the deadline did not all reach STOPPED within ${FORCE_GRACE_SECONDS} s: continuing.`,
      lifecycleFor(current),
    );
  }

  // Standalone tasks: wait, or stop after the grace period (at once on the Spot fast path).
  const startedAt = current.startedAt ?? now.toISOString();
  const standalone = remaining.filter((t) => t.cls === 'standalone' && !t.stopRequested);
  if (
    standalone.length > 0 &&
    (spot ||
      (current.policy.standaloneTasks === 'stop' && seconds(startedAt, now) >= current.policy.standaloneGraceSeconds))
  ) {
    current = await stopTasks(current, deps, standalone, spot ? 'Spot interruption' : 'standalone grace period over');
  }
  // Daemon tasks last: only once every other task is STOPPED (Spot: also in the last 20 s).
  const others = current.tasks.filter((t) => !t.stopped && t.cls !== 'daemon');
  const daemons = current.tasks.filter((t) => !t.stopped && t.cls === 'daemon' && !t.stopRequested);
  const spotLast = spot && seconds(now, new Date(current.deadlineAt)) <= 20;
  if (daemons.length > 0 && (others.length === 0 || spotLast)) {
    current = await stopTasks(current, deps, daemons, 'all other tasks stopped');
  }
  return poll(current, deps, now, progress, current.message);
}

async function poll(
  state: DrainState,
  deps: DrainDeps,
  now: Date,
  progress: boolean,
  message: string,
): Promise<DrainState> {
  const { poll: cfg } = deps.config;
  const next = await heartbeatIfDue(state, deps, now);
  if (next.lifecycleCompleted) {
    const outcome = hookEndOutcome(state, now);
    return finish(next, outcome, `${hookEndMessage(outcome)} Stopping the drain.`);
  }
  // Woken by the last task's stop (./wake.ts), checking by itself at the fallback, the grace end, the next
  // heartbeat or the deadline, whichever comes first; else polling with back-off.
  const woken = wakes(state, deps) && !state.forcedAt && waitingFor(next).length > 0;
  const wanted =
    state.request.kind === 'spot'
      ? cfg.spotSeconds
      : state.forcedAt
        ? 10
        : woken
          ? Math.min(cfg.fallbackSeconds, graceLeft(next, now) ?? cfg.fallbackSeconds)
          : nextWait(state.waitSeconds, progress, cfg.initialSeconds, cfg.maxSeconds);
  const waitSeconds = capWait(next, wanted, now);
  const left = countByClass(next.tasks, (t) => !t.stopped);
  // The record shows what is left: written when it changed (the first check, a task stopped), not every check.
  const first = state.checkedAt === state.startedAt;
  if (progress || first) {
    await deps.ledger.updateDrain(deps.config.region, state.request.instanceId, state.request.drainId, {
      // The first check is Start Drain's: the record gets the start in the same write.
      ...(first
        ? { drainStartedAt: state.startedAt, tasksAtStart: totalCounts(state), stuckServices: state.stuckServices }
        : {}),
      checkedAt: now.toISOString(),
      remaining: left,
    });
  }
  const count = left.service + left.standalone + left.daemon;
  return {
    ...next,
    phase: woken ? 'stopping' : 'draining',
    waitSeconds,
    message: woken
      ? `${message} Waiting for ${count} task(s) to stop (woken by the last one; checking anyway in ${waitSeconds} s).`.trim()
      : `${message} Waiting for ${count} task(s); next check in ${waitSeconds} s.`.trim(),
  };
}

/** Seconds until the standalone grace period ends, while standalone tasks wait for it (policy 'stop'). */
function graceLeft(state: DrainState, now: Date): number | undefined {
  if (state.policy.standaloneTasks !== 'stop') return undefined;
  if (!state.tasks.some((t) => t.cls === 'standalone' && !t.stopped && !t.stopRequested)) return undefined;
  const left = state.policy.standaloneGraceSeconds - seconds(state.startedAt ?? now.toISOString(), now);
  return left > 0 ? left : undefined;
}

/**
 * The last task stopped: settle for the target groups' deregistration delay (plus the policy's extra), never
 * past the hook's global timeout (less the margin to complete), heartbeating on the way.
 */
async function settle(
  state: DrainState,
  deps: DrainDeps,
  now: Date,
  outcome: 'drained' | 'forced',
  message: string,
): Promise<DrainState> {
  if (state.request.kind === 'spot') {
    // A Spot drain that took over a terminate hook completes it (no settle: the host has minutes).
    return finish(state, 'drained', `${message} (Spot: no settle delay).${returnNote(state)}`, lifecycleFor(state));
  }
  const delay = await settleDelay(state, deps);
  const total = delay.seconds;
  let settleUntil = addSeconds(now, total);
  let capped = '';
  if (state.hook) {
    const latest = addSeconds(state.hook.globalDeadlineAt, -GLOBAL_TIMEOUT_MARGIN_SECONDS);
    if (latest < settleUntil) {
      settleUntil = latest < now.toISOString() ? now.toISOString() : latest;
      capped = ` (cut to ${Math.max(0, seconds(now, new Date(settleUntil)))} s by the lifecycle hook's global timeout at ${state.hook.globalDeadlineAt})`;
    }
  }
  const settleFor = describeSettle(delay, state.policy.settleSeconds);
  const settling: DrainState = {
    ...state,
    outcome,
    settleUntil,
    settleFor,
    ...(state.hook ? { lifecycleResult: 'CONTINUE' as const } : {}),
  };
  return continueSettle(
    settling,
    deps,
    now,
    `${message} Settling ${total} s for the load balancers (${settleFor})${capped}.`,
  );
}

/**
 * One segment of the settle: the final one goes to 'Settle' (phase 'settle'); while the rest is longer than
 * the time to the next heartbeat, the segment is a 'Wait Before Next Check' (phase 'draining') after which
 * 'Check Tasks' heartbeats and comes back here.
 */
async function continueSettle(state: DrainState, deps: DrainDeps, now: Date, message: string): Promise<DrainState> {
  const settleUntil = required(state.settleUntil, 'settleUntil');
  const next = await heartbeatIfDue(state, deps, now);
  if (next.lifecycleCompleted) {
    const outcome = hookEndOutcome(state, now);
    return finish(next, outcome, `${hookEndMessage(outcome)} (${message})`);
  }
  const left = Math.max(0, seconds(now, new Date(settleUntil)));
  const beat = heartbeatDueIn(next, now);
  if (beat === undefined || left <= beat) {
    return { ...next, phase: 'settle', settleSeconds: left, waitSeconds: 0, message };
  }
  const waitSeconds = Math.max(1, beat);
  return {
    ...next,
    phase: 'draining',
    waitSeconds,
    message: `${message} ${left} s of settle left; next heartbeat in ${waitSeconds} s.`.trim(),
  };
}

/** The dry run's settle line: what the target groups' real delays would make it. */
async function settlePlan(state: DrainState, deps: DrainDeps): Promise<string> {
  const delay = await settleDelay(state, deps);
  return `would settle ${delay.seconds} s (${describeSettle(delay, state.policy.settleSeconds)}), then complete the lifecycle action with CONTINUE`;
}

/** A stopped or hibernated Spot host comes back, DRAINING: how to give it tasks again. */
function returnNote(state: DrainState): string {
  const action = state.request.spotAction;
  if (action !== 'stop' && action !== 'hibernate') return '';
  return ` The host ${action === 'stop' ? 'stops' : 'hibernates'} and comes back later with its container instance DRAINING: release it then with {"action": "release", "instanceId": "${state.request.instanceId}"} (sets it ACTIVE and removes the mark), or let its group's launch hook do it.`;
}

function lifecycleFor(state: DrainState): 'CONTINUE' | undefined {
  return state.hook ? 'CONTINUE' : undefined;
}

/** Ends the step's path: phase 'finish' with the outcome (and, for a drain with a hook, the lifecycle result). */
export function finish(
  state: DrainState,
  outcome: NonNullable<DrainState['outcome']>,
  message: string,
  lifecycleResult?: 'CONTINUE' | 'ABANDON',
): DrainState {
  return {
    ...state,
    phase: 'finish',
    outcome,
    waitSeconds: 0,
    ...(lifecycleResult && state.hook ? { lifecycleResult } : {}),
    message,
  };
}

async function stopTasks(
  state: DrainState,
  deps: DrainDeps,
  which: TrackedTask[],
  reason: string,
): Promise<DrainState> {
  const cluster = required(state.cluster, 'cluster');
  const arns = new Set(which.map((t) => t.arn));
  for (const task of which) {
    if (state.dryRun) {
      deps.logger.info('Dry-run: would stop task', { task: task.arn, cls: task.cls, reason });
      continue;
    }
    deps.logger.info('Stopping task', { task: task.arn, cls: task.cls, reason });
    await deps.clients.ecs.send(
      new StopTaskCommand({ cluster, task: task.arn, reason: `Ballast drain ${state.request.drainId}: ${reason}` }),
    );
  }
  return { ...state, tasks: state.tasks.map((t) => (arns.has(t.arn) ? { ...t, stopRequested: true } : t)) };
}
