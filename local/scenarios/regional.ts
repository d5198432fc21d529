import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { LocalCloud } from '../cloud.ts';
import type { Invariant } from './types.ts';

/**
 * A gray failure of the primary region and what handles it, for the scenarios (`region-failover`, the game day's
 * regional phase): at `onsetMs` a share of the primary's requests fail while every health check passes. Detection
 * is the same for every plan: a CloudWatch alarm on the primary's load balancer 5xx count (one minute over 1 % of
 * its requests); then the plan acts: Ballast's region failover started in the standby (`immediate` or `ladder`;
 * the scenario starts it at detection, as an `auto` trigger with quorum 1 and no dwell would: the local cloud
 * runs no EventBridge schedule), Route 53 health-check failover alone (nothing
 * to do: the checks pass), or an ARC-like plan (raise the standby's services to the source's 24-hour peak, wait
 * until they run, then flip every record at once through health checks the plan controls).
 *
 * Recovery time is from the failure to the first 5-second window after which fewer than 1 % of requests fail
 * until `untilMs`. Its physical floor, from the same run: detection + task start (the raise to the last target
 * healthy) + DNS propagation (the change to INSYNC, or the health check's flip) + the TTL.
 */
const PRIMARY = 'us-east-1';
const STANDBY = 'us-west-2';
const SAMPLE_MS = 5_000;
const DETECTION_SET_UP_MS = 5 * 60_000;
const RECOVERED_BELOW = 0.01;
const SERVICES = ['api', 'frontend'] as const;

export type Plan = 'ballast-immediate' | 'ballast-ladder' | 'ballast-data-plane' | 'route53' | 'arc';

export interface GrayFailure {
  /** When the failure starts and until when recovery is measured, in ms since the start of the run. */
  readonly onsetMs: number;
  readonly untilMs: number;
  /** The share of the primary's requests that fail (0–1). */
  readonly share: number;
}

export interface RegionalState {
  readonly plan: Plan;
  /** When the failure starts and recovery is measured until (epoch ms). */
  readonly onsetAt: number;
  readonly untilAt: number;
  /** The standby's target per service: the primary's desired count when the failure starts. */
  readonly target: Map<string, number>;
  readonly samples: Array<{ t: number; total: number; failed: number }>;
  detectedAt?: number;
  raisedAt?: number;
  healthyAt?: number;
  flipAt?: number;
  flippedAt?: number;
  arcChecks?: Map<string, string>;
}

/** Schedules the gray failure and the plan that handles it; returns what the invariants and notes read. */
export function grayFailureOfPrimary(cloud: LocalCloud, wanted: Plan, failure: GrayFailure): RegionalState {
  // Without Ballast deployed (`--without-ballast`), only the records' health checks act.
  const plan: Plan = cloud.withBallast || !wanted.startsWith('ballast') ? wanted : 'route53';
  const world = cloud.world;
  const state: RegionalState = {
    plan,
    onsetAt: world.startMs + failure.onsetMs,
    untilAt: world.startMs + failure.untilMs,
    target: new Map(),
    samples: [],
  };
  const lb = cloud.config.policies.failover.loadBalancers[PRIMARY]?.[0];
  if (!lb) throw new Error(`region-failover: the config names no load balancer for ${PRIMARY}`);
  // The detection alarm, made shortly before the failure (so it is part of the regional phase only).
  world.clock.after(Math.max(0, failure.onsetMs - DETECTION_SET_UP_MS), 'detection alarm', () => {
    world.region(PRIMARY).cloudwatch.putAlarm({
      AlarmName: 'primary-5xx',
      ActionsEnabled: false,
      AlarmActions: [],
      OKActions: [],
      InsufficientDataActions: [],
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: [{ Name: 'LoadBalancer', Value: lb }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      // 1 % of the primary's requests over a minute.
      Threshold: Math.round(0.01 * 60 * primaryRps(cloud)),
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
  if (plan === 'arc') state.arcChecks = arcHealthChecks(cloud);
  world.clock.after(failure.onsetMs, 'gray failure', () => {
    for (const s of SERVICES) state.target.set(s, world.region(PRIMARY).ecs.getService('web', s)?.desiredCount ?? 0);
    world.note(PRIMARY, 'incident', `gray failure: ${failure.share * 100}% of requests fail, health checks pass`);
    world.traffic.grayFailure(PRIMARY, failure.share);
  });
  let last = { total: 0, failed: 0 };
  const sample = async () => {
    const now = world.now();
    const totals = world.traffic.totals();
    if (now > state.onsetAt && now <= state.untilAt)
      state.samples.push({ t: now, total: totals.total - last.total, failed: totals.failed - last.failed });
    last = totals;
    if (now >= state.untilAt) return;
    if (now > state.onsetAt && state.healthyAt === undefined && standbyHealthy(cloud, state)) state.healthyAt = now;
    if (
      state.detectedAt === undefined &&
      world.region(PRIMARY).cloudwatch.alarm('primary-5xx')?.StateValue === 'ALARM'
    ) {
      state.detectedAt = now;
      world.note(PRIMARY, 'incident', `detected: alarm primary-5xx in ALARM; ${describePlan(plan)} acts`);
      await act(cloud, state);
    }
    if (state.plan === 'arc') await arcStep(cloud, state);
    if (state.plan === 'ballast-data-plane' && state.flippedAt === undefined && state.detectedAt !== undefined) {
      // The health checks' flip: every record's answer is the standby's.
      const record = cloud.config.dns?.records[0]?.name ?? '';
      if ((world.route53.authoritativeShares(record).get(STANDBY) ?? 0) >= 1) state.flippedAt = now;
    }
    world.clock.after(SAMPLE_MS, 'region-failover sample', sample);
  };
  // Sampling starts just before the failure (the first window then starts at the onset).
  world.clock.after(failure.onsetMs - SAMPLE_MS, 'region-failover sample', sample);
  return state;
}

/** Requests per second offered to the primary's load-balanced services now. */
function primaryRps(cloud: LocalCloud): number {
  return SERVICES.reduce((sum, s) => sum + cloud.world.traffic.offeredRps(PRIMARY, 'web', s), 0);
}

export function describePlan(plan: Plan): string {
  switch (plan) {
    case 'ballast-immediate':
      return 'Ballast (immediate)';
    case 'ballast-ladder':
      return 'Ballast (ladder)';
    case 'ballast-data-plane':
      return 'Ballast (data-plane)';
    case 'route53':
      return 'Route 53 health-check failover alone';
    case 'arc':
      return 'an ARC-like plan';
  }
}

async function act(cloud: LocalCloud, state: RegionalState): Promise<void> {
  if (state.plan.startsWith('ballast')) {
    const sfn = new SFNClient(cloud.clientConfig(STANDBY));
    const mode = state.plan.slice('ballast-'.length);
    // data-plane: straight to the last rung, as immediate does (its records' weights are the deployed ladder).
    const rungs = mode === 'data-plane' ? { rungs: [100] } : {};
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: cloud.stateMachineArn(STANDBY, 'region-failover'),
        name: `failover-scenario-${mode}`,
        input: JSON.stringify({
          action: 'failover',
          to: STANDBY,
          mode,
          ...rungs,
          reason: 'primary-5xx',
          requestId: 'scenario',
        }),
      }),
    );
    return;
  }
  if (state.plan === 'arc') {
    // Raise every standby service to the source's 24-hour peak (this run's primary never ran more than now).
    const ecs = new ECSClient(cloud.clientConfig(STANDBY));
    state.raisedAt = cloud.world.now();
    for (const s of SERVICES)
      await ecs.send(new UpdateServiceCommand({ cluster: 'web', service: s, desiredCount: state.target.get(s) ?? 0 }));
  }
}

/** The ARC-like plan: health checks it controls on every weighted record (created with the plan). */
function arcHealthChecks(cloud: LocalCloud): Map<string, string> {
  const route53 = cloud.world.route53;
  const checks = new Map<string, string>();
  for (const region of [PRIMARY, STANDBY]) {
    const check = route53.createHealthCheck(`arc-${region}`, {
      Type: 'CALCULATED',
      ChildHealthChecks: [],
      HealthThreshold: 0,
    });
    checks.set(region, check.Id);
  }
  const zone = route53.requireZone(cloud.config.dns!.hostedZoneId);
  const sets = zone.records
    .filter((rs) => rs.SetIdentifier !== undefined)
    .map((rs) => ({ ...rs, HealthCheckId: checks.get(rs.SetIdentifier!) ?? rs.HealthCheckId }));
  route53.putRecordSetsNow(zone.id, sets);
  return checks;
}

/** The ARC-like plan once raised: when every standby service runs its target, flip every record at once. */
async function arcStep(cloud: LocalCloud, state: RegionalState): Promise<void> {
  if (state.raisedAt === undefined || state.flipAt !== undefined || state.healthyAt === undefined) return;
  const primaryCheck = state.arcChecks?.get(PRIMARY);
  if (!primaryCheck) return;
  state.flipAt = cloud.world.now();
  cloud.world.note('global', 'incident', 'ARC-like plan: standby at the 24-hour peak; every record flipped');
  cloud.world.route53.setHealthCheckOverride(primaryCheck, false);
}

function standbyHealthy(cloud: LocalCloud, state: RegionalState): boolean {
  const rw = cloud.world.region(STANDBY);
  return SERVICES.every((s) => {
    const target = state.target.get(s) ?? 0;
    const svc = rw.ecs.getService('web', s);
    const group = svc?.targetGroups[0]?.name;
    const healthy = group
      ? [...(rw.elb.targetGroup(group)?.targets.values() ?? [])].filter((t) => t.state === 'healthy').length
      : 0;
    return (svc?.runningCount ?? 0) >= target && healthy >= target;
  });
}

/** The measured parts of a run, from its call records, timeline and samples. */
function figures(cloud: LocalCloud, state: RegionalState) {
  const ttl = cloud.config.dns?.ttl ?? 60;
  const calls = cloud.endpoint.calls.filter((c) => c.region === STANDBY && /RegionFailover/.test(c.caller));
  const raisedAt =
    state.raisedAt ??
    calls.find((c) => ['RegisterScalableTarget', 'UpdateService', 'UpdateAutoScalingGroup'].includes(c.action))?.t;
  const change = cloud.endpoint.calls.find(
    (c) => c.action === 'ChangeResourceRecordSets' && c.outcome === 'ok' && /RegionFailover/.test(c.caller),
  );
  const publish = calls.find((c) => c.action === 'PutMetricData' && c.outcome === 'ok');
  const flipAt = state.flipAt ?? (state.plan === 'ballast-data-plane' ? publish?.t : change?.t);
  let flippedAt: number | undefined;
  if (state.plan === 'ballast-data-plane') {
    flippedAt = state.flippedAt;
  } else if (state.plan === 'arc') {
    const id = state.arcChecks?.get(PRIMARY);
    flippedAt = id ? cloud.world.route53.healthCheck(id).history.find((h) => !h.healthy)?.at : undefined;
  } else if (flipAt !== undefined) {
    // Timeline entries carry seconds since the start; call records epoch milliseconds.
    const insync = cloud.world.timeline.find(
      (e) => e.kind === 'route53' && cloud.world.startMs + e.t * 1000 >= flipAt && /^change .* INSYNC/.test(e.detail),
    );
    flippedAt = insync ? cloud.world.startMs + insync.t * 1000 : undefined;
  }
  const recoveredAt = recovery(state);
  const s = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined ? Math.round((b - a) / 1000) : undefined;
  const detect = s(state.onsetAt, state.detectedAt);
  const taskStart = s(raisedAt, state.healthyAt);
  const propagation = s(flipAt, flippedAt);
  const floor =
    detect !== undefined && taskStart !== undefined && propagation !== undefined
      ? detect + taskStart + propagation + ttl
      : undefined;
  const failed = state.samples.filter((x) => x.t > state.onsetAt).reduce((sum, x) => sum + x.failed, 0);
  return {
    ttl,
    detect,
    taskStart,
    propagation,
    floor,
    recovery: s(state.onsetAt, recoveredAt),
    failed: Math.round(failed),
  };
}

/** The start of the first sample window after the failure from which every window fails under 1 %. */
function recovery(state: RegionalState): number | undefined {
  let recoveredAt: number | undefined;
  for (let i = state.samples.length - 1; i >= 0; i--) {
    const x = state.samples[i]!;
    if (x.t <= state.onsetAt) break;
    if (x.total > 0 && x.failed / x.total >= RECOVERED_BELOW) break;
    recoveredAt = x.t - SAMPLE_MS;
  }
  return recoveredAt !== undefined && recoveredAt > state.onsetAt ? recoveredAt : undefined;
}

export function regionalInvariants(cloud: LocalCloud, state: RegionalState): Invariant[] {
  const f = figures(cloud, state);
  const out = [
    { name: 'the failure was detected', held: state.detectedAt !== undefined, detail: `after ${f.detect ?? '–'} s` },
  ];
  if (state.plan === 'route53') return out;
  out.push({
    name: 'the primary recovered: under 1 % of requests fail',
    held: f.recovery !== undefined,
    detail: f.recovery !== undefined ? `${f.recovery} s after the failure` : 'not within the run',
  });
  if (
    (state.plan === 'ballast-immediate' || state.plan === 'ballast-data-plane') &&
    f.floor !== undefined &&
    f.recovery !== undefined
  ) {
    // The warm-up is a hold the operator configured after the capacity is healthy: it adds to the floor.
    const warmUp = cloud.config.policies.failover.warmUpSeconds;
    out.push({
      name: 'Ballast recovers within 30 s of the physical floor (plus its configured warm-up)',
      held: f.recovery - f.floor <= 30 + warmUp,
      detail: `${f.recovery} s against a floor of ${f.floor} s and a warm-up of ${warmUp} s`,
    });
  }
  return out;
}

export function regionalNotes(cloud: LocalCloud, state: RegionalState): string[] {
  const f = figures(cloud, state);
  const label = describePlan(state.plan);
  const recovery = f.recovery !== undefined ? `recovery ${f.recovery} s` : 'not recovered within the run';
  const parts =
    f.floor !== undefined
      ? ` (detection ${f.detect} s, task start ${f.taskStart} s, DNS propagation ${f.propagation} s, TTL ${f.ttl} s: physical floor ${f.floor} s${f.recovery !== undefined ? `, ${f.recovery - f.floor >= 0 ? '+' : ''}${f.recovery - f.floor} s over it` : ''})`
      : f.detect !== undefined
        ? ` (detection ${f.detect} s; nothing moves traffic: the health checks pass)`
        : '';
  return [`${label}: ${recovery}${parts}; ${f.failed.toLocaleString('en-US')} requests failed after the failure`];
}
