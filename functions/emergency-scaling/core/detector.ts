import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SCALING_EVENT } from '#events/scaling-events.ts';
import { startExecutionOnce } from '#shared/executions.ts';
import { expiresAt, LEDGER_TTL_ATTRIBUTE } from '#shared/ledger.ts';
import { TIERS, type Tier } from '../config.ts';
import type { ScalingDeps } from './deps.ts';
import { type DetectorPolicy, type DetectorState, evaluate, type Verdict } from './detect.ts';
import { emitScaling } from './emit.ts';
import { readLock } from './overrides.ts';
import { type AlarmNames, healthKey, type PendingMark, readSignals, type SignalReadings } from './signals.ts';

/**
 * One run of the scheduled detector: read the signals, evaluate them against the state kept in the ledger,
 * and act on a transition.
 *   detected: `Scaling Impairment Detected`; emergency-scale `raise` for the services of the tiers in `auto`
 *             mode, and a plan-only run (`Scaling Override Planned`, nothing changed) for the tiers in
 *             `recommend` mode. Execution names derive from the moment the quorum first held, so a retried
 *             or duplicated run starts nothing twice (StartExecution with the same name and input is a no-op).
 *   cleared:  `Scaling Impairment Cleared`, and restore-scaling (trigger `recovery`) for the region's
 *             override if the detector started it; an override an operator started is theirs to restore.
 * The state item `DETECTOR#<region>` / `STATE` is written with a version condition: of two overlapping runs
 * (EventBridge delivers scheduled events at least once) only one moves the state.
 */
export const DETECTOR_OWNER = 'ballast-detector';

export const detectorKey = (region: string) => ({ pk: `DETECTOR#${region}`, sk: 'STATE' });

export interface StoredDetector extends DetectorState {
  readonly version: number;
  /** When the quorum first held in the current episode (names the executions). */
  readonly episode?: string;
  readonly pendingSince: Readonly<Record<string, PendingMark>>;
  readonly alarmNames?: AlarmNames;
  readonly canarySince?: string;
  readonly raised: readonly string[];
  readonly evaluatedAt: string;
}

export interface DetectorRun {
  readonly region: string;
  readonly status: DetectorState['status'];
  readonly transition?: Verdict['transition'];
  readonly raised: readonly string[];
  readonly evidence: SignalReadings['evidence'];
  readonly started: readonly string[];
  /** Another run moved the state first: this one changed nothing. */
  readonly superseded?: boolean;
}

type Deps = Pick<
  ScalingDeps,
  'clients' | 'config' | 'clock' | 'history' | 'logger' | 'appName' | 'dryRun' | 'stateMachines'
>;

export async function runDetector(deps: Deps): Promise<DetectorRun> {
  const now = deps.clock();
  const region = deps.config.region;
  const stored = await loadDetector(deps);
  const readings = await readSignals(deps, stored);
  const policy = detectorPolicy(deps.config.policy.detector);
  const verdict = evaluate(stored, readings.signals, now.getTime(), policy);
  // The episode starts when the quorum first holds after a clear state, and lasts until the state is clear again.
  const episode =
    verdict.state.status === 'clear' ? undefined : stored.status === 'clear' ? now.toISOString() : stored.episode;
  const next: StoredDetector = {
    status: verdict.state.status,
    since: verdict.state.since,
    version: stored.version + 1,
    ...(episode ? { episode } : {}),
    pendingSince: readings.pendingSince,
    alarmNames: readings.alarmNames,
    ...(readings.canarySince ? { canarySince: readings.canarySince } : {}),
    raised: verdict.raised,
    evaluatedAt: now.toISOString(),
  };
  if (!(await saveDetector(deps, next, stored.version))) {
    return {
      region,
      status: stored.status,
      raised: verdict.raised,
      evidence: readings.evidence,
      started: [],
      superseded: true,
    };
  }
  const started: string[] = [];
  if (verdict.transition === 'detected') {
    started.push(...(await onDetected(deps, next, readings)));
  } else if (verdict.transition === 'cleared') {
    started.push(...(await onCleared(deps, stored, readings)));
  }
  if (verdict.transition) {
    deps.logger.info(`Detector: ${verdict.transition}`, { region, raised: verdict.raised, started });
  }
  return {
    region,
    status: next.status,
    ...(verdict.transition ? { transition: verdict.transition } : {}),
    raised: verdict.raised,
    evidence: readings.evidence,
    started,
  };
}

/** The policy of detect.ts from the configuration (same thresholds, one place for their defaults). */
export function detectorPolicy(p: ScalingDeps['config']['policy']['detector']): DetectorPolicy {
  return {
    quorum: p.quorum,
    share: p.insufficientDataShare,
    dwellSeconds: p.dwellSeconds,
    clearSeconds: p.clearSeconds,
  };
}

async function onDetected(deps: Deps, state: StoredDetector, readings: SignalReadings): Promise<string[]> {
  const modes = deps.config.policy.detector.modes;
  const tiersIn = (mode: 'auto' | 'recommend') => TIERS.filter((t) => modes[t] === mode);
  const servicesOf = (tiers: readonly Tier[]) =>
    deps.config.services.filter((s) => tiers.includes(s.tier)).map((s) => `${s.cluster}/${s.name}`);
  const episode = Date.parse(state.episode ?? state.evaluatedAt);
  const stamp = new Date(episode).toISOString().slice(0, 16).replace(/[-:T]/g, '');
  const reason = `Ballast detector: CloudWatch-driven autoscaling impaired (${state.raised.join(', ')})`;
  const runs: { kind: 'raise' | 'plan'; services: string[] }[] = [
    { kind: 'raise', services: servicesOf(tiersIn('auto')) },
    { kind: 'plan', services: servicesOf(tiersIn('recommend')) },
  ];
  const started: string[] = [];
  for (const run of runs) {
    if (run.services.length === 0) continue;
    const all = run.services.length === deps.config.services.length;
    const name = `detector-${run.kind}-${stamp}`;
    const input = {
      action: run.kind,
      ...(all ? {} : { scope: { services: run.services } }),
      multiplier: deps.config.policy.detector.raiseMultiplier,
      reason,
      owner: DETECTOR_OWNER,
      requestId: name,
    };
    started.push(await start(deps, deps.stateMachines.emergencyScale, name, input));
  }
  await emitScaling(deps, SCALING_EVENT.impairmentDetected, {
    region: deps.config.region,
    signals: state.raised,
    evidence: readings.evidence,
    since: state.episode ?? state.evaluatedAt,
    modes,
    executions: started,
    plan:
      tiersIn('recommend').length > 0
        ? `tiers ${tiersIn('recommend').join(', ')}: see 'Scaling Override Planned' of the plan-only run (nothing changed)`
        : undefined,
  });
  return started;
}

async function onCleared(deps: Deps, before: StoredDetector, readings: SignalReadings): Promise<string[]> {
  const lock = await readLock(deps);
  const ours = lock && lock.owner === DETECTOR_OWNER && (lock.status === 'holding' || lock.status === 'raising');
  const started: string[] = [];
  if (ours) {
    const name = `recovery-${lock.overrideId}`;
    started.push(
      await start(deps, deps.stateMachines.restoreScaling, name, {
        action: 'restore',
        trigger: 'recovery',
        overrideId: lock.overrideId,
        owner: DETECTOR_OWNER,
        reason: 'Ballast detector: autoscaling recovered and stayed recovered',
        requestId: name,
      }),
    );
  }
  await emitScaling(deps, SCALING_EVENT.impairmentCleared, {
    region: deps.config.region,
    since: before.episode ?? before.since,
    clearedAfterSeconds: deps.config.policy.detector.clearSeconds,
    evidence: readings.evidence,
    restore: ours ? started[0] : lock ? `override ${lock.overrideId} is ${lock.owner}'s: not restored` : 'none',
  });
  return started;
}

async function start(deps: Deps, stateMachineArn: string | undefined, name: string, input: unknown): Promise<string> {
  if (!stateMachineArn) throw new Error(`The detector cannot start ${name}: its state machine ARN is not configured.`);
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  if (deps.dryRun) return `${executionArn} (dry run: not started)`;
  // Started before, by this run's retry or a duplicate delivery: nothing to do twice.
  await startExecutionOnce(deps.clients.sfn, { stateMachineArn, name, input });
  return executionArn;
}

async function loadDetector(deps: Pick<Deps, 'history' | 'config' | 'clock'>): Promise<StoredDetector> {
  const out = await deps.history.dynamo.send(
    new GetCommand({ TableName: deps.history.tableName, Key: detectorKey(deps.config.region), ConsistentRead: true }),
  );
  const item = out.Item as StoredDetector | undefined;
  if (item) return item;
  const now = deps.clock();
  return {
    status: 'clear',
    since: now.getTime(),
    version: 0,
    pendingSince: {},
    raised: [],
    evaluatedAt: now.toISOString(),
  };
}

async function saveDetector(deps: Pick<Deps, 'history' | 'config'>, next: StoredDetector, version: number) {
  try {
    await deps.history.dynamo.send(
      new PutCommand({
        TableName: deps.history.tableName,
        Item: {
          ...detectorKey(deps.config.region),
          ...next,
          [LEDGER_TTL_ATTRIBUTE]: expiresAt(new Date(next.evaluatedAt), deps.config.retentionDays),
        },
        ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
        ...(version === 0 ? {} : { ExpressionAttributeValues: { ':v': version } }),
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** An AWS Health event (`source: aws.health`), kept in the ledger for the detector's confirmation signal. */
export interface HealthEventDetail {
  readonly eventArn: string;
  readonly service: string;
  readonly eventTypeCode: string;
  readonly statusCode: string;
  readonly startTime?: string;
  readonly endTime?: string;
  readonly eventRegion?: string;
}

export async function recordHealthEvent(
  deps: Pick<Deps, 'history' | 'config' | 'clock' | 'logger'>,
  event: { region?: string; time?: string; detail?: Partial<HealthEventDetail> },
): Promise<{ recorded: boolean; reason?: string }> {
  const detail = event.detail ?? {};
  const region = detail.eventRegion ?? event.region;
  if (!detail.eventArn || !detail.service || !detail.statusCode) {
    return { recorded: false, reason: 'detail.eventArn, detail.service and detail.statusCode are required' };
  }
  if (region !== deps.config.region) return { recorded: false, reason: `for ${region}, not ${deps.config.region}` };
  const now = deps.clock();
  await deps.history.dynamo
    .send(
      new PutCommand({
        TableName: deps.history.tableName,
        Item: {
          pk: healthKey(deps.config.region),
          sk: detail.eventArn,
          service: detail.service,
          eventTypeCode: detail.eventTypeCode ?? '',
          statusCode: detail.statusCode,
          ...(detail.startTime ? { startTime: detail.startTime } : {}),
          ...(detail.endTime ? { endTime: detail.endTime } : {}),
          updatedAt: event.time ?? now.toISOString(),
          [LEDGER_TTL_ATTRIBUTE]: expiresAt(now, 7),
        },
        // Out-of-order delivery: an older update never overwrites a newer one.
        ConditionExpression: 'attribute_not_exists(pk) OR updatedAt <= :t',
        ExpressionAttributeValues: { ':t': event.time ?? now.toISOString() },
      }),
    )
    .catch((error: unknown) => {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    });
  deps.logger.info('AWS Health event recorded', { service: detail.service, statusCode: detail.statusCode });
  return { recorded: true };
}
