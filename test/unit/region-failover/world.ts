import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '#config/schema.ts';
import type { FailoverEventDetail } from '#events/failover-events.ts';
import { type FailoverConfig, failoverConfigFor } from '#functions/region-failover/config-schema.ts';
import type { FailoverClients, FailoverDeps } from '#functions/region-failover/core/deps.ts';
import type { LedgerTable } from './ledger-table.ts';

/**
 * Two or three regions behind aws-sdk-client-mock, one set of client instances per region: ECS services with
 * running counts that follow the desired count a few tasks per tick, Application Auto Scaling targets (with the
 * clamp: desired is kept inside [min, max]), Auto Scaling groups, target groups whose healthy targets are the
 * running tasks, per-region load-balancer metrics driven by the traffic share, Route 53 weighted records with
 * PENDING then INSYNC changes, and the events emitted. A region can be "down" (its APIs time out).
 */
export const T0 = new Date('2026-12-01T10:00:00.000Z');

export const BASE_CONFIG = {
  primaryRegion: 'us-east-1',
  standbyRegion: 'us-west-2',
  regions: {
    'us-east-1': {
      clusters: [{ name: 'web' }],
      autoScalingGroups: [{ name: 'web-hosts', cluster: 'web' }],
      services: [
        { name: 'api', cluster: 'web', floor: 4, ceiling: 40, targetGroups: [{ name: 'api-tg' }] },
        { name: 'frontend', cluster: 'web', floor: 2, ceiling: 20 },
      ],
    },
    'us-west-2': {
      clusters: [{ name: 'web' }],
      autoScalingGroups: [{ name: 'web-hosts', cluster: 'web' }],
      services: [
        { name: 'api', cluster: 'web', floor: 2, ceiling: 40, targetGroups: [{ name: 'api-tg' }] },
        { name: 'frontend', cluster: 'web', floor: 1, ceiling: 20 },
      ],
    },
  },
  dns: {
    hostedZoneId: 'Z0EXAMPLE0BALLAST',
    zoneName: 'example.com',
    ttl: 60,
    records: [{ name: 'api.example.com', type: 'CNAME' }],
  },
  policies: {
    failover: {
      rungs: [1, 5, 25, 50, 100],
      rungHoldSeconds: 120,
      warmUpSeconds: 30,
      loadBalancers: { 'us-west-2': ['app/web/fedcba9876543210'], 'us-east-1': ['app/web/0123456789abcdef'] },
    },
  },
} as const;

interface FakeService {
  desired: number;
  running: number;
  scalable?: { min: number; max: number; scaleInSuspended: boolean };
}

interface FakeGroup {
  min: number;
  max: number;
  desired: number;
}

export interface RegionModel {
  services: Map<string, FakeService>;
  groups: Map<string, FakeGroup>;
  targetGroups: Map<string, string>;
  /** Requests per second the region's load balancer sees at 100 % of traffic. */
  rps: number;
  /** The share of requests that fail at a given traffic share (percent): a bad standby fails past a rung. */
  errorRateAt: (percent: number) => number;
  down: boolean;
  /** Tasks that start per tick per service. */
  startRate: number;
}

export interface WorldCall {
  readonly region: string;
  readonly action: string;
  readonly input: Record<string, any>;
}

export class FailoverWorld {
  now = new Date(T0);
  readonly regions = new Map<string, RegionModel>();
  readonly records = new Map<string, Map<string, ResourceRecordSet>>();
  readonly changes = new Map<string, { status: 'PENDING' | 'INSYNC'; polls: number }>();
  readonly events: Array<{ detailType: string; detail: FailoverEventDetail; region: string }> = [];
  readonly calls: WorldCall[] = [];
  readonly config: FailoverConfig;
  private readonly clients = new Map<string, FailoverClients>();
  private changeCounter = 0;
  /** The destination share (percent, by region) after each Route 53 change, for per-minute request counts. */
  readonly shareHistory: Array<{ at: number; percents: Record<string, number> }> = [];
  /** GetChange polls before a change is INSYNC. */
  pollsToInSync = 2;

  constructor(
    readonly ledger: LedgerTable,
    configInput: unknown = BASE_CONFIG,
    readonly here = 'us-west-2',
  ) {
    const config = parseConfig(configInput);
    this.config = failoverConfigFor(config, here);
    for (const [region, fleet] of Object.entries(config.regions)) {
      const services = new Map<string, FakeService>();
      for (const s of fleet.services) services.set(`${s.cluster}/${s.name}`, { desired: s.floor, running: s.floor });
      const groups = new Map<string, FakeGroup>();
      for (const g of fleet.autoScalingGroups) groups.set(g.name, { min: 1, max: 20, desired: 2 });
      const targetGroups = new Map<string, string>();
      for (const s of fleet.services) {
        for (const tg of s.targetGroups) {
          targetGroups.set(
            tg.name,
            `arn:aws:elasticloadbalancing:${region}:123456789012:targetgroup/${tg.name}/0123456789abcdef`,
          );
        }
      }
      this.regions.set(region, {
        services,
        groups,
        targetGroups,
        rps: 1000,
        errorRateAt: () => 0,
        down: false,
        startRate: 4,
      });
    }
    for (const record of config.dns?.records ?? []) {
      const sets = new Map<string, ResourceRecordSet>();
      for (const region of Object.keys(config.regions)) {
        sets.set(region, {
          Name: `${record.name}.`,
          Type: record.type,
          SetIdentifier: region,
          Weight: region === config.primaryRegion ? 200 : 0,
          TTL: 60,
          ResourceRecords: [{ Value: `lb.${region}.example.com` }],
        });
      }
      this.records.set(record.name, sets);
    }
  }

  region(name: string): RegionModel {
    const r = this.regions.get(name);
    if (!r) throw new Error(`no region ${name}`);
    return r;
  }

  service(region: string, key: string): FakeService {
    const s = this.region(region).services.get(key);
    if (!s) throw new Error(`no service ${key} in ${region}`);
    return s;
  }

  /** The destination's share of traffic now, from the weights (percent). */
  percentTo(region: string, record = 'api.example.com'): number {
    const sets = [...(this.records.get(record)?.values() ?? [])];
    const total = sets.reduce((a, s) => a + (s.Weight ?? 0), 0);
    const mine = sets.find((s) => s.SetIdentifier === region)?.Weight ?? 0;
    return total > 0 ? (mine * 100) / total : 0;
  }

  /** A region's share of traffic at a past time (percent), from the history of changes. */
  percentAt(region: string, at: number): number {
    const before = this.shareHistory.filter((h) => h.at <= at).at(-1);
    if (before) return before.percents[region] ?? 0;
    return region === this.config.primaryRegion ? 100 : 0;
  }

  /** Virtual time passes: tasks start towards their desired count. */
  advance(seconds: number): void {
    if (seconds <= 0) return;
    this.now = new Date(this.now.getTime() + seconds * 1000);
    for (const region of this.regions.values()) {
      for (const s of region.services.values()) {
        if (s.running < s.desired) s.running = Math.min(s.desired, s.running + region.startRate);
        if (s.running > s.desired) s.running = s.desired;
      }
    }
  }

  mutations(action: string): WorldCall[] {
    return this.calls.filter((c) => c.action === action);
  }

  deps(ledgerRegion = this.here, fence = this.ledger.store(ledgerRegion)): FailoverDeps {
    return {
      clientsFor: (region) => this.clientsFor(region),
      store: this.ledger.store(ledgerRegion),
      fence,
      clock: () => new Date(this.now),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      config: this.config,
    };
  }

  clientsFor(region: string): FailoverClients {
    const made = this.clients.get(region);
    if (made) return made;
    const config = { region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
    const clients = {
      ecs: new ECSClient(config),
      autoScaling: new AutoScalingClient(config),
      applicationAutoScaling: new ApplicationAutoScalingClient(config),
      cloudWatch: new CloudWatchClient(config),
      route53: new Route53Client({ ...config, region: 'us-east-1' }),
      eventBridge: new EventBridgeClient(config),
      elbv2: new ElasticLoadBalancingV2Client(config),
    };
    this.wire(region, clients);
    this.clients.set(region, clients);
    return clients;
  }

  private wire(region: string, c: FailoverClients): void {
    const record = (action: string, input: object) => {
      this.calls.push({ region, action, input: input as Record<string, any> });
      if (this.region(region).down) {
        const error = new Error('Connection timed out');
        error.name = 'TimeoutError';
        throw error;
      }
    };
    const r = () => this.region(region);
    mockClient(c.ecs)
      .on(DescribeServicesCommand)
      .callsFake((input) => {
        record('ecs:DescribeServices', input);
        return {
          services: (input.services ?? []).flatMap((name: string) => {
            const s = r().services.get(`${input.cluster}/${name}`);
            return s ? [{ serviceName: name, status: 'ACTIVE', desiredCount: s.desired, runningCount: s.running }] : [];
          }),
        };
      })
      .on(UpdateServiceCommand)
      .callsFake((input) => {
        record('ecs:UpdateService', input);
        const s = this.service(region, `${input.cluster}/${input.service}`);
        s.desired = input.desiredCount ?? s.desired;
        return {};
      });
    mockClient(c.applicationAutoScaling)
      .on(DescribeScalableTargetsCommand)
      .callsFake((input) => {
        record('application-autoscaling:DescribeScalableTargets', input);
        return {
          ScalableTargets: (input.ResourceIds ?? []).flatMap((id: string) => {
            const s = r().services.get(id.replace(/^service\//, ''));
            return s?.scalable
              ? [
                  {
                    ResourceId: id,
                    MinCapacity: s.scalable.min,
                    MaxCapacity: s.scalable.max,
                    SuspendedState: { DynamicScalingInSuspended: s.scalable.scaleInSuspended },
                  },
                ]
              : [];
          }),
        };
      })
      .on(RegisterScalableTargetCommand)
      .callsFake((input) => {
        record('application-autoscaling:RegisterScalableTarget', input);
        const s = this.service(region, String(input.ResourceId).replace(/^service\//, ''));
        const sc = s.scalable ?? { min: 0, max: 0, scaleInSuspended: false };
        sc.min = input.MinCapacity ?? sc.min;
        sc.max = input.MaxCapacity ?? sc.max;
        sc.scaleInSuspended = input.SuspendedState?.DynamicScalingInSuspended ?? sc.scaleInSuspended;
        s.scalable = sc;
        // The clamp: Application Auto Scaling moves the desired count into [min, max].
        s.desired = Math.min(sc.max, Math.max(sc.min, s.desired));
        return {};
      });
    mockClient(c.autoScaling)
      .on(DescribeAutoScalingGroupsCommand)
      .callsFake((input) => {
        record('autoscaling:DescribeAutoScalingGroups', input);
        return {
          AutoScalingGroups: (input.AutoScalingGroupNames ?? []).flatMap((name: string) => {
            const g = r().groups.get(name);
            return g
              ? [
                  {
                    AutoScalingGroupName: name,
                    MinSize: g.min,
                    MaxSize: g.max,
                    DesiredCapacity: g.desired,
                    Instances: [],
                  },
                ]
              : [];
          }),
        };
      })
      .on(UpdateAutoScalingGroupCommand)
      .callsFake((input) => {
        record('autoscaling:UpdateAutoScalingGroup', input);
        const g = r().groups.get(String(input.AutoScalingGroupName))!;
        if (input.MinSize !== undefined) {
          g.min = input.MinSize;
          g.desired = Math.max(g.desired, g.min);
        }
        return {};
      });
    mockClient(c.elbv2)
      .on(DescribeTargetGroupsCommand)
      .callsFake((input) => {
        record('elasticloadbalancing:DescribeTargetGroups', input);
        const names: string[] = input.Names ?? [];
        const missing = names.filter((n) => !r().targetGroups.has(n));
        if (missing.length > 0) {
          const error = new Error(`One or more target groups not found`);
          error.name = 'TargetGroupNotFoundException';
          throw error;
        }
        return { TargetGroups: names.map((n) => ({ TargetGroupName: n, TargetGroupArn: r().targetGroups.get(n) })) };
      })
      .on(DescribeTargetHealthCommand)
      .callsFake((input) => {
        record('elasticloadbalancing:DescribeTargetHealth', input);
        const name = [...r().targetGroups].find(([, arn]) => arn === input.TargetGroupArn)?.[0] ?? '';
        // The world's own fact: a target group's targets are its service's running tasks.
        const service = [...r().services].find(([key]) => key.endsWith(`/${name.replace(/-tg$/, '')}`))?.[1];
        const running = service?.running ?? 0;
        return {
          TargetHealthDescriptions: Array.from({ length: running }, (_, i) => ({
            Target: { Id: `10.0.0.${i}` },
            TargetHealth: { State: 'healthy' },
          })),
        };
      });
    mockClient(c.cloudWatch)
      .on(GetMetricDataCommand)
      .callsFake((input) => {
        record('cloudwatch:GetMetricData', input);
        // One value per period: the region's share of traffic at the start of each period (from the weights).
        const startMs = (input.StartTime as Date).getTime();
        const endMs = (input.EndTime as Date).getTime();
        const period = (input.MetricDataQueries?.[0]?.MetricStat?.Period ?? 60) * 1000;
        const buckets: number[] = [];
        for (let t = startMs; t < endMs; t += period) buckets.push(t);
        const series = buckets.map((t) => {
          const percent = this.percentAt(region, t);
          const seconds = Math.min(period, endMs - t) / 1000;
          const requests = Math.round((r().rps * percent * seconds) / 100);
          return { t, requests, errors: Math.round(requests * r().errorRateAt(percent)) };
        });
        return {
          MetricDataResults: (input.MetricDataQueries ?? []).map((q: { Id: string }) => ({
            Id: q.Id,
            Timestamps: series.map((b) => new Date(b.t)),
            Values: series.map((b) =>
              q.Id.startsWith('req')
                ? b.requests
                : q.Id.startsWith('t5xx')
                  ? b.errors
                  : q.Id.startsWith('e5xx')
                    ? 0
                    : 0.08,
            ),
          })),
        };
      });
    mockClient(c.route53)
      .on(ListResourceRecordSetsCommand)
      .callsFake((input) => {
        record('route53:ListResourceRecordSets', input);
        const name = String(input.StartRecordName).replace(/\.$/, '');
        return {
          ResourceRecordSets: [...(this.records.get(name)?.values() ?? [])].map((s) => ({ ...s })),
          IsTruncated: false,
        };
      })
      .on(ChangeResourceRecordSetsCommand)
      .callsFake((input) => {
        record('route53:ChangeResourceRecordSets', input);
        for (const change of input.ChangeBatch?.Changes ?? []) {
          const rs = change.ResourceRecordSet!;
          const name = String(rs.Name).replace(/\.$/, '');
          this.records.get(name)!.set(rs.SetIdentifier!, { ...rs });
        }
        const percents = Object.fromEntries([...this.regions.keys()].map((name) => [name, this.percentTo(name)]));
        this.shareHistory.push({ at: this.now.getTime(), percents });
        const id = `/change/C${++this.changeCounter}`;
        this.changes.set(id, { status: 'PENDING', polls: 0 });
        return { ChangeInfo: { Id: id, Status: 'PENDING', SubmittedAt: this.now } };
      })
      .on(GetChangeCommand)
      .callsFake((input) => {
        record('route53:GetChange', input);
        const change = this.changes.get(String(input.Id))!;
        change.polls += 1;
        if (change.polls >= this.pollsToInSync) change.status = 'INSYNC';
        return { ChangeInfo: { Id: input.Id, Status: change.status, SubmittedAt: this.now } };
      });
    mockClient(c.eventBridge)
      .on(PutEventsCommand)
      .callsFake((input) => {
        record('events:PutEvents', input);
        for (const e of input.Entries ?? []) {
          this.events.push({ detailType: String(e.DetailType), detail: JSON.parse(String(e.Detail)), region });
        }
        return { FailedEntryCount: 0, Entries: [{ EventId: 'e' }] };
      });
  }
}
