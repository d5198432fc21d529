import * as z from 'zod';
import { LIMITS } from './limits.ts';

/**
 * The fleet configuration Ballast is deployed with. One object describes every region; the CDK app
 * synthesizes one stack per region from it, and the local cloud builds its simulated fleet from it.
 * Every rule here fails synth with a message that names the field and says how to fix it.
 */

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

const region = z.string().regex(REGION, { message: 'must be an AWS region name such as us-east-1' });
const name = (what: string) =>
  z.string().regex(NAME, { message: `must be a ${what} name: letters, digits, '-' and '_', 1-255 characters` });

export const DeadlinePolicy = z.enum(['continue', 'force', 'retain']);
export const StandaloneTaskPolicy = z.enum(['wait', 'stop']);

export const DrainPolicySchema = z
  .object({
    /** What happens when the deadline passes with tasks still on the host. @default 'continue' */
    deadlinePolicy: DeadlinePolicy.default('continue'),
    /** How long a drain may take, in minutes (at most 48 h, the lifecycle hook's global cap). @default 60 */
    deadlineMinutes: z
      .number()
      .int()
      .positive({ message: 'must be a positive number of minutes' })
      .max(LIMITS.lifecycleHookGlobalCapSeconds / 60, { message: 'must be at most 2880 minutes (48 h, the hook cap)' })
      .default(60),
    /** Standalone (RunTask) tasks: wait for them, or stop them after a grace period. @default 'wait' */
    standaloneTasks: StandaloneTaskPolicy.default('wait'),
    /** Grace period before standalone tasks are stopped, when `standaloneTasks` is 'stop'. @default 300 */
    standaloneGraceSeconds: z.number().int().min(0).max(172_800).default(300),
    /** At most this many hosts of one cluster draining at once. @default 2 */
    budgetHosts: z.number().int().min(1, { message: 'must be at least 1 host' }).default(2),
    /** Or at most this percentage of a cluster's hosts (the smaller of the two wins). @default 34 */
    budgetPercent: z.number().min(1).max(100).default(34),
    /** Extra settle time after the last task stopped, on top of the target groups' deregistration delay. @default 5 */
    settleSeconds: z.number().int().min(0).max(3600).default(5),
    /** Log and emit decisions without any mutating call. @default false */
    dryRun: z.boolean().default(false),
  })
  .strict();

/**
 * A group's overrides of the drain policy: the same fields, all optional and WITHOUT defaults, so an
 * override of one field does not reset the others to their defaults (zod's `.partial()` keeps defaults).
 */
export const DrainOverridesSchema = z
  .object(
    Object.fromEntries(
      Object.entries(DrainPolicySchema.shape).map(([key, field]) => [
        key,
        (field as z.ZodDefault<z.ZodType>).unwrap().optional(),
      ]),
    ) as {
      [K in keyof typeof DrainPolicySchema.shape]: z.ZodOptional<
        ReturnType<(typeof DrainPolicySchema.shape)[K]['unwrap']>
      >;
    },
  )
  .strict();

export const TargetGroupSchema = z
  .object({
    name: name('target group'),
    /** The target group's deregistration delay; the drain settles at least this long. @default 300 */
    deregistrationDelaySeconds: z.number().int().min(0).max(3600).default(300),
  })
  .strict();

export const AutoScalingGroupSchema = z
  .object({
    name: name('Auto Scaling group'),
    /** The ECS cluster whose container instances this group provides. */
    cluster: name('cluster'),
    /** The terminate lifecycle hook Ballast answers. */
    lifecycleHookName: name('lifecycle hook').default('ballast-drain'),
    /** A launch lifecycle hook Ballast answers once the new host is ACTIVE in its cluster (optional). */
    launchHookName: name('lifecycle hook').optional(),
    /** Create the hooks in the stack (false when they are managed elsewhere). @default true */
    createHooks: z.boolean().default(true),
    /** ECS managed draining (a capacity provider) also drains this group: Ballast complements it. @default false */
    managedDraining: z.boolean().default(false),
    /** Per-group overrides of the drain policy. */
    drain: DrainOverridesSchema.optional(),
  })
  .strict();

export const ServiceSchema = z
  .object({
    name: name('service'),
    cluster: name('cluster'),
    /** Priority tier: critical services are raised first and restored last. */
    tier: z.enum(['critical', 'standard', 'batch']).default('standard'),
    /** Capacity floor (tasks) Ballast never goes below when it holds capacity. */
    floor: z.number().int().min(0),
    /** Capacity ceiling (tasks) Ballast never goes above. */
    ceiling: z.number().int().min(1),
    targetGroups: z.array(TargetGroupSchema).default([]),
  })
  .strict();

export const RegionFleetSchema = z
  .object({
    clusters: z.array(z.object({ name: name('cluster') }).strict()).min(1, { message: 'needs at least one cluster' }),
    autoScalingGroups: z.array(AutoScalingGroupSchema).default([]),
    services: z.array(ServiceSchema).default([]),
  })
  .strict();

export const DnsRecordSchema = z
  .object({
    /** Fully qualified record name, inside the hosted zone. */
    name: z.string().min(1),
    type: z.enum(['A', 'AAAA', 'CNAME']).default('CNAME'),
    /**
     * `data-plane` mode only: what this record answers in each region (a CNAME target such as the region's load
     * balancer name, or an address for A / AAAA), by region. Ballast then creates the weighted records at deploy.
     */
    targets: z.record(region, z.string().min(1).max(255)).optional(),
  })
  .strict();

export const DnsSchema = z
  .object({
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, { message: 'must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ' }),
    zoneName: z.string().min(1),
    /** TTL of the records Ballast steers; clients hold an answer this long after a change. @default 60 */
    ttl: z
      .number()
      .int()
      .min(LIMITS.dnsTtlMinSeconds, { message: `must be at least ${LIMITS.dnsTtlMinSeconds} s` })
      .max(LIMITS.dnsTtlMaxSeconds, {
        message: `must be at most ${LIMITS.dnsTtlMaxSeconds} s: clients would keep a failed region's answer longer`,
      })
      .default(60),
    records: z.array(DnsRecordSchema).min(1, { message: 'needs at least one record to steer' }),
  })
  .strict();

const DetectorMode = z.enum(['auto', 'recommend'], { message: "must be 'auto' or 'recommend'" });

export const DetectorPolicySchema = z
  .object({
    /** Run the detector at all (a scheduled rule every `everyMinutes`). @default true */
    enabled: z.boolean().default(true),
    /** How often the detector evaluates, in minutes. @default 1 */
    everyMinutes: z.number().int().min(1).max(60).default(1),
    /**
     * What the detector's raise holds, as a multiple of each service's reference (the larger of running now and
     * the recent peak): autoscaling is blind, so it holds headroom above what it last saw (capped by the
     * ceiling). 1 holds the reference itself. @default 1.5
     */
    raiseMultiplier: z.number().min(1).max(10).default(1.5),
    /** Independent signals needed at once (of canary, insufficient-data, pending-without-scaling, health-event). @default 2 */
    quorum: z.number().int().min(1).max(4).default(2),
    /** Share of the configured services' target-tracking alarms in INSUFFICIENT_DATA that counts as a signal. @default 0.5 */
    insufficientDataShare: z.number().gt(0).max(1).default(0.5),
    /** The quorum must hold this long before the detector acts, in seconds. @default 180 */
    dwellSeconds: z.number().int().min(0).max(3600).default(180),
    /** Recovery (no quorum) must hold this long before the detector clears and restores, in seconds. @default 900 */
    clearSeconds: z.number().int().min(60).max(86_400).default(900),
    /** The canary counts as failing when its newest data point is older than this, in seconds. @default 300 */
    canaryStaleSeconds: z.number().int().min(120).max(3600).default(300),
    /** Tasks pending this long while the desired count stays put count as a signal, in seconds. @default 300 */
    pendingSeconds: z.number().int().min(60).max(3600).default(300),
    /**
     * Per tier, what detection does: `auto` starts emergency-scale for the tier's services, `recommend` only
     * emits the plan (a plan-only run). @default every tier 'recommend'
     */
    modes: z
      .object({
        critical: DetectorMode.default('recommend'),
        standard: DetectorMode.default('recommend'),
        batch: DetectorMode.default('recommend'),
      })
      .strict()
      .default({ critical: 'recommend', standard: 'recommend', batch: 'recommend' }),
  })
  .strict();

export const EmergencyScalingPolicySchema = z
  .object({
    /** Raise floors to at most this multiple of the recent peak. @default 1.5 */
    maxMultiplier: z.number().min(1).max(10).default(1.5),
    /** How far back the capacity history is read for the recent peak, in hours. @default 24 */
    historyHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 14)
      .default(24),
    /** An override expires on its own after this many hours. @default 12 */
    expiresAfterHours: z.number().min(1).max(72).default(12),
    /** How often the capacity sampler records running counts, in minutes. @default 1 */
    sampleEveryMinutes: z.number().int().min(1).max(60).default(1),
    /** How long one tier may take to reach its targets before the raise reports it and moves on, in minutes. @default 20 */
    tierTimeoutMinutes: z.number().int().min(1).max(180).default(20),
    /** How often the raise polls ECS while it waits for running counts, in seconds. @default 30 */
    pollSeconds: z.number().int().min(5).max(600).default(30),
    /** Restore in this many stages (the first puts the prior suspension back, the others lower MinCapacity). @default 3 */
    restoreSteps: z.number().int().min(1).max(10).default(3),
    /** Seconds between restore stages: at least the scale-in cooldown of your policies. @default 300 */
    restoreStepSeconds: z.number().int().min(0).max(3600).default(300),
    /** The impairment detector (README "Emergency scaling", detector). */
    detector: DetectorPolicySchema.default(DetectorPolicySchema.parse({})),
  })
  .strict();

const LOAD_BALANCER_DIMENSION = /^(app|net)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;

export const FailoverPolicySchema = z
  .object({
    /**
     * How traffic moves: one Route 53 change (`immediate`), a gated ladder of weights (`ladder`), or, with no Route 53
     * API call at all during the failover, health checks on alarms Ballast's own metric drives (`data-plane`: the
     * records, health checks and alarms are created at deploy from `dns.records[].targets`). @default 'ladder'
     */
    mode: z.enum(['immediate', 'ladder', 'data-plane']).default('ladder'),
    /**
     * Ladder rungs: the destination's share of traffic in percent, strictly increasing, ending at 100. Steps of
     * 0.5 % (weights out of 200, within Route 53's 0-255). @default [1, 5, 25, 50, 100]
     */
    rungs: z
      .array(
        z
          .number()
          .positive({ message: 'must be a share above 0 %' })
          .max(100, { message: 'must be at most 100 %' })
          .multipleOf(0.5, { message: 'must be a multiple of 0.5 % (weights are integers out of 200)' }),
      )
      .min(1, { message: 'needs at least one rung (100)' })
      .default([1, 5, 25, 50, 100]),
    /** How long each rung is held and watched before the next, in seconds. @default 300 */
    rungHoldSeconds: z.number().int().min(30).max(3600).default(300),
    /** A rung is bad when the destination's 5xx share of requests exceeds this fraction. @default 0.02 */
    cutBackErrorRate: z.number().min(0).max(1).default(0.02),
    /** ... or when its p99 target response time exceeds this many milliseconds. @default 1500 */
    maxLatencyMs: z.number().int().min(1).max(600_000).default(1500),
    /** Capacity raised in the destination, in percent of the source's (recent peak or current desired). @default 100 */
    share: z.number().min(1).max(200).default(100),
    /** How far back the capacity history is read for the source's recent peak, in hours. @default 24 */
    historyHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 14)
      .default(24),
    /** Hold after the destination's capacity is running and healthy, before traffic moves, in seconds. @default 60 */
    warmUpSeconds: z.number().int().min(0).max(3600).default(60),
    /** Longest wait for the destination's capacity; past it the unreached services are reported. @default 900 */
    capacityDeadlineSeconds: z.number().int().min(60).max(7200).default(900),
    /** Share of traffic a drill sends to the destination, in percent. @default 1 */
    drillPercent: z.number().positive().max(50).multipleOf(0.5).default(1),
    /** How long a drill keeps that share on the destination, in seconds. @default 600 */
    drillHoldSeconds: z.number().int().min(60).max(86_400).default(600),
    /** Recovery-time objective a drill's evidence is measured against, in seconds. @default 900 */
    rtoSeconds: z.number().int().min(60).max(86_400).default(900),
    /** A failback starts only after the region has been healthy (and out of traffic) this long, in seconds. @default 1800 */
    failbackHealthySeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(1800),
    /**
     * After a failover or failback completed, wait this long (the bake), then lower the old region's services to
     * their floor (best effort: that region may still be impaired). Unset: never scale the old region down.
     */
    scaleDownAfterBakeSeconds: z
      .number()
      .int()
      .min(300)
      .max(7 * 86_400)
      .optional(),
    /** How often each region's readiness as a destination is evaluated, in minutes. @default 15 */
    readinessIntervalMinutes: z.number().int().min(1).max(1440).default(15),
    /** Timeout of each best-effort read of the source region's APIs, in milliseconds. @default 2000 */
    sourceReadTimeoutMs: z.number().int().min(100).max(30_000).default(2000),
    /**
     * Where the active-region fence is written. Unset: the destination's own ledger, which is safe only when the
     * ledger is a DynamoDB global table with multi-region strong consistency (see README "Region failover").
     * Set: that one region's ledger (one writer; a failover cannot proceed while that region is unreachable).
     */
    fenceRegion: region.optional(),
    /**
     * Automatic triggers, evaluated every minute in the region a failover would go to (the standby while the
     * primary is active, the primary while the standby is): the active region's signals — each of its `alarms`
     * (bad in ALARM, or when it cannot be read: the region's APIs failing is a symptom too) and, with
     * `healthChecks`, the Route 53 health check of each steered record's set for that region (bad when most
     * checkers fail). When at least `quorum` signals (default: a majority) stay bad for `dwellSeconds`, `recommend`
     * emits `Failover Recommended` with the plan and starts nothing; `auto` starts the failover; `off` does neither.
     */
    trigger: z
      .object({
        action: z.enum(['off', 'recommend', 'auto']).default('recommend'),
        alarms: z.record(region, z.array(z.string().min(1).max(255)).max(20)).default({}),
        healthChecks: z.boolean().default(true),
        quorum: z.number().int().min(1).max(40).optional(),
        dwellSeconds: z.number().int().min(0).max(3600).default(120),
      })
      .strict()
      .default({ action: 'recommend', alarms: {}, healthChecks: true, dwellSeconds: 120 }),
    /**
     * The load balancers watched on each rung, by region, as CloudWatch's `LoadBalancer` dimension
     * (`app/<name>/<id>`). A region without any is watched on target health only.
     */
    loadBalancers: z
      .record(
        region,
        z.array(
          z.string().regex(LOAD_BALANCER_DIMENSION, {
            message: "must be a LoadBalancer dimension such as 'app/web/0123456789abcdef'",
          }),
        ),
      )
      .default({}),
  })
  .strict();

export const BallastConfigSchema = z
  .object({
    /** Name prefix of every resource Ballast creates. @default 'ballast' */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}$/, { message: 'must be lower-case letters, digits and -, 2-31 characters' })
      .default('ballast'),
    primaryRegion: region,
    standbyRegion: region,
    /** The fleet, by region. Must contain the primary and the standby region; more regions are allowed. */
    regions: z.record(region, RegionFleetSchema),
    dns: DnsSchema.optional(),
    policies: z
      .object({
        drain: DrainPolicySchema.default(DrainPolicySchema.parse({})),
        emergencyScaling: EmergencyScalingPolicySchema.default(EmergencyScalingPolicySchema.parse({})),
        failover: FailoverPolicySchema.default(FailoverPolicySchema.parse({})),
      })
      .strict()
      .default({
        drain: DrainPolicySchema.parse({}),
        emergencyScaling: EmergencyScalingPolicySchema.parse({}),
        failover: FailoverPolicySchema.parse({}),
      }),
    /** Days the ledger keeps capacity history and operation records. @default 35 */
    retentionDays: z.number().int().min(1).max(3650).default(35),
    /** The ledger table (see README "The ledger"). */
    ledger: z
      .object({
        /**
         * Physical name of the ledger table, the same in every region (a failover reaches the fence region's
         * ledger by it). A static name, so that `cdk deploy --import-existing-resources` can take a retained
         * table back. @default `<name>-ledger`
         */
        tableName: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{3,255}$/, {
            message: 'must be a DynamoDB table name: 3-255 letters, digits, _ . or -',
          })
          .optional(),
        /**
         * Regions whose ledger table already exists and is not to be created by the stack (a table retained
         * by an earlier `cdk destroy`, or one you converted into a global table): the stack uses it by name and
         * scopes every grant to it, and does not own it (no deletion, no settings of its own). @default []
         */
        adopt: z.array(region).max(20).default([]),
      })
      .strict()
      .default({ adopt: [] }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (config.standbyRegion === config.primaryRegion) {
      issue(
        ['standbyRegion'],
        `must differ from primaryRegion (${config.primaryRegion}): failover needs a second region`,
      );
    }
    for (const key of ['primaryRegion', 'standbyRegion'] as const) {
      if (!config.regions[config[key]]) {
        issue(['regions'], `has no entry for ${key} ${config[key]}: add regions['${config[key]}']`);
      }
    }
    for (const [regionName, fleet] of Object.entries(config.regions)) {
      const clusters = new Set<string>();
      fleet.clusters.forEach((cluster, i) => {
        if (clusters.has(cluster.name))
          issue(['regions', regionName, 'clusters', i, 'name'], `duplicates cluster ${cluster.name}`);
        clusters.add(cluster.name);
      });
      const groups = new Set<string>();
      fleet.autoScalingGroups.forEach((group, i) => {
        const at = ['regions', regionName, 'autoScalingGroups', i];
        if (groups.has(group.name)) issue([...at, 'name'], `duplicates Auto Scaling group ${group.name}`);
        groups.add(group.name);
        if (!clusters.has(group.cluster)) {
          issue(
            [...at, 'cluster'],
            `names unknown cluster '${group.cluster}': declare it in regions['${regionName}'].clusters`,
          );
        }
        if (group.launchHookName !== undefined && group.launchHookName === group.lifecycleHookName) {
          issue(
            [...at, 'launchHookName'],
            'must differ from lifecycleHookName: one hook cannot answer launch and terminate',
          );
        }
      });
      const services = new Set<string>();
      fleet.services.forEach((service, i) => {
        const at = ['regions', regionName, 'services', i];
        const key = `${service.cluster}/${service.name}`;
        if (services.has(key)) issue([...at, 'name'], `duplicates service ${key}`);
        services.add(key);
        if (!clusters.has(service.cluster)) {
          issue(
            [...at, 'cluster'],
            `names unknown cluster '${service.cluster}': declare it in regions['${regionName}'].clusters`,
          );
        }
        if (service.floor > service.ceiling) {
          issue(
            [...at, 'floor'],
            `(${service.floor}) is above ceiling (${service.ceiling}): lower the floor or raise the ceiling`,
          );
        }
      });
    }
    if (config.dns) {
      config.dns.records.forEach((record, i) => {
        const zone = config.dns!.zoneName.replace(/\.$/, '');
        const recordName = record.name.replace(/\.$/, '');
        if (recordName !== zone && !recordName.endsWith(`.${zone}`)) {
          issue(['dns', 'records', i, 'name'], `'${record.name}' is not inside hosted zone ${config.dns!.zoneName}`);
        }
      });
    }
    const failover = config.policies.failover;
    if (failover.mode === 'data-plane') {
      if (!config.dns) {
        issue(
          ['dns'],
          "is required by policies.failover.mode 'data-plane': the records it steers are created at deploy",
        );
      }
      config.dns?.records.forEach((record, i) => {
        for (const regionName of Object.keys(config.regions)) {
          if (!record.targets?.[regionName]) {
            issue(
              ['dns', 'records', i, 'targets', regionName],
              `is missing: policies.failover.mode 'data-plane' creates ${record.name}'s weighted records at deploy and needs what it answers in every region`,
            );
          }
        }
      });
      if (failover.rungs.length > LIMITS.dataPlaneMaxRungs) {
        issue(
          ['policies', 'failover', 'rungs'],
          `has ${failover.rungs.length} rungs: 'data-plane' makes two alarms and a health check per rung and region; use at most ${LIMITS.dataPlaneMaxRungs}`,
        );
      }
    }
    const rungs = failover.rungs;
    if (rungs.length > 0 && rungs[rungs.length - 1] !== 100) {
      issue(
        ['policies', 'failover', 'rungs'],
        'must end at 100, so the last rung sends all traffic to the destination',
      );
    }
    for (let i = 1; i < rungs.length; i++) {
      if ((rungs[i] ?? 0) <= (rungs[i - 1] ?? 0)) {
        issue(['policies', 'failover', 'rungs', i], 'must be strictly increasing');
      }
    }
    config.ledger.adopt.forEach((r, i) => {
      if (!config.regions[r]) {
        issue(['ledger', 'adopt', i], `names region ${r}, which is not in regions: add it or remove it`);
      }
    });
    for (const [key, value] of [
      ['fenceRegion', failover.fenceRegion],
      ...Object.keys(failover.loadBalancers).map((r) => ['loadBalancers', r] as const),
    ] as const) {
      if (value !== undefined && !config.regions[value]) {
        issue(['policies', 'failover', key], `names region ${value}, which is not in regions: add it or remove it`);
      }
    }
  });

/** The ledger table's name in every region (`ledger.tableName`, else `<name>-ledger`). */
export function ledgerTableName(config: Pick<BallastConfig, 'name' | 'ledger'>): string {
  return config.ledger.tableName ?? `${config.name}-ledger`;
}

/** What a user writes (defaults optional). */
export type BallastConfigInput = z.input<typeof BallastConfigSchema>;
/** What Ballast uses (defaults filled in, validated). */
export type BallastConfig = z.output<typeof BallastConfigSchema>;
export type RegionFleet = z.output<typeof RegionFleetSchema>;
export type AutoScalingGroupConfig = z.output<typeof AutoScalingGroupSchema>;
export type ServiceConfig = z.output<typeof ServiceSchema>;
export type DrainPolicy = z.output<typeof DrainPolicySchema>;
export type FailoverPolicy = z.output<typeof FailoverPolicySchema>;
export type EmergencyScalingPolicy = z.output<typeof EmergencyScalingPolicySchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid Ballast configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Validates a configuration; throws a ConfigError whose lines each name a field and the fix. */
export function parseConfig(input: unknown): BallastConfig {
  const result = BallastConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? formatPath(issue.path) : '(config)';
    return `${path}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      const text = String(part);
      if (!/^[A-Za-z_$][\w$]*$/.test(text)) return `['${text}']`;
      return i === 0 ? text : `.${text}`;
    })
    .join('');
}

/** The drain policy that applies to one group: the fleet policy with the group's overrides. */
export function drainPolicyFor(config: BallastConfig, group: AutoScalingGroupConfig): DrainPolicy {
  const overrides = Object.fromEntries(Object.entries(group.drain ?? {}).filter(([, value]) => value !== undefined));
  return DrainPolicySchema.parse({ ...config.policies.drain, ...overrides });
}

/** Every region of the fleet, primary first, then standby, then the rest in name order. */
export function fleetRegions(config: BallastConfig): string[] {
  const rest = Object.keys(config.regions)
    .filter((r) => r !== config.primaryRegion && r !== config.standbyRegion)
    .sort();
  return [config.primaryRegion, config.standbyRegion, ...rest];
}
