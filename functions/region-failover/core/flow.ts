import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BALLAST_SOURCE } from '#events/ballast-events.ts';
import {
  type DrillEvidence,
  FAILOVER_EVENT,
  type FailoverEventDetail,
  type FailoverEventType,
} from '#events/failover-events.ts';
import { normaliseFailoverInput } from '#events/failover-input.ts';
import { InvalidInput } from '#shared/errors.ts';
import { NoFailoverInProgress, NotHealthyLongEnough } from '../errors.ts';
import type { FailoverState } from '../state.ts';
import { checkCapacity, raiseCapacity } from './capacity.ts';
import {
  levelFor,
  nextLevels,
  observedLevels,
  publishLevels,
  reachableShares,
  sameLevels,
  steeredRegion,
} from './data-plane.ts';
import { bestEffort, type FailoverDeps } from './deps.ts';
import { describeServices, lowerGroups, lowerToFloor } from './raise.ts';
import { checkReadiness } from './readiness.ts';
import { changeInSync, setWeights, steeredRecords } from './traffic.ts';
import { measureShift, watchDestination } from './watch.ts';

/**
 * The steps of the region-failover workflow, each `(state, deps) => next state`. The state machine
 * (state-machines/region-failover.ts) routes on `phase`:
 *
 *   validate -> fence -> raise -> check-capacity (loop) -> warm-up -> shift -> check-change (loop)
 *     immediate: settling (the TTL) -> complete
 *     ladder:    holding -> watch (loop; bad: cut back + paused; commands) -> shift (next rung) ... -> complete
 *   paused -> paused (loop on commands: resume, promote, abort)
 *   abort: traffic back to the source, fence released;  fail: fence released, state reported.
 */

/** 'Validate Request': the console input, before any mutating call. Throws InvalidInput naming the field. */
export async function validateRequest(raw: unknown, deps: FailoverDeps): Promise<FailoverState> {
  const now = deps.clock();
  const normalised = normaliseFailoverInput(raw, now);
  if (normalised.type === 'invalid') throw new InvalidInput(normalised.problems);
  const here = deps.config.region;
  const base = {
    fenceHeld: false,
    services: [],
    groups: [],
    rungIndex: -1,
    percent: 0,
    heldSeconds: 0,
    paused: false,
    lastCommandSeq: 0,
    cutBacks: [],
    waitSeconds: 0,
    startedAt: now.toISOString(),
    phaseTimes: { fence: now.toISOString() },
  };
  if (normalised.type === 'readiness') {
    return {
      ...base,
      action: 'readiness',
      kind: 'failover',
      phase: 'fence',
      failoverId: `readiness-${here}`,
      source: '',
      destination: here,
      mode: deps.config.policy.mode,
      rungs: [],
      share: deps.config.policy.share,
      message: `readiness of ${here}`,
    };
  }
  if (normalised.type === 'command') {
    const { input } = normalised;
    let failoverId = input.failoverId;
    if (!failoverId) {
      const fence = await deps.fence.readFence();
      if (!fence.holder) {
        throw new InvalidInput([
          `failoverId: no failover holds the fence (active region ${fence.activeRegion}); name the failover to ${input.action}`,
        ]);
      }
      if (fence.holderDestination !== here) {
        throw new InvalidInput([
          `failoverId: the failover in progress (${fence.holder}) runs in ${fence.holderDestination}; send '${input.action}' there`,
        ]);
      }
      failoverId = fence.holder;
    }
    return {
      ...base,
      action: 'command',
      kind: 'failover',
      phase: 'fence',
      failoverId,
      source: '',
      destination: here,
      mode: deps.config.policy.mode,
      rungs: [],
      share: 0,
      command: input.action,
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
      message: `${input.action} for ${failoverId}`,
    };
  }
  const { failoverId } = normalised;
  const input = normalised.input;
  const to = input.to ?? here;
  const from = 'from' in input ? input.from : undefined;
  const problems: string[] = [];
  if (to !== here) {
    problems.push(`to: ${to} is not this region (${here}); start it in the destination region's state machine`);
  }
  if (!deps.config.regions[to]) problems.push(`to: ${to} is not a configured region`);
  if (from !== undefined && !deps.config.regions[from]) problems.push(`from: ${from} is not a configured region`);
  if (!deps.config.dns) problems.push('(config): dns is not configured, so there is no traffic to move; add dns');
  if (problems.length > 0) throw new InvalidInput(problems);
  const policy = deps.config.policy;
  const common = {
    ...base,
    action: 'failover' as const,
    phase: 'fence' as const,
    failoverId,
    source: from ?? '',
    destination: here,
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
  };
  const dataPlane = policy.mode === 'data-plane';
  if (normalised.type === 'drill') {
    const drill = normalised.input;
    const percent = drill.percent ?? policy.drillPercent;
    if (dataPlane) await dataPlaneRungs(deps, 'data-plane', from, here, [percent], 'percent');
    return {
      ...common,
      kind: 'drill',
      mode: dataPlane ? 'data-plane' : 'ladder',
      rungs: [percent],
      share: drill.share ?? policy.share,
      drillHoldSeconds: drill.holdSeconds ?? policy.drillHoldSeconds,
      message: `drill ${failoverId}: ${drill.percent ?? policy.drillPercent}% to ${here} requested`,
    };
  }
  if (normalised.type === 'failback') {
    const mode = normalised.input.mode ?? policy.mode;
    return {
      ...common,
      kind: 'failback',
      mode,
      rungs: (await dataPlaneRungs(deps, mode, from, here, undefined, 'rungs')) ?? policy.rungs,
      share: policy.share,
      message: `failback ${failoverId} to ${here} requested`,
    };
  }
  const start = normalised.input;
  const mode = start.mode ?? policy.mode;
  return {
    ...common,
    kind: 'failover',
    mode,
    rungs: (await dataPlaneRungs(deps, mode, from, here, start.rungs, 'rungs')) ?? start.rungs ?? policy.rungs,
    share: start.share ?? policy.share,
    message: `failover ${failoverId} to ${here} requested`,
  };
}

/**
 * The mode against the deployment, and, in `data-plane` mode, the shares the failover stops at: the records'
 * weights are fixed at deploy, so each asked-for share must be one of them (traffic going home climbs the rungs in
 * reverse). Undefined outside data-plane mode. Throws InvalidInput naming the field.
 */
async function dataPlaneRungs(
  deps: FailoverDeps,
  mode: string,
  from: string | undefined,
  to: string,
  asked: readonly number[] | undefined,
  field: 'rungs' | 'percent',
): Promise<number[] | undefined> {
  const deployed = deps.config.dataPlane !== undefined;
  if (mode !== 'data-plane') {
    if (!deployed) return undefined;
    throw new InvalidInput([
      `mode: this deployment steers traffic through health checks (policies.failover.mode 'data-plane'), not record weights; use mode 'data-plane'`,
    ]);
  }
  if (!deployed) {
    throw new InvalidInput([
      "mode: data-plane needs the records, health checks and alarms made at deploy: set policies.failover.mode to 'data-plane' and dns.records[].targets, then deploy",
    ]);
  }
  const home = deps.config.primaryRegion;
  const source = from ?? (await deps.fence.readFence()).activeRegion;
  if (source === to) return [...(asked ?? [100])];
  const steered = steeredRegion(home, source, to);
  if (!steered) {
    throw new InvalidInput([
      `${from !== undefined ? 'from' : 'to'}: data-plane moves traffic between the home region ${home} (primaryRegion) and one other; ${source} to ${to} involves neither: fail back to ${home} first`,
    ]);
  }
  const reachable = reachableShares(deps.config.policy.rungs, steered.towardHome);
  const problems = (asked ?? []).flatMap((share, i) =>
    reachable.includes(share)
      ? []
      : [
          `${field === 'rungs' ? `rungs.${i}` : 'percent'}: ${share}% is not a share this data-plane deployment can stop at (${reachable.join(', ')}): the weights are fixed at deploy`,
        ],
  );
  if (problems.length > 0) throw new InvalidInput(problems);
  return [...(asked ?? reachable)];
}

/** 'Record Command': an operator command for a failover in progress, picked up at its next watch. */
export async function recordCommand(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  if (!state.command) throw new NoFailoverInProgress('no command in the request');
  const seq = await deps.store.recordCommand(state.failoverId, state.command, deps.clock(), state.reason);
  return { ...state, outcome: 'command-recorded', lastCommandSeq: seq, message: `${state.command} recorded (#${seq})` };
}

/**
 * 'Acquire Fence': one active region, one failover at a time (a conditional write). The weighted records are
 * checked first (read only), so a failover that could not move traffic changes nothing at all.
 */
export async function acquireFence(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const now = deps.clock();
  const fence = await deps.fence.readFence();
  const source = state.source || fence.activeRegion;
  const dataPlane =
    state.mode === 'data-plane' && source !== state.destination
      ? await dataPlaneAtStart(deps, source, state.destination)
      : undefined;
  if (state.mode !== 'data-plane') {
    await steeredRecords(deps, deps.clientsFor(state.destination), [source, state.destination]);
  }
  if (state.kind === 'failback' && fence.holder === undefined) await healthyLongEnough(state, deps, fence.since);
  const { epoch, from } = await deps.fence.acquire(state.failoverId, state.destination, now);
  // The groups an earlier failover raised in the region traffic now leaves: the scale-down gives them back.
  const held = fence.raised?.region === (state.source || from) ? fence.raised.groups : [];
  const next: FailoverState = {
    ...state,
    ...(dataPlane ? { dataPlane } : {}),
    ...(held.length > 0 ? { oldRegionGroups: [...held] } : {}),
    source: state.source || from,
    epoch,
    fenceHeld: true,
    phase: 'capacity',
    message: `fence epoch ${epoch}: ${state.destination} takes over from ${state.source || from}`,
  };
  await record(next, deps);
  await emit(next, deps, FAILOVER_EVENT.started, next.message);
  return next;
}

/**
 * Data-plane mode, before the fence: the steered region's alarms exist (RecordsMissing names those that do not)
 * and the levels they show now are where the shifts start from. Reads CloudWatch only, never Route 53.
 */
async function dataPlaneAtStart(
  deps: FailoverDeps,
  source: string,
  destination: string,
): Promise<NonNullable<FailoverState['dataPlane']>> {
  const steered = steeredRegion(deps.config.primaryRegion, source, destination);
  if (!steered) {
    throw new InvalidInput([
      `from: data-plane moves traffic between the home region ${deps.config.primaryRegion} and one other; ${source} to ${destination} involves neither`,
    ]);
  }
  const { levels } = await observedLevels(
    deps.clientsFor(steered.region),
    dataPlanePrefix(deps),
    steered.region,
    deps.config.policy.rungs.length,
  );
  return { region: steered.region, towardHome: steered.towardHome, published: levels, target: levels.take };
}

const dataPlanePrefix = (deps: FailoverDeps): string => {
  if (!deps.config.dataPlane) throw new Error('data-plane mode on a deployment without data-plane records');
  return deps.config.dataPlane.alarmPrefix;
};

/**
 * Moves the destination's share to `percent`: a Route 53 change of weights, or, in data-plane mode, the first
 * level on the way there published in the steered region's CloudWatch (the next ones follow in `settle`).
 */
async function steer(
  state: FailoverState,
  deps: FailoverDeps,
  percent: number,
): Promise<{ changeId: string; dataPlane?: FailoverState['dataPlane'] }> {
  if (state.mode !== 'data-plane') {
    return { changeId: await setWeights(deps, state.source, state.destination, percent) };
  }
  const dp = state.dataPlane;
  if (!dp) return { changeId: 'unchanged' };
  const rungs = deps.config.policy.rungs;
  const target = levelFor(rungs, percent, dp.towardHome);
  const next = nextLevels(dp.published, target, rungs.length);
  if (next) await publishLevels(deps.clientsFor(dp.region), dp.region, next, deps.clock());
  return {
    changeId: next ? `data-plane:${next.take}/${next.release}` : 'unchanged',
    dataPlane: { ...dp, target, published: next ?? dp.published },
  };
}

/**
 * Data-plane mode: once the steered region's alarms show the levels last published, publish the next level
 * towards the target (release follows take up, take follows release down); `settled` when there. While they do
 * not show it yet, the levels are published again, so the alarms' current period holds only them.
 */
async function settle(
  state: FailoverState,
  deps: FailoverDeps,
): Promise<{ settled: boolean; dataPlane?: FailoverState['dataPlane'] }> {
  const dp = state.dataPlane;
  if (!dp) return { settled: true };
  const aws = deps.clientsFor(dp.region);
  const slots = deps.config.policy.rungs.length;
  const { levels } = await observedLevels(aws, dataPlanePrefix(deps), dp.region, slots);
  if (!sameLevels(levels, dp.published)) {
    await publishLevels(aws, dp.region, dp.published, deps.clock());
    return { settled: false, dataPlane: dp };
  }
  const next = nextLevels(dp.published, dp.target, slots);
  if (!next) return { settled: true, dataPlane: dp };
  await publishLevels(aws, dp.region, next, deps.clock());
  return { settled: false, dataPlane: { ...dp, published: next } };
}

/**
 * A failback goes back only to a region that has been out of traffic and healthy for failbackHealthySeconds:
 * the last failover completed that long ago, its load balancers' 5xx share over that window is under the
 * cut-back threshold, and every configured service runs at least its floor now.
 */
async function healthyLongEnough(state: FailoverState, deps: FailoverDeps, since: string | undefined): Promise<void> {
  const now = deps.clock();
  const policy = deps.config.policy;
  const window = policy.failbackHealthySeconds;
  const problems: string[] = [];
  const outFor = since ? (now.getTime() - Date.parse(since)) / 1000 : Number.POSITIVE_INFINITY;
  if (outFor < window) problems.push(`the last failover ended ${Math.round(outFor)} s ago (needs ${window} s)`);
  const aws = deps.clientsFor(state.destination);
  const watch = await watchDestination(
    aws,
    policy.loadBalancers[state.destination] ?? [],
    [],
    { end: now, seconds: window },
    policy,
  );
  if (watch.bad) problems.push(watch.bad);
  const services = deps.config.regions[state.destination]?.services ?? [];
  const described = await describeServices(
    aws,
    services.map((s) => ({ cluster: s.cluster, service: s.name })),
  );
  for (const s of services) {
    const count = described.get(`${s.cluster}/${s.name}`)?.runningCount ?? 0;
    if (count < s.floor) problems.push(`${s.cluster}/${s.name} runs ${count} of its floor ${s.floor}`);
  }
  if (problems.length > 0) {
    throw new NotHealthyLongEnough(
      `${state.destination} is not ready to take traffic back: ${problems.join('; ')}. Nothing was changed; start the failback again later.`,
    );
  }
}

export async function raise(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const next = await raiseCapacity(state, deps);
  await record(next, deps);
  await emit(next, deps, FAILOVER_EVENT.step, next.message);
  return next;
}

export async function capacity(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const next = await checkCapacity(state, deps);
  if (next.phase !== state.phase) {
    await record(next, deps);
    await emit(next, deps, FAILOVER_EVENT.step, next.message);
  }
  return next;
}

/** 'Shift Traffic': the next rung (ladder) or everything at once (immediate). */
export async function shift(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const now = deps.clock();
  const returning = state.phase === 'returning';
  const rungIndex = returning ? -1 : state.mode === 'immediate' ? state.rungs.length - 1 : state.rungIndex + 1;
  const percent = returning ? 0 : state.mode === 'immediate' ? 100 : (state.rungs[rungIndex] ?? 100);
  const { changeId, dataPlane } = await steer(state, deps, percent);
  const next: FailoverState = {
    ...state,
    ...(dataPlane ? { dataPlane } : {}),
    phase: 'propagating',
    rungIndex,
    percent,
    changeId,
    heldSeconds: 0,
    waitSeconds: deps.config.poll.changeSeconds,
    phaseTimes: {
      ...state.phaseTimes,
      traffic: state.phaseTimes.traffic ?? now.toISOString(),
      ...(returning ? { returning: now.toISOString() } : {}),
    },
    message: `${percent}% of traffic to ${state.destination} (change ${changeId})`,
  };
  await record(next, deps);
  await emit(next, deps, FAILOVER_EVENT.step, next.message);
  return next;
}

/** 'Check Change': INSYNC, then the TTL (clients' cached answers) before the rung is watched. */
export async function checkChange(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  let inSync: boolean;
  if (state.mode === 'data-plane') {
    const settled = await settle(state, deps);
    inSync = settled.settled;
    state = { ...state, ...(settled.dataPlane ? { dataPlane: settled.dataPlane } : {}) };
  } else {
    inSync = await changeInSync(deps.clientsFor(state.destination), state.changeId ?? 'unchanged');
  }
  if (!inSync) return { ...state, waitSeconds: deps.config.poll.changeSeconds };
  const ttl = deps.config.dns?.ttl ?? 60;
  const now = deps.clock().toISOString();
  const phaseTimes = { ...state.phaseTimes, insync: state.phaseTimes.insync ?? now };
  if (state.mode === 'immediate' || (state.kind === 'drill' && state.percent === 0)) {
    return {
      ...state,
      phase: 'settling',
      phaseTimes,
      waitSeconds: ttl,
      message: `INSYNC; waiting ${ttl} s for clients' cached answers`,
    };
  }
  return {
    ...state,
    phase: 'holding',
    phaseTimes,
    // The first watch comes after the TTL: only then does the destination carry this rung's share.
    waitSeconds: ttl,
    message: `rung ${state.percent}% INSYNC; holding ${deps.config.policy.rungHoldSeconds} s`,
  };
}

/** 'Watch Rung': commands first, then the destination's health; a bad rung cuts back and pauses. */
export async function watchRung(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const now = deps.clock();
  const command = await deps.store.latestCommand(state.failoverId);
  const fresh = command && command.seq > state.lastCommandSeq ? command : undefined;
  const seen = { ...state, lastCommandSeq: command?.seq ?? state.lastCommandSeq };
  if (fresh?.command === 'abort') return { ...seen, phase: 'aborted', message: `abort requested at ${fresh.at}` };
  if (fresh?.command === 'pause') return pause(seen, deps, `paused by an operator at ${fresh.at}`);
  if (fresh?.command === 'promote') return nextRung(seen, `promoted by an operator at ${fresh.at}`);
  const policy = deps.config.policy;
  const watch = await watchDestination(
    deps.clientsFor(state.destination),
    policy.loadBalancers[state.destination] ?? [],
    state.services,
    { end: now, seconds: state.waitSeconds },
    policy,
  );
  const watched = { ...seen, services: watch.services };
  if (watch.bad) return cutBack(watched, deps, watch.bad);
  const heldSeconds = state.heldSeconds + state.waitSeconds;
  const hold = state.kind === 'drill' ? (state.drillHoldSeconds ?? policy.drillHoldSeconds) : policy.rungHoldSeconds;
  if (heldSeconds >= hold) return nextRung({ ...watched, heldSeconds }, 'rung held and healthy');
  return {
    ...watched,
    heldSeconds,
    waitSeconds: Math.min(deps.config.poll.watchSeconds, hold - heldSeconds),
    message: `rung ${state.percent}%: error rate ${(watch.errorRate * 100).toFixed(2)}% of ${watch.requests} requests${watch.p99Ms !== undefined ? `, p99 ${watch.p99Ms} ms` : ''}`,
  };
}

/** 'Check Commands' while paused: resume (hold again), promote (next rung), abort. */
export async function whilePaused(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  if (state.mode === 'data-plane') {
    // A cut-back lowers the levels in two steps: the second is published here, once the first shows.
    const settled = await settle(state, deps);
    state = { ...state, ...(settled.dataPlane ? { dataPlane: settled.dataPlane } : {}) };
  }
  const command = await deps.store.latestCommand(state.failoverId);
  if (!command || command.seq <= state.lastCommandSeq) {
    return { ...state, waitSeconds: deps.config.poll.pausedSeconds };
  }
  const seen = { ...state, lastCommandSeq: command.seq };
  switch (command.command) {
    case 'abort':
      return { ...seen, phase: 'aborted', paused: false, message: `abort requested at ${command.at}` };
    case 'promote':
      return nextRung({ ...seen, paused: false }, `promoted by an operator at ${command.at}`);
    case 'resume': {
      const next: FailoverState = {
        ...seen,
        phase: 'holding',
        paused: false,
        waitSeconds: Math.max(1, Math.min(deps.config.poll.watchSeconds, deps.config.policy.rungHoldSeconds)),
        message: `resumed at ${command.at}`,
      };
      await record(next, deps);
      await emit(next, deps, FAILOVER_EVENT.step, next.message);
      return next;
    }
    default:
      return { ...seen, waitSeconds: deps.config.poll.pausedSeconds };
  }
}

function nextRung(state: FailoverState, why: string): FailoverState {
  if (state.kind === 'drill') return { ...state, phase: 'returning', message: `${why}: the drill share comes back` };
  const last = state.mode === 'immediate' || state.rungIndex >= state.rungs.length - 1;
  return { ...state, phase: last ? 'complete' : 'shift', message: `${why}: ${last ? 'complete' : 'next rung'}` };
}

async function pause(state: FailoverState, deps: FailoverDeps, message: string): Promise<FailoverState> {
  const next: FailoverState = {
    ...state,
    phase: 'paused',
    paused: true,
    waitSeconds: deps.config.poll.pausedSeconds,
    message,
  };
  await record(next, deps);
  await emit(next, deps, FAILOVER_EVENT.step, message);
  return next;
}

/** Back to the previous rung (0 % before the first), then paused until an operator decides. */
async function cutBack(state: FailoverState, deps: FailoverDeps, reason: string): Promise<FailoverState> {
  const now = deps.clock();
  const toIndex = state.rungIndex - 1;
  const toPercent = toIndex >= 0 ? (state.rungs[toIndex] ?? 0) : 0;
  const { changeId, dataPlane } = await steer(state, deps, toPercent);
  const next: FailoverState = {
    ...state,
    ...(dataPlane ? { dataPlane } : {}),
    phase: 'paused',
    paused: true,
    rungIndex: toIndex,
    percent: toPercent,
    changeId,
    // The previous rung was held in full already: on resume, the next watch moves up to the bad rung again.
    heldSeconds: deps.config.policy.rungHoldSeconds,
    cutBacks: [...state.cutBacks, { at: now.toISOString(), fromPercent: state.percent, toPercent, reason }],
    waitSeconds: deps.config.poll.pausedSeconds,
    message: `cut back from ${state.percent}% to ${toPercent}%: ${reason}; paused (resume, promote or abort)`,
  };
  await record(next, deps);
  await emit(next, deps, FAILOVER_EVENT.cutBack, next.message, reason);
  return next;
}

/**
 * 'Complete Failover': a failover or failback names the destination active (the fence); a drill releases the
 * fence with the active region unchanged and writes its evidence. The record and the event say so.
 */
export async function complete(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const now = deps.clock();
  if (state.kind === 'drill') {
    await deps.fence.release(state.failoverId, state.epoch ?? 0, now);
    const evidence = await drillEvidence(state, deps, now);
    const next: FailoverState = {
      ...state,
      phase: 'complete',
      percent: 0,
      fenceHeld: false,
      outcome: 'completed',
      evidence,
      phaseTimes: { ...state.phaseTimes, complete: now.toISOString() },
      message: `drill done: ${state.rungs[0]}% on ${state.destination} and back; ${evidence.totalSeconds} s to move traffic against an RTO of ${evidence.rtoSeconds} s (${evidence.withinRto ? 'within' : 'OVER'})`,
    };
    await record(next, deps);
    await emit(next, deps, FAILOVER_EVENT.drillReport, next.message);
    return next;
  }
  const raisedGroups = state.groups
    .filter((g) => g.minAfter > g.minBefore)
    .map((g) => ({
      name: g.name,
      minBefore: g.minBefore,
      minAfter: g.minAfter,
      ...(g.desiredBefore !== undefined ? { desiredBefore: g.desiredBefore } : {}),
    }));
  await deps.fence.complete(state.failoverId, state.epoch ?? 0, state.destination, now, raisedGroups);
  const bake = deps.config.policy.scaleDownAfterBakeSeconds;
  const drainSeconds = await measuredDrain(state, deps, now, 100);
  const next: FailoverState = {
    ...state,
    ...(drainSeconds !== undefined ? { drainSeconds } : {}),
    phase: bake !== undefined ? 'baking' : 'complete',
    waitSeconds: bake ?? 0,
    percent: 100,
    fenceHeld: false,
    outcome: 'completed',
    phaseTimes: { ...state.phaseTimes, complete: now.toISOString() },
    message: `all traffic on ${state.destination}; ${state.source} fenced out (epoch ${state.epoch})`,
  };
  await record(next, deps);
  await emit(
    next,
    deps,
    state.kind === 'failback' ? FAILOVER_EVENT.failbackCompleted : FAILOVER_EVENT.completed,
    next.message,
  );
  return next;
}

/** Time per phase of a drill, the share's move measured from request counts, against the RTO. */
async function drillEvidence(state: FailoverState, deps: FailoverDeps, now: Date): Promise<DrillEvidence> {
  const t = (name: string) => (state.phaseTimes[name] ? Date.parse(state.phaseTimes[name]!) : undefined);
  const span = (from: string, to: string) => {
    const a = t(from);
    const b = t(to);
    return a !== undefined && b !== undefined ? Math.max(0, Math.round((b - a) / 1000)) : 0;
  };
  const ttl = deps.config.dns?.ttl ?? 60;
  const phases = {
    fence: span('fence', 'capacity'),
    capacity: span('capacity', 'warm-up'),
    health: span('warm-up', 'traffic'),
    traffic: span('traffic', 'insync') + ttl,
  };
  const drainSeconds = await measuredDrain(state, deps, new Date(t('returning') ?? now.getTime()), state.rungs[0] ?? 0);
  const totalSeconds = phases.fence + phases.capacity + phases.health + phases.traffic;
  const rtoSeconds = deps.config.policy.rtoSeconds;
  return {
    phases,
    detect: 'not measured: a drill is started by hand',
    ...(drainSeconds !== undefined ? { drainSeconds } : {}),
    totalSeconds,
    rtoSeconds,
    withinRto: totalSeconds <= rtoSeconds,
  };
}

/**
 * When `percent` of the traffic really moved, from both regions' load-balancer request counts between the first
 * shift and `until` (best effort: the source's counts may not be readable). Undefined when not shown.
 */
async function measuredDrain(
  state: FailoverState,
  deps: FailoverDeps,
  until: Date,
  percent: number,
): Promise<number | undefined> {
  const traffic = state.phaseTimes.traffic;
  if (traffic === undefined) return undefined;
  const lbs = deps.config.policy.loadBalancers;
  return bestEffort(deps, `request counts in ${state.source}`, (signal) =>
    measureShift(
      { aws: deps.clientsFor(state.destination), loadBalancers: lbs[state.destination] ?? [] },
      { aws: deps.clientsFor(state.source), loadBalancers: lbs[state.source] ?? [], signal },
      new Date(traffic),
      until,
      percent,
    ),
  );
}

/**
 * 'Scale Down Old Region', after the bake: the old region's services back to their floor (ARC never does this).
 * Best effort, in the old region (it may still be impaired): a scalable target gets MinCapacity = floor with
 * scale-in resumed (its policies then bring it down), a service without one gets its desired count lowered to
 * the floor. The groups an earlier failover raised there get their MinSize back (lowerGroups); other groups are
 * left to their own scale-in (and Ballast's drain). What could not be done is reported.
 */
export async function scaleDownOld(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const region = state.source;
  const services = deps.config.regions[region]?.services ?? [];
  const done = await bestEffort(deps, `scale down ${region}`, async (signal) => [
    ...(await lowerToFloor(deps.clientsFor(region), services, signal)),
    ...(await lowerGroups(deps.clientsFor(region), state.oldRegionGroups ?? [], signal)),
  ]);
  const scaledDown = done ?? [`${region} could not be reached: nothing was lowered; scale it down by hand`];
  // An immediate shift completes one TTL after INSYNC, before a complete minute shows it: measured here instead.
  const drainSeconds = state.drainSeconds ?? (await measuredDrain(state, deps, deps.clock(), 100));
  const next: FailoverState = {
    ...state,
    ...(drainSeconds !== undefined ? { drainSeconds } : {}),
    phase: 'complete',
    scaledDown,
    message: `after the bake, ${region}: ${scaledDown.join('; ')}`,
  };
  await record(next, deps);
  await emit(next, deps, FAILOVER_EVENT.step, next.message);
  return next;
}

/** 'Abort Failover': traffic back to the source, the fence released (the source stays active). */
export async function abort(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const now = deps.clock();
  let changeId = 'unchanged';
  if (state.mode === 'data-plane') {
    // Levels come down in two steps (release, then take): 'Abort Failover' runs again until they show.
    let current = state;
    if (state.phase !== 'aborting') current = { ...state, ...(await steer(state, deps, 0)) };
    const settled = await settle(current, deps);
    current = { ...current, ...(settled.dataPlane ? { dataPlane: settled.dataPlane } : {}) };
    if (!settled.settled) {
      return {
        ...current,
        phase: 'aborting',
        waitSeconds: deps.config.poll.changeSeconds,
        message: 'aborting: traffic on its way back',
      };
    }
    state = current;
  } else if (state.percent > 0) {
    changeId = await setWeights(deps, state.source, state.destination, 0);
  }
  await deps.fence.release(state.failoverId, state.epoch ?? 0, now);
  const next: FailoverState = {
    ...state,
    phase: 'aborted',
    percent: 0,
    changeId,
    fenceHeld: false,
    outcome: 'aborted',
    phaseTimes: { ...state.phaseTimes, aborted: now.toISOString() },
    message: `aborted: traffic back on ${state.source}; raised capacity in ${state.destination} kept (see the record)`,
  };
  await record(next, deps);
  await emit(next, deps, FAILOVER_EVENT.aborted, next.message);
  return next;
}

/** 'Record Failure': the fence released, the record and the event say where traffic and capacity are. */
export async function fail(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const now = deps.clock();
  const released = state.fenceHeld ? await deps.fence.release(state.failoverId, state.epoch ?? 0, now) : false;
  const cause = describeError(state.error);
  const next: FailoverState = {
    ...state,
    phase: 'failed',
    fenceHeld: false,
    outcome: 'failed',
    message: `failed: ${cause}; ${state.percent}% of traffic on ${state.destination}${released ? '; fence released' : ''}`,
  };
  if (state.epoch !== undefined) {
    await record(next, deps);
    await emit(next, deps, FAILOVER_EVENT.failed, next.message, cause);
  }
  return next;
}

function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown error';
  const e = error as { Error?: string; Cause?: string };
  let message = e.Cause ?? '';
  try {
    message = (JSON.parse(message) as { errorMessage?: string }).errorMessage ?? message;
  } catch {
    // the cause is plain text
  }
  return `${e.Error ?? 'Error'}: ${message}`.slice(0, 900);
}

/** The ledger record of a failover: the whole state, minus the step plumbing. */
async function record(state: FailoverState, deps: FailoverDeps): Promise<void> {
  const { waitSeconds: _w, error: _e, changeId: _c, ...kept } = state;
  await deps.store.putRecord(state.failoverId, { ...kept }, deps.clock());
}

async function emit(
  state: FailoverState,
  deps: FailoverDeps,
  detailType: FailoverEventType,
  message: string,
  reason?: string,
): Promise<void> {
  const now = deps.clock();
  const detail: FailoverEventDetail = {
    failoverId: state.failoverId,
    source: state.source,
    destination: state.destination,
    mode: state.mode,
    phase: state.phase,
    ...(state.epoch !== undefined ? { epoch: state.epoch } : {}),
    percent: state.percent,
    services: state.services.map((s) => ({
      cluster: s.cluster,
      service: s.service,
      target: s.target,
      running: s.running,
      ...(s.healthy !== undefined ? { healthy: s.healthy } : {}),
      reached: s.reached,
      ...(s.problem !== undefined ? { problem: s.problem } : {}),
    })),
    ...(reason !== undefined ? { reason } : {}),
    kind: state.kind,
    ...(state.evidence ? { evidence: state.evidence } : {}),
    message,
    startedAt: state.startedAt,
    at: now.toISOString(),
  };
  deps.logger.info(`Ballast event: ${detailType}`, { detail });
  const out = await deps.clientsFor(state.destination).eventBridge.send(
    new PutEventsCommand({
      Entries: [
        { Source: BALLAST_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail), Resources: [], Time: now },
      ],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0) {
    const entry = out.Entries?.find((e) => e.ErrorCode);
    throw new Error(
      `PutEvents rejected '${detailType}': ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`,
    );
  }
}

/** The steps of the step function, by the `op` the state machine passes. */
export const FAILOVER_OPS: Record<string, (state: FailoverState, deps: FailoverDeps) => Promise<FailoverState>> = {
  command: recordCommand,
  readiness: checkReadiness,
  fence: acquireFence,
  raise,
  capacity,
  shift,
  change: checkChange,
  watch: watchRung,
  paused: whilePaused,
  complete,
  'scale-down': scaleDownOld,
  abort,
  fail,
};
