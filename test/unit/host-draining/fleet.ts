import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  DescribeTagsCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DeleteAttributesCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListContainerInstancesCommand,
  ListTasksCommand,
  PutAttributesCommand,
  StopTaskCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupAttributesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '#config/schema.ts';
import type { DrainEventDetail } from '#events/ballast-events.ts';
import { type DrainConfig, drainConfigFor } from '#functions/host-draining/config-schema.ts';
import type { DrainDeps, DrainLogger } from '#functions/host-draining/core/deps.ts';
import type { DrainLedger, DrainRecord, InstanceClaim, WakeItem } from '#shared/ledger.ts';

/**
 * A small simulated fleet behind aws-sdk-client-mock: container instances, tasks with a lifecycle, services
 * (replica or daemon, with deployment percentages), Auto Scaling instances and hooks, Ballast events, and
 * an in-memory ledger with DynamoDB's conditional semantics. `tick()` is the ECS scheduler: service tasks of
 * movable services leave DRAINING hosts, and tasks asked to stop reach STOPPED.
 */
export const REGION = 'us-east-1';
export const T0 = new Date('2026-11-22T02:00:00.000Z');
export const WEB_INSTANCE = 'i-0123456789abcdef0';

export interface FakeTask {
  arn: string;
  group: string;
  instanceId: string;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPING' | 'STOPPED';
  desiredStatus: 'RUNNING' | 'STOPPED';
  stoppedAt?: Date;
}

export interface FakeService {
  schedulingStrategy: 'REPLICA' | 'DAEMON';
  minimumHealthyPercent: number;
  maximumPercent: number;
  /** A service whose replacements cannot be placed (no room): the scheduler does not move it. */
  noRoom?: boolean;
  /** The target groups its tasks are registered in, by name (ECS `loadBalancers`). */
  targetGroups: string[];
}

/**
 * The fake world's own target groups and their real `deregistration_delay.timeout_seconds`, and which
 * services are behind them by default. Deliberately its own facts: a test can set them differently from
 * the configuration (`testConfig` declares 30 s for api-tg and 45 s for fe-tg).
 */
export const FAKE_TARGET_GROUPS: Readonly<Record<string, number>> = { 'api-tg': 30, 'fe-tg': 45 };
const SERVICE_TARGET_GROUPS: Readonly<Record<string, string[]>> = { api: ['api-tg'], frontend: ['fe-tg'] };
export const targetGroupArn = (name: string) =>
  `arn:aws:elasticloadbalancing:${REGION}:123456789012:targetgroup/${name}/0123456789abcdef`;

export interface FakeInstance {
  cluster: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  agentConnected: boolean;
  attributes: Map<string, string>;
}

/** A configuration like the example fleet, with a few drain overrides per group. */
export function testConfig(
  overrides: {
    web?: Record<string, unknown>;
    workers?: Record<string, unknown>;
    managedDraining?: boolean;
    /**
     * Wake-ups on task stops (the default in Ballast). Off here unless asked: the fake fleet sends no ECS
     * events, and these tests pin the polling logic; wake.test.ts and the local cloud's e2e tests cover it.
     */
    wake?: boolean;
  } = {},
): DrainConfig {
  const config = parseConfig({
    name: 'ballast',
    primaryRegion: 'us-east-1',
    standbyRegion: 'us-west-2',
    regions: {
      'us-east-1': {
        clusters: [{ name: 'web' }, { name: 'workers' }],
        autoScalingGroups: [
          {
            name: 'web-hosts',
            cluster: 'web',
            lifecycleHookName: 'ballast-drain',
            launchHookName: 'ballast-launch',
            managedDraining: overrides.managedDraining ?? false,
            drain: { deadlineMinutes: 60, budgetHosts: 2, budgetPercent: 100, ...(overrides.web ?? {}) },
          },
          {
            name: 'worker-hosts',
            cluster: 'workers',
            lifecycleHookName: 'ballast-drain',
            drain: {
              deadlinePolicy: 'force',
              standaloneTasks: 'stop',
              standaloneGraceSeconds: 600,
              ...(overrides.workers ?? {}),
            },
          },
        ],
        services: [
          {
            name: 'api',
            cluster: 'web',
            floor: 1,
            ceiling: 10,
            targetGroups: [{ name: 'api-tg', deregistrationDelaySeconds: 30 }],
          },
          {
            name: 'frontend',
            cluster: 'web',
            floor: 1,
            ceiling: 10,
            targetGroups: [{ name: 'fe-tg', deregistrationDelaySeconds: 45 }],
          },
        ],
      },
      'us-west-2': { clusters: [{ name: 'web' }] },
    },
  });
  const drain = drainConfigFor(config, REGION);
  return { ...drain, poll: { ...drain.poll, wake: overrides.wake ?? false } };
}

export class MemoryLedger implements DrainLedger {
  readonly drains = new Map<string, DrainRecord>();
  readonly budgets = new Map<string, Set<string>>();
  readonly operations: Record<string, unknown>[] = [];
  /** The next claim is written, then its response is lost (the caller sees a network error). */
  loseNextClaimResponse = false;

  private key(region: string, instanceId: string, drainId: string) {
    return `${region}#${instanceId}#${drainId}`;
  }
  private claimGate: { waiting: number; size: number; open: () => void; opened: Promise<void> } | undefined;
  /**
   * The next `size` drain claims wait for one another, then are written one after the other: requests
   * resolved in the same instant, each having made all its reads before any of them writes.
   */
  gateClaims(size: number): void {
    let open = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    this.claimGate = { waiting: 0, size, open, opened };
  }
  async claimDrain(record: DrainRecord) {
    const gate = this.claimGate;
    if (gate) {
      gate.waiting += 1;
      if (gate.waiting >= gate.size) {
        this.claimGate = undefined;
        gate.open();
      }
      await gate.opened;
    }
    const key = this.key(record.region, record.instanceId, record.drainId);
    const existing = this.drains.get(key);
    if (existing && existing.status !== 'refused') return { result: 'exists' as const, existing };
    this.drains.set(key, { ...record });
    if (this.loseNextClaimResponse) {
      this.loseNextClaimResponse = false;
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
    }
    return { result: 'claimed' as const };
  }
  async getDrain(region: string, instanceId: string, drainId: string) {
    const found = this.drains.get(this.key(region, instanceId, drainId));
    return found ? { ...found } : undefined;
  }
  async updateDrain(region: string, instanceId: string, drainId: string, fields: Record<string, unknown>) {
    const key = this.key(region, instanceId, drainId);
    const existing = this.drains.get(key) ?? ({ region, instanceId, drainId } as unknown as DrainRecord);
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    this.drains.set(key, { ...existing, ...defined } as DrainRecord);
  }
  async markCompleting(region: string, instanceId: string, drainId: string, result: string) {
    const before = await this.getDrain(region, instanceId, drainId);
    await this.updateDrain(region, instanceId, drainId, { completing: result });
    return before;
  }
  async drainsOf(region: string, instanceId: string) {
    return [...this.drains.values()]
      .filter((r) => r.region === region && r.instanceId === instanceId)
      .sort((a, b) => String(b.startedAt).localeCompare(String(a.startedAt)));
  }
  /** The instance claims by `<region>#<instanceId>` (one conditional write each, as in DynamoDB). */
  readonly instanceClaims = new Map<string, InstanceClaim>();
  async claimInstance(region: string, instanceId: string, claim: InstanceClaim, _now: Date, replaces?: string) {
    const key = `${region}#${instanceId}`;
    const before = this.instanceClaims.get(key);
    if (before && before.drainId !== claim.drainId && before.drainId !== replaces) {
      return { held: false as const, holder: { ...before } };
    }
    const supersedes = claim.supersedes ?? (before?.drainId === claim.drainId ? before.supersedes : undefined);
    this.instanceClaims.set(key, {
      ...claim,
      since: before?.since ?? claim.since,
      ...(supersedes !== undefined ? { supersedes } : {}),
    });
    return { held: true as const, before: before ? { ...before } : undefined };
  }
  async releaseInstance(region: string, instanceId: string, drainId: string) {
    const key = `${region}#${instanceId}`;
    if (this.instanceClaims.get(key)?.drainId === drainId) this.instanceClaims.delete(key);
  }
  /** Per cluster: when its next drain start may begin (LedgerStore's `nextStartAt`). */
  readonly nextStartAt = new Map<string, number>();
  async acquireBudget(
    region: string,
    cluster: string,
    holder: string,
    max: number,
    pace?: { now: Date; spacingMs: number },
  ) {
    const key = `${region}#${cluster}`;
    const holders = this.budgets.get(key) ?? new Set<string>();
    if (!holders.has(holder) && holders.size >= max) return false as const;
    holders.add(holder);
    this.budgets.set(key, holders);
    if (!pace) return {};
    const startAt = Math.max(pace.now.getTime(), this.nextStartAt.get(key) ?? 0);
    this.nextStartAt.set(key, startAt + pace.spacingMs);
    return { startAt: new Date(startAt) };
  }
  async releaseBudget(region: string, cluster: string, holder: string) {
    this.budgets.get(`${region}#${cluster}`)?.delete(holder);
  }
  readonly sweptAt = new Map<string, number>();
  async claimBudgetSweep(region: string, cluster: string, now: Date, everySeconds: number) {
    const key = `${region}#${cluster}`;
    const last = this.sweptAt.get(key);
    if (last !== undefined && last > now.getTime() - everySeconds * 1000) return false;
    this.sweptAt.set(key, now.getTime());
    return true;
  }
  async budgetHolders(region: string, cluster: string) {
    return [...(this.budgets.get(`${region}#${cluster}`) ?? [])].sort();
  }
  async appendOperation(at: Date, id: string, entry: Record<string, unknown>) {
    this.operations.push({ ...entry, at: at.toISOString(), id });
  }
  readonly wakes = new Map<
    string,
    { drainId: string; execution?: string; stopped: Set<string>; token?: string; waitFor: string[] }
  >();
  private wakeView(key: string): WakeItem | undefined {
    const w = this.wakes.get(key);
    if (!w) return undefined;
    return {
      drainId: w.drainId,
      ...(w.execution ? { execution: w.execution } : {}),
      stopped: [...w.stopped],
      ...(w.token ? { token: w.token } : {}),
      waitFor: [...w.waitFor],
    };
  }
  async openWake(region: string, ci: string, drainId: string, execution: string | undefined) {
    this.wakes.set(`${region}#${ci}`, {
      drainId,
      ...(execution ? { execution } : {}),
      stopped: new Set(),
      waitFor: [],
    });
  }
  async parkWake(region: string, ci: string, drainId: string, token: string, waitFor: string[]) {
    const w = this.wakes.get(`${region}#${ci}`);
    if (!w || w.drainId !== drainId) return undefined;
    w.token = token;
    w.waitFor = [...waitFor];
    return this.wakeView(`${region}#${ci}`);
  }
  async noteTaskStopped(region: string, ci: string, taskArn: string) {
    const w = this.wakes.get(`${region}#${ci}`);
    if (!w) return undefined;
    const before = this.wakeView(`${region}#${ci}`);
    w.stopped.add(taskArn);
    return before;
  }
  /** The one drain record of an instance with this trigger. */
  record(instanceId: string, trigger?: string): DrainRecord | undefined {
    return [...this.drains.values()].find((r) => r.instanceId === instanceId && (!trigger || r.trigger === trigger));
  }
}

export const silentLogger: DrainLogger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

export interface MutatingCall {
  readonly action: string;
  readonly input: Record<string, unknown>;
  readonly at: string;
}

export class FakeFleet {
  now = new Date(T0);
  readonly instances = new Map<string, FakeInstance>();
  readonly asg = new Map<string, { group: string; lifecycleState: string }>();
  readonly tags = new Map<string, Record<string, string>>();
  readonly hooks = new Map<string, { HeartbeatTimeout: number; GlobalTimeout: number }>();
  readonly tasks = new Map<string, FakeTask>();
  readonly services = new Map<string, FakeService>();
  readonly mutations: MutatingCall[] = [];
  readonly events: { type: string; detail: DrainEventDetail }[] = [];
  /** Lifecycle actions still pending, by instance id (CompleteLifecycleAction on others fails like AWS). */
  readonly pendingActions = new Set<string>();
  /** Tasks that ignore StopTask (a stuck container): they never reach STOPPED. */
  readonly unstoppable = new Set<string>();
  /** Step Functions executions by ARN and their status (DescribeExecution of an unknown one fails like AWS). */
  readonly executions = new Map<string, 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED'>();
  /** PutEvents entries rejected per entry (FailedEntryCount), by detail type: how many more times each fails. */
  readonly failingEvents = new Map<string, number>();

  readonly ecsClient = new ECSClient({ region: REGION });
  readonly autoScalingClient = new AutoScalingClient({ region: REGION });
  readonly eventBridgeClient = new EventBridgeClient({ region: REGION });
  readonly sfnClient = new SFNClient({ region: REGION });
  readonly elbClient = new ElasticLoadBalancingV2Client({ region: REGION });
  readonly elb = mockClient(this.elbClient);
  /** Target groups by name and their deregistration delay (seconds). */
  readonly targetGroups = new Map<string, number>(Object.entries(FAKE_TARGET_GROUPS));
  readonly ecs = mockClient(this.ecsClient);
  readonly autoScaling = mockClient(this.autoScalingClient);
  readonly eventBridge = mockClient(this.eventBridgeClient);
  readonly sfn = mockClient(this.sfnClient);
  readonly ledger = new MemoryLedger();

  constructor() {
    this.wire();
  }

  deps(config: DrainConfig = testConfig(), options: { dryRun?: boolean } = {}): DrainDeps {
    return {
      clients: {
        ecs: this.ecsClient,
        autoScaling: this.autoScalingClient,
        eventBridge: this.eventBridgeClient,
        sfn: this.sfnClient,
        elbv2: this.elbClient,
      },
      sleep: async () => {},
      ledger: this.ledger,
      clock: () => new Date(this.now),
      logger: silentLogger,
      dryRun: options.dryRun ?? false,
      config,
    };
  }

  advance(seconds: number): void {
    this.now = new Date(this.now.getTime() + seconds * 1000);
  }

  // ---- building the world

  addInstance(
    instanceId: string,
    cluster: string,
    group: string | undefined,
    options: Partial<FakeInstance> = {},
  ): void {
    this.instances.set(instanceId, {
      cluster,
      status: 'ACTIVE',
      agentConnected: true,
      attributes: new Map(),
      ...options,
    });
    if (group) this.asg.set(instanceId, { group, lifecycleState: 'InService' });
  }

  /** The instance is waiting in its terminate hook (as a lifecycle action event says). */
  terminating(instanceId: string): void {
    const entry = this.asg.get(instanceId);
    if (entry) entry.lifecycleState = 'Terminating:Wait';
    this.pendingActions.add(instanceId);
  }

  addService(name: string, service: Partial<FakeService> = {}): void {
    this.services.set(name, {
      schedulingStrategy: 'REPLICA',
      minimumHealthyPercent: 50,
      maximumPercent: 200,
      targetGroups: SERVICE_TARGET_GROUPS[name] ?? [],
      ...service,
    });
  }

  addTask(
    instanceId: string,
    group: string,
    status: Partial<Pick<FakeTask, 'lastStatus' | 'desiredStatus' | 'stoppedAt'>> = {},
  ): string {
    const cluster = this.instances.get(instanceId)?.cluster ?? 'web';
    const arn = `arn:aws:ecs:${REGION}:123456789012:task/${cluster}/${instanceId.slice(2, 8)}${this.tasks.size.toString().padStart(4, '0')}`;
    this.tasks.set(arn, { arn, group, instanceId, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', ...status });
    return arn;
  }

  taskOn(instanceId: string): FakeTask[] {
    return [...this.tasks.values()].filter((t) => t.instanceId === instanceId);
  }

  /** The ECS scheduler and agents, one step: stopping tasks stop; movable service tasks leave DRAINING hosts. */
  tick(): void {
    for (const task of this.tasks.values()) {
      if (this.unstoppable.has(task.arn)) continue;
      if (task.lastStatus === 'STOPPING') {
        task.lastStatus = 'STOPPED';
        task.stoppedAt = new Date(this.now);
      }
      const host = this.instances.get(task.instanceId);
      const service = task.group.startsWith('service:') ? this.services.get(task.group.slice(8)) : undefined;
      const movable =
        service &&
        service.schedulingStrategy === 'REPLICA' &&
        !service.noRoom &&
        !(service.minimumHealthyPercent >= 100 && service.maximumPercent <= 100);
      if (host?.status === 'DRAINING' && movable && task.desiredStatus === 'RUNNING') {
        task.desiredStatus = 'STOPPED';
        task.lastStatus = 'STOPPING';
      }
    }
  }

  stoppedTasks(instanceId: string): number {
    return this.taskOn(instanceId).filter((t) => t.lastStatus === 'STOPPED').length;
  }

  mutationsOf(action: string): MutatingCall[] {
    return this.mutations.filter((m) => m.action === action);
  }

  eventTypes(): string[] {
    return this.events.map((e) => e.type);
  }

  // ---- the AWS APIs

  private instanceArn(instanceId: string): string {
    const cluster = this.instances.get(instanceId)?.cluster ?? 'web';
    return `arn:aws:ecs:${REGION}:123456789012:container-instance/${cluster}/${instanceId}`;
  }

  private instanceIdOfArn(arn: string): string | undefined {
    return [...this.instances.keys()].find((id) => this.instanceArn(id) === arn);
  }

  private mutate(action: string, input: object): void {
    this.mutations.push({ action, input: input as Record<string, unknown>, at: this.now.toISOString() });
  }

  private wire(): void {
    const ecs = this.ecs;
    ecs.on(ListContainerInstancesCommand).callsFake((input) => {
      const id = /ec2InstanceId == (i-[0-9a-f]+)/.exec(input.filter ?? '')?.[1];
      const instance = id ? this.instances.get(id) : undefined;
      const listed = id && instance && instance.cluster === input.cluster && instance.status !== 'INACTIVE';
      return { containerInstanceArns: listed ? [this.instanceArn(id)] : [] };
    });
    ecs.on(DescribeContainerInstancesCommand).callsFake((input) => ({
      containerInstances: (input.containerInstances ?? []).flatMap((arn: string) => {
        const id = this.instanceIdOfArn(arn);
        const instance = id ? this.instances.get(id) : undefined;
        if (!id || !instance) return [];
        return [
          {
            containerInstanceArn: arn,
            ec2InstanceId: id,
            status: instance.status,
            agentConnected: instance.agentConnected,
            runningTasksCount: this.taskOn(id).filter((t) => t.desiredStatus === 'RUNNING').length,
            attributes: [...instance.attributes].map(([name, value]) => ({ name, value })),
          },
        ];
      }),
    }));
    ecs.on(DescribeClustersCommand).callsFake((input) => ({
      clusters: (input.clusters ?? []).map((name: string) => ({
        clusterName: name,
        registeredContainerInstancesCount: [...this.instances.values()].filter(
          (i) => i.cluster === name && i.status !== 'INACTIVE',
        ).length,
      })),
    }));
    ecs.on(ListTasksCommand).callsFake((input) => {
      const id = this.instanceIdOfArn(input.containerInstance ?? '');
      const desired = input.desiredStatus ?? 'RUNNING';
      return {
        taskArns: id
          ? this.taskOn(id)
              .filter((t) => t.desiredStatus === desired)
              .map((t) => t.arn)
          : [],
      };
    });
    ecs.on(DescribeTasksCommand).callsFake((input) => ({
      tasks: (input.tasks ?? []).flatMap((arn: string) => {
        const task = this.tasks.get(arn);
        return task
          ? [
              {
                taskArn: arn,
                group: task.group,
                lastStatus: task.lastStatus,
                desiredStatus: task.desiredStatus,
                ...(task.stoppedAt ? { stoppedAt: task.stoppedAt } : {}),
                containerInstanceArn: this.instanceArn(task.instanceId),
              },
            ]
          : [];
      }),
      failures: [],
    }));
    ecs.on(DescribeServicesCommand).callsFake((input) => ({
      services: (input.services ?? []).flatMap((name: string) => {
        const service = this.services.get(name);
        if (!service) return [];
        return [
          {
            serviceName: name,
            schedulingStrategy: service.schedulingStrategy,
            loadBalancers: service.targetGroups.map((tg) => ({
              targetGroupArn: targetGroupArn(tg),
              containerName: name,
              containerPort: 8080,
            })),
            deploymentConfiguration: {
              minimumHealthyPercent: service.minimumHealthyPercent,
              maximumPercent: service.maximumPercent,
            },
            events: service.noRoom
              ? [
                  {
                    id: 'e1',
                    createdAt: new Date(this.now),
                    message: `(service ${name}) was unable to place a task because no container instance met all of its requirements.`,
                  },
                ]
              : [],
          },
        ];
      }),
    }));
    ecs.on(UpdateContainerInstancesStateCommand).callsFake((input) => {
      this.mutate('ecs:UpdateContainerInstancesState', input);
      // As ECS answers: the instances it changed, and a failure for each one it does not know or that is INACTIVE.
      const containerInstances: Array<{ containerInstanceArn: string; status: string }> = [];
      const failures: Array<{ arn: string; reason: string }> = [];
      for (const arn of input.containerInstances ?? []) {
        const id = this.instanceIdOfArn(arn);
        const instance = id ? this.instances.get(id) : undefined;
        if (!instance) failures.push({ arn, reason: 'MISSING' });
        else if (instance.status === 'INACTIVE') failures.push({ arn, reason: 'INACTIVE' });
        else {
          instance.status = input.status as FakeInstance['status'];
          containerInstances.push({ containerInstanceArn: arn, status: instance.status });
        }
      }
      return { containerInstances, failures };
    });
    ecs.on(StopTaskCommand).callsFake((input) => {
      this.mutate('ecs:StopTask', input);
      const task = this.tasks.get(input.task ?? '');
      if (task) {
        task.desiredStatus = 'STOPPED';
        if (task.lastStatus !== 'STOPPED') task.lastStatus = 'STOPPING';
      }
      return { task: { taskArn: input.task } };
    });
    ecs.on(PutAttributesCommand).callsFake((input) => {
      this.mutate('ecs:PutAttributes', input);
      for (const attribute of input.attributes ?? []) {
        const id = this.instanceIdOfArn(attribute.targetId ?? '');
        if (id) this.instances.get(id)?.attributes.set(attribute.name ?? '', attribute.value ?? '');
      }
      return { attributes: input.attributes };
    });
    ecs.on(DeleteAttributesCommand).callsFake((input) => {
      this.mutate('ecs:DeleteAttributes', input);
      for (const attribute of input.attributes ?? []) {
        const id = this.instanceIdOfArn(attribute.targetId ?? '');
        if (id) this.instances.get(id)?.attributes.delete(attribute.name ?? '');
      }
      return { attributes: input.attributes };
    });

    const asg = this.autoScaling;
    asg.on(DescribeAutoScalingInstancesCommand).callsFake((input) => ({
      AutoScalingInstances: (input.InstanceIds ?? []).flatMap((id: string) => {
        const entry = this.asg.get(id);
        return entry
          ? [{ InstanceId: id, AutoScalingGroupName: entry.group, LifecycleState: entry.lifecycleState }]
          : [];
      }),
    }));
    asg.on(DescribeLifecycleHooksCommand).callsFake((input) => ({
      LifecycleHooks: (input.LifecycleHookNames ?? []).flatMap((name: string) => {
        const hook = this.hooks.get(`${input.AutoScalingGroupName}/${name}`) ?? {
          HeartbeatTimeout: 1800,
          GlobalTimeout: 172_800,
        };
        return [{ AutoScalingGroupName: input.AutoScalingGroupName, LifecycleHookName: name, ...hook }];
      }),
    }));
    asg.on(DescribeTagsCommand).callsFake((input) => {
      const group = input.Filters?.[0]?.Values?.[0] ?? '';
      return {
        Tags: Object.entries(this.tags.get(group) ?? {}).map(([Key, Value]) => ({ Key, Value, ResourceId: group })),
      };
    });
    const lifecycle = (action: string) => (input: { InstanceId?: string }) => {
      if (!input.InstanceId || !this.pendingActions.has(input.InstanceId)) {
        const error = new Error(`No active Lifecycle Action found with instance ID ${input.InstanceId}`);
        error.name = 'ValidationError';
        throw error;
      }
      this.mutate(action, input);
      return {};
    };
    asg.on(CompleteLifecycleActionCommand).callsFake((input) => {
      const out = lifecycle('autoscaling:CompleteLifecycleAction')(input);
      this.pendingActions.delete(input.InstanceId ?? '');
      return out;
    });
    asg.on(RecordLifecycleActionHeartbeatCommand).callsFake(lifecycle('autoscaling:RecordLifecycleActionHeartbeat'));

    this.eventBridge.on(PutEventsCommand).callsFake((input) => {
      const entries = (input.Entries ?? []).map((entry: { DetailType?: string; Detail?: string }) => {
        const failing = this.failingEvents.get(entry.DetailType ?? '') ?? 0;
        if (failing > 0) {
          this.failingEvents.set(entry.DetailType ?? '', failing - 1);
          return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };
        }
        this.events.push({ type: entry.DetailType ?? '', detail: JSON.parse(entry.Detail ?? '{}') });
        return { EventId: 'e' };
      });
      return { FailedEntryCount: entries.filter((e: object) => 'ErrorCode' in e).length, Entries: entries };
    });
    this.elb.on(DescribeTargetGroupAttributesCommand).callsFake((input) => {
      const name = [...this.targetGroups.keys()].find((n) => targetGroupArn(n) === input.TargetGroupArn);
      if (name === undefined) {
        throw Object.assign(new Error('One or more target groups not found'), {
          name: 'TargetGroupNotFoundException',
        });
      }
      return {
        Attributes: [
          { Key: 'deregistration_delay.timeout_seconds', Value: String(this.targetGroups.get(name)) },
          { Key: 'stickiness.enabled', Value: 'false' },
        ],
      };
    });
    this.sfn.on(DescribeExecutionCommand).callsFake((input) => {
      const status = this.executions.get(input.executionArn ?? '');
      if (!status) {
        throw Object.assign(new Error(`Execution Does Not Exist: '${input.executionArn}'`), {
          name: 'ExecutionDoesNotExist',
        });
      }
      return { executionArn: input.executionArn, status };
    });
  }
}

/** Reads a sample event (events/samples/<name>.json). */
export async function sample(name: string): Promise<Record<string, unknown>> {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(new URL(`../../../events/samples/${name}.json`, import.meta.url), 'utf8'));
}

/** A terminate lifecycle action for an instance (the sample with another instance id and token). */
export async function terminateEvent(instanceId: string, token = `tok-${instanceId}`, group = 'web-hosts') {
  const event = await sample('lifecycle-terminate');
  const detail = event.detail as Record<string, unknown>;
  return {
    ...event,
    id: `evt-${token}`,
    time: T0.toISOString(),
    detail: { ...detail, EC2InstanceId: instanceId, LifecycleActionToken: token, AutoScalingGroupName: group },
  };
}
