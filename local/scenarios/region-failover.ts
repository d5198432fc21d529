import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import exampleConfig from '../../ballast.config.ts';
import type { LocalCloud } from '../cloud.ts';
import { minutes, type Scenario, type ScenarioVariant } from './types.ts';

/**
 * A gray failure of the primary (half of its requests fail while every health check passes) on a fleet whose
 * standby runs its floors, too small for the load. The same fleet and failure, handled five ways (`--compare`):
 * Ballast `immediate` and `ladder`; Route 53 health-check failover alone (nothing but the records' health
 * checks, which pass); an ARC-like plan (raise the standby from the source's 24-hour peak, wait for it, then flip
 * every record at once through health checks the plan controls). Detection is the same for all: a CloudWatch
 * alarm on the primary's load balancer 5xx count (one minute over 1 % of its requests); whoever acts starts then.
 *
 * Recovery time is from the failure to the first 5-second window after which fewer than 1 % of requests fail
 * until the end. Its physical floor, from the same run: detection + task start (the raise to the last target
 * healthy) + DNS propagation (the change to INSYNC, or the health check's flip) + the TTL.
 */
const PRIMARY = 'us-east-1';
const STANDBY = 'us-west-2';
const ONSET = minutes(10);
const GRAY_SHARE = 0.5;
const SAMPLE_MS = 5_000;
const RECOVERED_BELOW = 0.01;
const SERVICES = ['api', 'frontend'] as const;

type Plan = 'ballast-immediate' | 'ballast-ladder' | 'route53' | 'arc';

interface State {
  readonly plan: Plan;
  /** When the failure starts (epoch ms). */
  readonly onsetAt: number;
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

/** The example fleet, the primary twice its default size; no warm-up hold, so the floor is comparable. */
const config = {
  ...exampleConfig,
  policies: {
    ...exampleConfig.policies,
    failover: { ...exampleConfig.policies!.failover!, warmUpSeconds: 0 },
  },
};

const fleet = {
  regions: {
    [PRIMARY]: {
      groups: { 'web-hosts': { hosts: 4 } },
      services: { 'web/api': { desiredCount: 8 }, 'web/frontend': { desiredCount: 4 } },
    },
  },
};

function scenarioFor(plan: Plan): Scenario<State> {
  return {
    name: 'region-failover',
    description:
      'gray failure of the primary (50 % of requests fail, health checks pass); the standby runs its floors, too small for the load',
    durationMs: minutes(60),
    config,
    fleet,
    phases: [{ name: 'gray failure of the primary', from: ONSET, until: minutes(60), handledBy: 'region failover' }],
    setup: (cloud) => setup(cloud, plan),
    invariants,
    notes,
  };
}

function setup(cloud: LocalCloud, wanted: Plan): State {
  // Without Ballast deployed (`--without-ballast`), only the records' health checks act.
  const plan: Plan = cloud.withBallast || !wanted.startsWith('ballast') ? wanted : 'route53';
  const world = cloud.world;
  const state: State = { plan, onsetAt: world.startMs + ONSET, target: new Map(), samples: [] };
  const lb = cloud.config.policies.failover.loadBalancers[PRIMARY]?.[0];
  if (!lb) throw new Error(`region-failover: the config names no load balancer for ${PRIMARY}`);
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
    // 1 % of the primary's 600 requests per second, over a minute.
    Threshold: 360,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  });
  if (plan === 'arc') state.arcChecks = arcHealthChecks(cloud);
  world.clock.after(ONSET, 'gray failure', () => {
    for (const s of SERVICES) state.target.set(s, world.region(PRIMARY).ecs.getService('web', s)?.desiredCount ?? 0);
    world.note(PRIMARY, 'incident', `gray failure: ${GRAY_SHARE * 100}% of requests fail, health checks pass`);
    world.traffic.grayFailure(PRIMARY, GRAY_SHARE);
  });
  let last = { total: 0, failed: 0 };
  const sample = async () => {
    const now = world.now();
    const totals = world.traffic.totals();
    state.samples.push({ t: now, total: totals.total - last.total, failed: totals.failed - last.failed });
    last = totals;
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
    world.clock.after(SAMPLE_MS, 'region-failover sample', sample);
  };
  world.clock.after(SAMPLE_MS, 'region-failover sample', sample);
  return state;
}

function describePlan(plan: Plan): string {
  switch (plan) {
    case 'ballast-immediate':
      return 'Ballast (immediate)';
    case 'ballast-ladder':
      return 'Ballast (ladder)';
    case 'route53':
      return 'Route 53 health-check failover alone';
    case 'arc':
      return 'an ARC-like plan';
  }
}

async function act(cloud: LocalCloud, state: State): Promise<void> {
  if (state.plan === 'ballast-immediate' || state.plan === 'ballast-ladder') {
    const sfn = new SFNClient(cloud.clientConfig(STANDBY));
    const mode = state.plan === 'ballast-immediate' ? 'immediate' : 'ladder';
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: cloud.stateMachineArn(STANDBY, 'region-failover'),
        name: `failover-scenario-${mode}`,
        input: JSON.stringify({ action: 'failover', to: STANDBY, mode, reason: 'primary-5xx', requestId: 'scenario' }),
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
async function arcStep(cloud: LocalCloud, state: State): Promise<void> {
  if (state.raisedAt === undefined || state.flipAt !== undefined || state.healthyAt === undefined) return;
  const primaryCheck = state.arcChecks?.get(PRIMARY);
  if (!primaryCheck) return;
  state.flipAt = cloud.world.now();
  cloud.world.note('global', 'incident', 'ARC-like plan: standby at the 24-hour peak; every record flipped');
  cloud.world.route53.setHealthCheckOverride(primaryCheck, false);
}

function standbyHealthy(cloud: LocalCloud, state: State): boolean {
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
function figures(cloud: LocalCloud, state: State) {
  const ttl = cloud.config.dns?.ttl ?? 60;
  const calls = cloud.endpoint.calls.filter((c) => c.region === STANDBY && /RegionFailover/.test(c.caller));
  const raisedAt =
    state.raisedAt ??
    calls.find((c) => ['RegisterScalableTarget', 'UpdateService', 'UpdateAutoScalingGroup'].includes(c.action))?.t;
  const change = cloud.endpoint.calls.find(
    (c) => c.action === 'ChangeResourceRecordSets' && c.outcome === 'ok' && /RegionFailover/.test(c.caller),
  );
  const flipAt = state.flipAt ?? change?.t;
  let flippedAt: number | undefined;
  if (state.plan === 'arc') {
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
function recovery(state: State): number | undefined {
  let recoveredAt: number | undefined;
  for (let i = state.samples.length - 1; i >= 0; i--) {
    const x = state.samples[i]!;
    if (x.t <= state.onsetAt) break;
    if (x.total > 0 && x.failed / x.total >= RECOVERED_BELOW) break;
    recoveredAt = x.t - SAMPLE_MS;
  }
  return recoveredAt !== undefined && recoveredAt > state.onsetAt ? recoveredAt : undefined;
}

function invariants(cloud: LocalCloud, state: State) {
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
  if (state.plan === 'ballast-immediate' && f.floor !== undefined && f.recovery !== undefined) {
    out.push({
      name: 'Ballast recovers within 30 s of the physical floor',
      held: f.recovery - f.floor <= 30,
      detail: `${f.recovery} s against a floor of ${f.floor} s`,
    });
  }
  return out;
}

function notes(cloud: LocalCloud, state: State): string[] {
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

const VARIANTS: readonly Plan[] = ['ballast-immediate', 'ballast-ladder', 'route53', 'arc'];

export const regionFailover: Scenario<State> = {
  ...scenarioFor('ballast-immediate'),
  variants: () =>
    VARIANTS.map(
      (plan): ScenarioVariant => ({
        label: describePlan(plan),
        scenario: scenarioFor(plan),
        withBallast: plan.startsWith('ballast'),
      }),
    ),
};
