import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListContainerInstancesCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '#config/schema.ts';
import { type ScalingConfig, scalingConfigFor } from '#functions/emergency-scaling/config-schema.ts';
import type { ScalingDeps } from '#functions/emergency-scaling/core/deps.ts';
import { LedgerStore } from '#shared/ledger.ts';

/**
 * A small fleet for the emergency-scaling cores behind aws-sdk-client-mock, with the ledger in dynalite (a
 * real DynamoDB implementation, so locks and conditions behave as in AWS). It models what the claims rest
 * on: Application Auto Scaling's clamp (any RegisterScalableTarget moves desired into [min, max]), a
 * scale-in alarm that drops desired to max unless scale-in is suspended, ECS starting tasks up to the
 * hosts' room, and groups whose desired hosts come up on `tick()`. Every mutating call is recorded.
 */
export const REGION = 'us-east-1';
export const T0 = new Date('2026-11-25T13:15:00.000Z');
const TASK = { cpu: 512, memory: 1024 };
const HOST = { cpu: 2048, memory: 4096 };

export interface FakeTarget {
  min: number;
  max: number;
  suspended: { in: boolean; out: boolean; scheduled: boolean };
  scheduled: { name: string; schedule: string; min?: number; max?: number }[];
  policies: string[];
}
export interface FakeService {
  cluster: string;
  name: string;
  desired: number;
  running: number;
  target?: FakeTarget;
}
export interface FakeGroup {
  name: string;
  cluster: string;
  min: number;
  max: number;
  desired: number;
  inService: number;
  suspended: string[];
}

export interface Mutation {
  readonly action: string;
  readonly input: Record<string, unknown>;
}

const MUTATING = new Set([
  'application-autoscaling:RegisterScalableTarget',
  'ecs:UpdateService',
  'autoscaling:UpdateAutoScalingGroup',
]);

export function scalingConfig(overrides: { policy?: Record<string, unknown> } = {}): ScalingConfig {
  return scalingConfigFor(
    parseConfig({
      primaryRegion: 'us-east-1',
      standbyRegion: 'us-west-2',
      regions: {
        'us-east-1': {
          clusters: [{ name: 'web' }, { name: 'workers' }],
          autoScalingGroups: [
            { name: 'web-hosts', cluster: 'web' },
            { name: 'worker-hosts', cluster: 'workers' },
          ],
          services: [
            { name: 'api', cluster: 'web', tier: 'critical', floor: 2, ceiling: 40 },
            { name: 'frontend', cluster: 'web', tier: 'standard', floor: 1, ceiling: 20 },
            { name: 'jobs', cluster: 'workers', tier: 'batch', floor: 1, ceiling: 10 },
          ],
        },
        'us-west-2': { clusters: [{ name: 'web' }] },
      },
      policies: { emergencyScaling: { maxMultiplier: 2, historyHours: 24, expiresAfterHours: 2, ...overrides.policy } },
    }),
    'us-east-1',
  );
}

export class ScalingFleet {
  now = T0;
  readonly services = new Map<string, FakeService>();
  readonly groups = new Map<string, FakeGroup>();
  readonly mutations: Mutation[] = [];
  readonly events: { type: string; detail: Record<string, unknown> }[] = [];
  readonly startedExecutions: Record<string, unknown>[] = [];
  /** Throttle every n-th mutating call (0: never). */
  throttleEvery = 0;
  private mutatingCalls = 0;
  private requestIds = 0;

  readonly ecs = new ECSClient({ region: REGION });
  readonly aas = new ApplicationAutoScalingClient({ region: REGION });
  readonly autoScaling = new AutoScalingClient({ region: REGION });
  readonly eventBridge = new EventBridgeClient({ region: REGION });
  readonly sfn = new SFNClient({ region: REGION });
  private readonly mocks = [
    mockClient(this.ecs),
    mockClient(this.aas),
    mockClient(this.autoScaling),
    mockClient(this.eventBridge),
    mockClient(this.sfn),
  ];

  constructor(
    readonly dynamo: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.addService({ cluster: 'web', name: 'api', desired: 4, running: 4, target: target(2, 10) });
    this.addService({ cluster: 'web', name: 'frontend', desired: 2, running: 2, target: target(1, 10) });
    this.addService({ cluster: 'workers', name: 'jobs', desired: 1, running: 1 });
    this.groups.set('web-hosts', {
      name: 'web-hosts',
      cluster: 'web',
      min: 2,
      max: 6,
      desired: 2,
      inService: 2,
      suspended: [],
    });
    this.groups.set('worker-hosts', {
      name: 'worker-hosts',
      cluster: 'workers',
      min: 1,
      max: 3,
      desired: 1,
      inService: 1,
      suspended: [],
    });
    this.route();
  }

  addService(s: FakeService): void {
    this.services.set(`${s.cluster}/${s.name}`, s);
  }

  service(key: string): FakeService {
    const s = this.services.get(key);
    if (!s) throw new Error(`no service ${key}`);
    return s;
  }

  advance(seconds: number): void {
    this.now = new Date(this.now.getTime() + seconds * 1000);
  }

  /** Hosts come up to desired; ECS starts tasks up to desired and the hosts' room. */
  tick(): void {
    for (const g of this.groups.values()) g.inService = g.desired;
    for (const cluster of ['web', 'workers']) {
      const slots = this.hostsOf(cluster) * Math.min(HOST.cpu / TASK.cpu, HOST.memory / TASK.memory);
      let used = 0;
      for (const s of [...this.services.values()].filter((x) => x.cluster === cluster)) {
        s.running = Math.min(s.desired, Math.max(0, slots - used));
        used += s.running;
      }
    }
  }

  /** A target-tracking scale-in alarm fires: desired drops (to min, or to max at most) unless scale-in is suspended. */
  scaleInAlarm(): void {
    for (const s of this.services.values()) {
      if (!s.target || s.target.suspended.in) continue;
      s.desired = Math.max(s.target.min, Math.min(s.desired, s.target.max, s.running));
    }
  }

  mutationsOf(action: string): Mutation[] {
    return this.mutations.filter((m) => m.action === action);
  }

  deps(config: ScalingConfig = scalingConfig(), extra: Partial<ScalingDeps> = {}): ScalingDeps {
    return {
      clients: {
        ecs: this.ecs,
        autoScaling: this.autoScaling,
        applicationAutoScaling: this.aas,
        eventBridge: this.eventBridge,
        // The detector's CloudWatch reads are exercised in the local cloud (test/e2e/emergency-scaling-detector.test.ts).
        cloudWatch: new CloudWatchClient({ region: REGION }),
        sfn: this.sfn,
      },
      history: { dynamo: this.dynamo, tableName: this.tableName },
      ledger: new LedgerStore({ dynamo: this.dynamo, tableName: this.tableName }),
      clock: () => this.now,
      logger: { info() {}, warn() {}, error() {}, debug() {} },
      dryRun: false,
      config,
      restoreStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ballast-restore-scaling',
      appName: 'ballast',
      stateMachines: {},
      ...extra,
    };
  }

  private hostsOf(cluster: string): number {
    return [...this.groups.values()].filter((g) => g.cluster === cluster).reduce((n, g) => n + g.inService, 0);
  }

  private mutate(action: string, input: Record<string, unknown>): { $metadata: { requestId: string } } {
    this.mutatingCalls++;
    if (this.throttleEvery > 0 && this.mutatingCalls % this.throttleEvery === 0) {
      throw Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      });
    }
    if (MUTATING.has(action)) this.mutations.push({ action, input });
    return { $metadata: { requestId: `req-${++this.requestIds}` } };
  }

  private route(): void {
    const [ecs, aas, asg, events, sfn] = this.mocks as [
      ReturnType<typeof mockClient>,
      ReturnType<typeof mockClient>,
      ReturnType<typeof mockClient>,
      ReturnType<typeof mockClient>,
      ReturnType<typeof mockClient>,
    ];
    ecs.on(DescribeServicesCommand as never).callsFake((input: { cluster: string; services: string[] }) => {
      if (input.services.length > 10) throw Object.assign(new Error('too many'), { name: 'InvalidParameterException' });
      return {
        services: input.services
          .map((name) => this.services.get(`${input.cluster}/${name}`))
          .filter((s): s is FakeService => !!s)
          .map((s) => ({
            serviceName: s.name,
            status: 'ACTIVE',
            desiredCount: s.desired,
            runningCount: s.running,
            pendingCount: Math.max(0, s.desired - s.running),
            taskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/${s.name}:1`,
            events:
              s.running < s.desired && this.hostsOf(s.cluster) === 0
                ? []
                : s.running < s.desired
                  ? [
                      {
                        createdAt: this.now,
                        message: `(service ${s.name}) was unable to place a task because no container instance met all of its requirements.`,
                      },
                    ]
                  : [],
          })),
      };
    });
    ecs.on(DescribeTaskDefinitionCommand as never).resolves({
      taskDefinition: { cpu: String(TASK.cpu), memory: String(TASK.memory), containerDefinitions: [] },
    } as never);
    ecs.on(ListContainerInstancesCommand as never).callsFake((input: { cluster: string }) => ({
      containerInstanceArns: Array.from(
        { length: this.hostsOf(input.cluster) },
        (_, i) => `arn:aws:ecs:us-east-1:123456789012:container-instance/${input.cluster}/${i}`,
      ),
    }));
    ecs
      .on(DescribeContainerInstancesCommand as never)
      .callsFake((input: { cluster: string; containerInstances: string[] }) => {
        const running = [...this.services.values()]
          .filter((s) => s.cluster === input.cluster)
          .reduce((n, s) => n + s.running, 0);
        const perHost = running / Math.max(1, input.containerInstances.length);
        return {
          containerInstances: input.containerInstances.map(() => ({
            registeredResources: [
              { name: 'CPU', integerValue: HOST.cpu },
              { name: 'MEMORY', integerValue: HOST.memory },
            ],
            remainingResources: [
              { name: 'CPU', integerValue: HOST.cpu - perHost * TASK.cpu },
              { name: 'MEMORY', integerValue: HOST.memory - perHost * TASK.memory },
            ],
          })),
        };
      });
    ecs
      .on(UpdateServiceCommand as never)
      .callsFake((input: { cluster: string; service: string; desiredCount: number }) => {
        const out = this.mutate('ecs:UpdateService', input);
        this.service(`${input.cluster}/${input.service}`).desired = input.desiredCount;
        return { ...out, service: {} };
      });
    aas.on(DescribeScalableTargetsCommand as never).callsFake((input: { ResourceIds: string[] }) => ({
      ScalableTargets: input.ResourceIds.flatMap((id) => {
        const s = this.services.get(id.replace(/^service\//, ''));
        if (!s?.target) return [];
        return [
          {
            ResourceId: id,
            MinCapacity: s.target.min,
            MaxCapacity: s.target.max,
            SuspendedState: {
              DynamicScalingInSuspended: s.target.suspended.in,
              DynamicScalingOutSuspended: s.target.suspended.out,
              ScheduledScalingSuspended: s.target.suspended.scheduled,
            },
          },
        ];
      }),
    }));
    // Without a ResourceId the calls list every ECS target's actions / policies (Ballast reads them that way).
    const keysFor = (resourceId?: string) =>
      resourceId ? [resourceId.replace(/^service\//, '')] : [...this.services.keys()];
    aas.on(DescribeScheduledActionsCommand as never).callsFake((input: { ResourceId?: string }) => ({
      ScheduledActions: keysFor(input.ResourceId).flatMap((key) =>
        (this.services.get(key)?.target?.scheduled ?? []).map((a) => ({
          ScheduledActionName: a.name,
          ResourceId: `service/${key}`,
          Schedule: a.schedule,
          ScalableTargetAction: { MinCapacity: a.min, MaxCapacity: a.max },
        })),
      ),
    }));
    aas.on(DescribeScalingPoliciesCommand as never).callsFake((input: { ResourceId?: string }) => ({
      ScalingPolicies: keysFor(input.ResourceId).flatMap((key) =>
        (this.services.get(key)?.target?.policies ?? []).map((p) => ({ PolicyName: p, ResourceId: `service/${key}` })),
      ),
    }));
    aas
      .on(RegisterScalableTargetCommand as never)
      .callsFake(
        (input: {
          ResourceId: string;
          MinCapacity?: number;
          MaxCapacity?: number;
          SuspendedState?: Record<string, boolean>;
        }) => {
          const out = this.mutate('application-autoscaling:RegisterScalableTarget', input);
          const s = this.service(input.ResourceId.replace(/^service\//, ''));
          const t = s.target ?? target(input.MinCapacity ?? 0, input.MaxCapacity ?? 0);
          t.min = input.MinCapacity ?? t.min;
          t.max = input.MaxCapacity ?? t.max;
          if (input.SuspendedState) {
            t.suspended = {
              in: input.SuspendedState.DynamicScalingInSuspended ?? t.suspended.in,
              out: input.SuspendedState.DynamicScalingOutSuspended ?? t.suspended.out,
              scheduled: input.SuspendedState.ScheduledScalingSuspended ?? t.suspended.scheduled,
            };
          }
          s.target = t;
          // The clamp: current capacity moves into [min, max].
          s.desired = Math.min(t.max, Math.max(t.min, s.desired));
          return {
            ...out,
            ScalableTargetARN: `arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/${s.name}`,
          };
        },
      );
    asg.on(DescribeAutoScalingGroupsCommand as never).callsFake((input: { AutoScalingGroupNames: string[] }) => ({
      AutoScalingGroups: input.AutoScalingGroupNames.map((n) => this.groups.get(n))
        .filter((g): g is FakeGroup => !!g)
        .map((g) => ({
          AutoScalingGroupName: g.name,
          MinSize: g.min,
          MaxSize: g.max,
          DesiredCapacity: g.desired,
          SuspendedProcesses: g.suspended.map((p) => ({ ProcessName: p })),
          Instances: Array.from({ length: g.inService }, () => ({ LifecycleState: 'InService' })),
        })),
    }));
    asg
      .on(UpdateAutoScalingGroupCommand as never)
      .callsFake(
        (input: { AutoScalingGroupName: string; MinSize?: number; MaxSize?: number; DesiredCapacity?: number }) => {
          const out = this.mutate('autoscaling:UpdateAutoScalingGroup', input);
          const g = this.groups.get(input.AutoScalingGroupName)!;
          g.min = input.MinSize ?? g.min;
          g.max = input.MaxSize ?? g.max;
          g.desired = input.DesiredCapacity ?? Math.min(g.max, Math.max(g.min, g.desired));
          return out;
        },
      );
    events.on(PutEventsCommand as never).callsFake((input: { Entries: { DetailType: string; Detail: string }[] }) => {
      for (const e of input.Entries) this.events.push({ type: e.DetailType, detail: JSON.parse(e.Detail) });
      return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'e' })) };
    });
    sfn.on(StartExecutionCommand as never).callsFake((input: Record<string, unknown>) => {
      this.startedExecutions.push(input);
      return { executionArn: `arn:aws:states:us-east-1:123456789012:execution:x:${String(input.name)}` };
    });
  }
}

export function target(min: number, max: number, suspended: Partial<FakeTarget['suspended']> = {}): FakeTarget {
  return {
    min,
    max,
    suspended: { in: false, out: false, scheduled: false, ...suspended },
    scheduled: [],
    policies: ['cpu-target-tracking'],
  };
}
