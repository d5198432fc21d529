import type { TimerHandle } from '../core/clock.ts';
import { lastSegment, seconds } from '../core/ids.ts';
import type { Kernel } from '../core/kernel.ts';
import type { Rng } from '../core/rng.ts';
import { placeTask, reconcileCluster } from './scheduler.ts';
import {
  ECS_TIMINGS,
  type PlacementConstraint,
  type SimCluster,
  type SimContainerInstance,
  SimService,
  type SimTask,
  type StartTaskOptions,
  type StopCode,
  type TaskDefinition,
} from './types.ts';

export * from './types.ts';

/**
 * Amazon ECS on EC2 in one region: clusters, container instances, services and tasks, with the service
 * scheduler running on the virtual clock (every 15 s and soon after each change).
 *
 * Task lifecycle: PROVISIONING → PENDING → RUNNING → (DEACTIVATING while its targets drain) → STOPPING →
 * DEPROVISIONING → STOPPED. Counts follow AWS: a container instance's `runningTasksCount` and `ListTasks`'
 * default both look at tasks whose *desired* status is RUNNING, so tasks that are still stopping are
 * invisible to them.
 */

/**
 * What simulated ECS needs of Elastic Load Balancing, and all it may use of it: ECS registers a service's
 * tasks in their target groups when they run, deregisters them when they stop (waiting the group's
 * deregistration delay before the task is told to stop), and tells the load balancer when a task is gone.
 */
export interface EcsLoadBalancers {
  /** The ARN of the named target group, created with AWS's defaults if the fleet did not describe it. */
  targetGroupArn(name: string): string;
  register(
    groupName: string,
    taskArn: string,
    port: number,
    owner: { cluster: string; service: string; instanceId: string },
    healthyNow: boolean,
  ): void;
  isRegistered(taskArn: string): boolean;
  /** Starts deregistering the task everywhere; returns the longest deregistration delay (ms). */
  deregister(taskArn: string): number;
  taskGone(taskArn: string): void;
  isHealthy(groupName: string, taskArn: string): boolean;
}

export class EcsRegion {
  private readonly clusterMap = new Map<string, SimCluster>();
  private readonly taskDefinitions = new Map<string, TaskDefinition[]>();
  private readonly byEc2Instance = new Map<string, SimContainerInstance>();
  readonly rng: Rng;
  private tick: TimerHandle | undefined;
  private soon: TimerHandle | undefined;
  private eventSeq = 0;

  constructor(
    readonly kernel: Kernel,
    readonly region: string,
    private readonly lb: EcsLoadBalancers,
  ) {
    this.rng = kernel.rng.fork(`ecs:${region}`);
  }

  /** The task passes its health checks in the named target group (what the scheduler waits for). */
  targetHealthy(groupName: string, taskArn: string): boolean {
    return this.lb.isHealthy(groupName, taskArn);
  }

  // ---- clusters and task definitions -------------------------------------------------------------

  createCluster(name: string): SimCluster {
    const existing = this.clusterMap.get(name);
    if (existing) return existing;
    const cluster: SimCluster = {
      name,
      arn: this.kernel.arn('ecs', this.region, `cluster/${name}`),
      createdAt: this.kernel.now(),
      instances: new Map(),
      services: new Map(),
      tasks: new Map(),
    };
    this.clusterMap.set(name, cluster);
    this.startTicking();
    return cluster;
  }

  /** A cluster by name or ARN (the API accepts both). */
  cluster(nameOrArn: string): SimCluster | undefined {
    return this.clusterMap.get(lastSegment(nameOrArn));
  }

  clusters(): SimCluster[] {
    return [...this.clusterMap.values()];
  }

  registerTaskDefinition(def: {
    family: string;
    cpu: number;
    memory: number;
    containerName?: string;
    containerPort?: number;
  }): TaskDefinition {
    const revisions = this.taskDefinitions.get(def.family) ?? [];
    const revision = revisions.length + 1;
    const taskDefinition: TaskDefinition = {
      arn: this.kernel.arn('ecs', this.region, `task-definition/${def.family}:${revision}`),
      family: def.family,
      revision,
      cpu: def.cpu,
      memory: def.memory,
      containerName: def.containerName ?? def.family,
      containerPort: def.containerPort ?? 8080,
    };
    revisions.push(taskDefinition);
    this.taskDefinitions.set(def.family, revisions);
    return taskDefinition;
  }

  /** `family`, `family:revision` or a task definition ARN. */
  taskDefinition(ref: string): TaskDefinition | undefined {
    const [family, revision] = lastSegment(ref).split(':');
    const revisions = this.taskDefinitions.get(family ?? '');
    if (!revisions) return undefined;
    if (revision === undefined) return revisions[revisions.length - 1];
    return revisions.find((d) => d.revision === Number(revision));
  }

  // ---- container instances ------------------------------------------------------------------------

  /** The ECS agent on a booted EC2 instance registers it in `clusterName`. */
  registerContainerInstance(
    clusterName: string,
    host: { ec2InstanceId: string; az: string; instanceType: string; cpu: number; memory: number },
  ): SimContainerInstance {
    const cluster = this.cluster(clusterName) ?? this.createCluster(clusterName);
    const id = this.rng.hex(32);
    const instance: SimContainerInstance = {
      arn: this.kernel.arn('ecs', this.region, `container-instance/${cluster.name}/${id}`),
      id,
      cluster: cluster.name,
      ec2InstanceId: host.ec2InstanceId,
      az: host.az,
      instanceType: host.instanceType,
      status: 'ACTIVE',
      agentConnected: true,
      registeredCpu: host.cpu,
      registeredMemory: host.memory,
      usedCpu: 0,
      usedMemory: 0,
      attributes: new Map<string, string | undefined>([
        ['ecs.availability-zone', host.az],
        ['ecs.instance-type', host.instanceType],
        ['ecs.os-type', 'linux'],
        ['ecs.cpu-architecture', 'x86_64'],
        ['ecs.ami-id', 'ami-0ballast0ecs0optimized'],
        ['ecs.capability.task-eni', undefined],
      ]),
      registeredAt: this.kernel.now(),
      tasks: new Set(),
      version: 1,
    };
    cluster.instances.set(instance.arn, instance);
    this.byEc2Instance.set(host.ec2InstanceId, instance);
    this.poke();
    return instance;
  }

  /** A container instance of `cluster` by ARN or id. */
  containerInstance(cluster: SimCluster, ref: string): SimContainerInstance | undefined {
    const byArn = cluster.instances.get(ref);
    if (byArn) return byArn;
    const id = lastSegment(ref);
    for (const instance of cluster.instances.values()) if (instance.id === id) return instance;
    return undefined;
  }

  containerInstanceOf(ec2InstanceId: string): SimContainerInstance | undefined {
    return this.byEc2Instance.get(ec2InstanceId);
  }

  /** UpdateContainerInstancesState: DRAINING stops new placements and moves service tasks away. */
  setInstanceStatus(instance: SimContainerInstance, status: 'ACTIVE' | 'DRAINING'): void {
    if (instance.status === 'INACTIVE' || instance.status === status) return;
    instance.status = status;
    instance.version++;
    if (status === 'DRAINING') {
      const active = [...instance.tasks].filter((t) => t.desiredStatus === 'RUNNING').length;
      this.kernel.note(
        this.region,
        'instance-draining',
        `${instance.ec2InstanceId} in ${instance.cluster} (${active} tasks)`,
      );
    }
    this.poke();
  }

  /**
   * The EC2 instance is gone (terminated, Spot-reclaimed, or died): every task on it stops at once and the
   * container instance becomes INACTIVE with its agent disconnected.
   */
  instanceLost(ec2InstanceId: string): void {
    const instance = this.byEc2Instance.get(ec2InstanceId);
    if (!instance || instance.status === 'INACTIVE') return;
    const lost = [...instance.tasks];
    for (const task of lost) {
      const code: StopCode =
        task.lastStatus === 'RUNNING' || task.lastStatus === 'DEACTIVATING'
          ? 'EssentialContainerExited'
          : 'TaskFailedToStart';
      this.killTask(task, code, `Host EC2 (instance ${ec2InstanceId}) stopped/terminated.`);
    }
    instance.status = 'INACTIVE';
    instance.statusReason = 'Instance terminated';
    instance.agentConnected = false;
    instance.deregisteredAt = this.kernel.now();
    instance.version++;
    if (lost.length > 0) {
      this.kernel.note(
        this.region,
        'tasks-lost',
        `${lost.length} tasks died with ${ec2InstanceId} in ${instance.cluster}`,
      );
    }
    this.poke();
  }

  // ---- services -------------------------------------------------------------------------------------

  createService(
    clusterName: string,
    spec: {
      name: string;
      taskDefinition: TaskDefinition;
      desiredCount?: number;
      schedulingStrategy?: 'REPLICA' | 'DAEMON';
      minimumHealthyPercent?: number;
      maximumPercent?: number;
      targetGroups?: readonly string[];
      placementConstraints?: readonly PlacementConstraint[];
      /** Place the tasks now, RUNNING and healthy (a fleet built at t=0). */
      runningNow?: boolean;
    },
  ): SimService {
    const cluster = this.cluster(clusterName) ?? this.createCluster(clusterName);
    const daemon = spec.schedulingStrategy === 'DAEMON';
    const service = new SimService(
      spec.name,
      this.kernel.arn('ecs', this.region, `service/${cluster.name}/${spec.name}`),
      cluster.name,
      cluster.arn,
      spec.taskDefinition,
      daemon ? 'DAEMON' : 'REPLICA',
      (spec.targetGroups ?? []).map((name) => {
        return {
          name,
          arn: this.lb.targetGroupArn(name),
          containerName: spec.taskDefinition.containerName,
          containerPort: spec.taskDefinition.containerPort,
        };
      }),
      `ecs-svc/${this.rng.int(1e9, 9e9)}${this.rng.int(1e8, 9e8)}`,
      this.kernel.now(),
      {
        desiredCount: daemon ? 0 : (spec.desiredCount ?? 1),
        minimumHealthyPercent: spec.minimumHealthyPercent ?? (daemon ? 0 : 100),
        maximumPercent: spec.maximumPercent ?? (daemon ? 100 : 200),
      },
    );
    service.placementConstraints = spec.placementConstraints ?? [];
    cluster.services.set(service.name, service);
    if (spec.runningNow) reconcileCluster(this, cluster, { runningNow: true, only: service });
    else this.poke();
    return service;
  }

  getService(cluster: string, service: string): SimService | undefined {
    return this.cluster(cluster)?.services.get(lastSegment(service));
  }

  /** What UpdateService and Application Auto Scaling do: set the desired count, nothing else. */
  setDesiredCount(cluster: string, service: string, count: number, cause: string): void {
    const svc = this.getService(cluster, service);
    if (!svc || svc.schedulingStrategy === 'DAEMON') return;
    const next = Math.max(0, Math.floor(count));
    if (next === svc.desiredCount) return;
    const before = svc.desiredCount;
    svc.desiredCount = next;
    svc.updatedAt = this.kernel.now();
    svc.steady = false;
    this.kernel.note(this.region, 'desired-count', `${svc.cluster}/${svc.name} ${before} → ${next} (${cause})`);
    this.poke();
  }

  serviceEvent(service: SimService, message: string): void {
    service.events.unshift({
      id: `${this.region}-${++this.eventSeq}`,
      createdAt: this.kernel.now(),
      message: `(service ${service.name}) ${message}`,
    });
    if (service.events.length > 100) service.events.length = 100;
  }

  // ---- tasks -----------------------------------------------------------------------------------------

  /** The task by ARN or id in `cluster`. */
  task(cluster: SimCluster, ref: string): SimTask | undefined {
    return cluster.tasks.get(ref) ?? [...cluster.tasks.values()].find((t) => t.id === lastSegment(ref));
  }

  /** Places and starts one task on `instance` (resources already checked by the caller). */
  startTask(
    cluster: SimCluster,
    instance: SimContainerInstance,
    taskDefinition: TaskDefinition,
    options: StartTaskOptions,
  ): SimTask {
    const id = this.rng.hex(32);
    const service = options.service;
    const task: SimTask = {
      arn: this.kernel.arn('ecs', this.region, `task/${cluster.name}/${id}`),
      id,
      cluster: cluster.name,
      containerInstanceArn: instance.arn,
      ec2InstanceId: instance.ec2InstanceId,
      az: instance.az,
      taskDefinition,
      group: options.group ?? (service ? `service:${service.name}` : `family:${taskDefinition.family}`),
      ...(options.startedBy !== undefined ? { startedBy: options.startedBy } : {}),
      ...(service ? { service: service.name } : {}),
      daemon: service?.schedulingStrategy === 'DAEMON',
      hostPort: 32768 + this.rng.int(0, 28000),
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      createdAt: this.kernel.now(),
      version: 1,
    };
    cluster.tasks.set(task.arn, task);
    instance.tasks.add(task);
    instance.usedCpu += taskDefinition.cpu;
    instance.usedMemory += taskDefinition.memory;
    service?.tasks.add(task);
    if (options.runningNow) {
      task.lastStatus = 'RUNNING';
      task.pullStartedAt = task.pullStoppedAt = task.startedAt = this.kernel.now();
      this.registerTargets(task, true);
      this.taskChanged(task);
      return task;
    }
    const provisioning = seconds(this.rng.jitter(2, 0.5));
    task.timer = this.kernel.clock.after(provisioning, `ecs pending ${id}`, () => {
      task.lastStatus = 'PENDING';
      task.pullStartedAt = this.kernel.now();
      task.version++;
      this.taskChanged(task);
      const [lo, hi] = ECS_TIMINGS.startSeconds;
      task.timer = this.kernel.clock.after(seconds(lo + this.rng.next() * (hi - lo)), `ecs running ${id}`, () => {
        task.timer = undefined;
        task.lastStatus = 'RUNNING';
        task.pullStoppedAt = task.startedAt = this.kernel.now();
        task.version++;
        this.taskChanged(task);
        this.registerTargets(task, false);
        this.poke();
      });
    });
    return task;
  }

  /**
   * Asks a task to stop, as StopTask and the scheduler do: a RUNNING task with load balancer targets goes
   * DEACTIVATING while the targets drain (the deregistration delay), then STOPPING (SIGTERM, SIGKILL after
   * stopTimeout), DEPROVISIONING and STOPPED.
   */
  stopTask(task: SimTask, code: StopCode, reason: string): void {
    if (task.desiredStatus === 'STOPPED' || task.lastStatus === 'STOPPED') return;
    task.desiredStatus = 'STOPPED';
    task.stopCode = code;
    task.stoppedReason = reason;
    task.version++;
    this.kernel.clock.cancel(task.timer);
    if (task.lastStatus === 'RUNNING' && this.lb.isRegistered(task.arn)) {
      task.lastStatus = 'DEACTIVATING';
      this.taskChanged(task);
      const delay = this.lb.deregister(task.arn);
      task.timer = this.kernel.clock.after(delay, `ecs stopping ${task.id}`, () => this.beginStopping(task));
      return;
    }
    this.beginStopping(task);
  }

  private beginStopping(task: SimTask): void {
    const wasRunning = task.lastStatus === 'RUNNING' || task.lastStatus === 'DEACTIVATING';
    task.lastStatus = 'STOPPING';
    task.stoppingAt = this.kernel.now();
    task.version++;
    this.taskChanged(task);
    // Most containers exit soon after SIGTERM; some run into the stopTimeout and are killed.
    const exit = !wasRunning
      ? this.rng.jitter(1.5, 0.5)
      : this.rng.chance(0.2)
        ? ECS_TIMINGS.stopTimeoutSeconds
        : this.rng.jitter(4, 0.75);
    task.timer = this.kernel.clock.after(seconds(exit), `ecs deprovisioning ${task.id}`, () => {
      task.lastStatus = 'DEPROVISIONING';
      task.executionStoppedAt = this.kernel.now();
      task.version++;
      this.taskChanged(task);
      task.timer = this.kernel.clock.after(seconds(this.rng.jitter(1.5, 0.3)), `ecs stopped ${task.id}`, () => {
        task.timer = undefined;
        this.finish(task);
      });
    });
  }

  /** The task dies at once (its host vanished): STOPPED now, its targets left registered but dead. */
  killTask(task: SimTask, code: StopCode, reason: string): void {
    if (task.lastStatus === 'STOPPED') return;
    this.kernel.clock.cancel(task.timer);
    task.timer = undefined;
    if (task.desiredStatus === 'RUNNING') {
      task.stopCode = code;
      task.stoppedReason = reason;
    }
    task.desiredStatus = 'STOPPED';
    task.stoppingAt ??= this.kernel.now();
    task.executionStoppedAt = this.kernel.now();
    this.finish(task);
  }

  private finish(task: SimTask): void {
    task.lastStatus = 'STOPPED';
    task.stoppedAt = this.kernel.now();
    task.version++;
    this.taskChanged(task);
    const cluster = this.cluster(task.cluster);
    const instance = cluster?.instances.get(task.containerInstanceArn);
    if (instance?.tasks.delete(task)) {
      instance.usedCpu -= task.taskDefinition.cpu;
      instance.usedMemory -= task.taskDefinition.memory;
      instance.version++;
    }
    if (task.service) cluster?.services.get(task.service)?.tasks.delete(task);
    // A target still registered now loses its connections (and, if healthy, keeps getting requests).
    this.lb.taskGone(task.arn);
    this.poke();
  }

  /**
   * ECS's `ECS Task State Change` event on the default bus, sent on every change of a task's lastStatus
   * (resources: the task's ARN). The detail carries the fields a consumer reads (cluster, container
   * instance, statuses, times, stop code and reason); containers and attachments are left out.
   */
  private taskChanged(task: SimTask): void {
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    const cluster = this.cluster(task.cluster);
    const detail: Record<string, unknown> = {
      clusterArn: cluster?.arn ?? this.kernel.arn('ecs', this.region, `cluster/${task.cluster}`),
      containerInstanceArn: task.containerInstanceArn,
      taskArn: task.arn,
      taskDefinitionArn: task.taskDefinition.arn,
      group: task.group,
      launchType: 'EC2',
      availabilityZone: task.az,
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
      version: task.version,
      cpu: String(task.taskDefinition.cpu),
      memory: String(task.taskDefinition.memory),
      createdAt: iso(task.createdAt),
      updatedAt: iso(this.kernel.now()),
    };
    for (const [key, value] of [
      ['startedBy', task.startedBy],
      ['startedAt', iso(task.startedAt)],
      ['stoppingAt', iso(task.stoppingAt)],
      ['executionStoppedAt', iso(task.executionStoppedAt)],
      ['stoppedAt', iso(task.stoppedAt)],
      ['stopCode', task.stopCode],
      ['stoppedReason', task.stoppedReason],
    ] as const) {
      if (value !== undefined) detail[key] = value;
    }
    this.kernel.emit(this.region, 'aws.ecs', 'ECS Task State Change', detail, [task.arn]);
  }

  private registerTargets(task: SimTask, healthyNow: boolean): void {
    if (!task.service) return;
    const service = this.cluster(task.cluster)?.services.get(task.service);
    if (!service) return;
    for (const group of service.targetGroups) {
      this.lb.register(
        group.name,
        task.arn,
        task.hostPort,
        { cluster: task.cluster, service: service.name, instanceId: task.ec2InstanceId },
        healthyNow,
      );
    }
  }

  /** RunTask: places `count` standalone tasks; failures name the reason as AWS does. */
  runTask(
    cluster: SimCluster,
    taskDefinition: TaskDefinition,
    options: { count: number; startedBy?: string; group?: string },
  ): { tasks: SimTask[]; failures: Array<{ arn?: string; reason: string }> } {
    const tasks: SimTask[] = [];
    const failures: Array<{ arn?: string; reason: string }> = [];
    for (let i = 0; i < options.count; i++) {
      const placement = placeTask(cluster, taskDefinition, undefined);
      if (!placement.instance) {
        failures.push({ ...(placement.closest ? { arn: placement.closest.arn } : {}), reason: placement.reason });
        continue;
      }
      tasks.push(
        this.startTask(cluster, placement.instance, taskDefinition, {
          ...(options.startedBy !== undefined ? { startedBy: options.startedBy } : {}),
          ...(options.group !== undefined ? { group: options.group } : {}),
        }),
      );
    }
    return { tasks, failures };
  }

  /** Task counts of an instance, counted the AWS way: by desired status RUNNING. */
  instanceCounts(instance: SimContainerInstance): { running: number; pending: number } {
    let running = 0;
    let pending = 0;
    for (const task of instance.tasks) {
      if (task.desiredStatus !== 'RUNNING') continue;
      if (task.lastStatus === 'RUNNING') running++;
      else pending++;
    }
    return { running, pending };
  }

  // ---- the scheduler's clock ------------------------------------------------------------------------

  /** Runs the scheduler soon (debounced): after any change that may need it. */
  poke(): void {
    if (this.soon) return;
    this.soon = this.kernel.clock.after(
      seconds(ECS_TIMINGS.schedulerReactionSeconds),
      `ecs scheduler ${this.region}`,
      () => {
        this.soon = undefined;
        this.reconcileAll();
      },
    );
  }

  private startTicking(): void {
    if (this.tick) return;
    const every = seconds(ECS_TIMINGS.schedulerIntervalSeconds);
    const loop = () => {
      this.tick = this.kernel.clock.after(every, `ecs tick ${this.region}`, () => {
        this.reconcileAll();
        this.prune();
        loop();
      });
    };
    loop();
  }

  private reconcileAll(): void {
    for (const cluster of this.clusterMap.values()) reconcileCluster(this, cluster, {});
  }

  /** Forgets STOPPED tasks and INACTIVE instances after the retention AWS gives them. */
  private prune(): void {
    const horizon = this.kernel.now() - seconds(ECS_TIMINGS.retentionSeconds);
    for (const cluster of this.clusterMap.values()) {
      for (const [arn, task] of cluster.tasks) {
        if (task.lastStatus === 'STOPPED' && (task.stoppedAt ?? 0) < horizon) cluster.tasks.delete(arn);
      }
      for (const [arn, instance] of cluster.instances) {
        if (instance.status === 'INACTIVE' && (instance.deregisteredAt ?? 0) < horizon) {
          cluster.instances.delete(arn);
          if (this.byEc2Instance.get(instance.ec2InstanceId) === instance)
            this.byEc2Instance.delete(instance.ec2InstanceId);
        }
      }
    }
  }
}
