import type { Kernel } from '../core/kernel.ts';
import type {
  PlacementConstraint,
  SimCluster,
  SimContainerInstance,
  SimService,
  SimTask,
  StartTaskOptions,
  StopCode,
  TaskDefinition,
} from './types.ts';

/** What the scheduler does through the region's ECS model (`EcsRegion` implements it). */
export interface SchedulerHost {
  readonly kernel: Kernel;
  readonly region: string;
  startTask(
    cluster: SimCluster,
    instance: SimContainerInstance,
    taskDefinition: TaskDefinition,
    options: StartTaskOptions,
  ): SimTask;
  stopTask(task: SimTask, code: StopCode, reason: string): void;
  serviceEvent(service: SimService, message: string): void;
  targetHealthy(groupName: string, taskArn: string): boolean;
}

/**
 * The ECS service scheduler and task placement.
 *
 * Replica services are kept at `desiredCount` on ACTIVE instances. Tasks on DRAINING instances are replaced
 * within the deployment configuration: replacements start first as far as `maximumPercent` allows, and tasks
 * on draining instances stop only as far as `minimumHealthyPercent` allows. A service at 100/100 therefore
 * cannot move at all; the scheduler reports it once. Standalone (RunTask) tasks are never stopped. Daemon
 * services run one task per ACTIVE instance, and on a DRAINING instance their task stops last, once nothing
 * else is left on it.
 */

/** How often a service may report that it cannot place a task (AWS throttles these events too). */
const PLACEMENT_EVENT_EVERY_MS = 5 * 60_000;

export interface Placement {
  readonly instance?: SimContainerInstance;
  /** The closest match when nothing fits, for the failure message. */
  readonly closest?: SimContainerInstance;
  readonly reason: string;
}

/**
 * Chooses an instance for a task: ACTIVE with its agent connected and enough free CPU and memory; spread
 * across Availability Zones, then across instances (fewest tasks of the same group), then binpack on CPU.
 */
export function placeTask(cluster: SimCluster, def: TaskDefinition, service: SimService | undefined): Placement {
  const active = [...cluster.instances.values()].filter((i) => i.status === 'ACTIVE' && i.agentConnected);
  if (active.length === 0) return { reason: 'No Container Instances were found in your cluster.' };
  const constraints = service?.placementConstraints ?? [];
  const candidates = active.filter((i) => constraints.every((c) => satisfies(i, c, service)));
  if (candidates.length === 0) return { reason: 'MemberOf placement constraint unsatisfied.' };
  const fits = candidates.filter((i) => freeCpu(i) >= def.cpu && freeMemory(i) >= def.memory);
  if (fits.length === 0) {
    const closest = candidates.reduce((best, i) => (freeCpu(i) > freeCpu(best) ? i : best));
    return { closest, reason: freeCpu(closest) < def.cpu ? 'RESOURCE:CPU' : 'RESOURCE:MEMORY' };
  }
  const group = service ? `service:${service.name}` : `family:${def.family}`;
  const sameGroup = (i: SimContainerInstance) => {
    let n = 0;
    for (const t of i.tasks) if (t.desiredStatus === 'RUNNING' && t.group === group) n++;
    return n;
  };
  const perAz = new Map<string, number>();
  for (const i of candidates) perAz.set(i.az, (perAz.get(i.az) ?? 0) + sameGroup(i));
  const ranked = [...fits].sort(
    (a, b) =>
      (perAz.get(a.az) ?? 0) - (perAz.get(b.az) ?? 0) ||
      a.az.localeCompare(b.az) ||
      sameGroup(a) - sameGroup(b) ||
      freeCpu(a) - freeCpu(b) ||
      a.arn.localeCompare(b.arn),
  );
  return { instance: ranked[0]!, reason: '' };
}

/**
 * Whether an instance meets a placement constraint. `memberOf` supports the attribute forms of the cluster
 * query language Ballast relies on: `attribute:NAME exists`, `attribute:NAME !exists`,
 * `attribute:NAME == VALUE`, `attribute:NAME != VALUE` (joined with `and`).
 */
export function satisfies(
  instance: SimContainerInstance,
  constraint: PlacementConstraint,
  service?: SimService,
): boolean {
  if (constraint.type === 'distinctInstance') {
    for (const t of instance.tasks)
      if (t.desiredStatus === 'RUNNING' && service && t.service === service.name) return false;
    return true;
  }
  return (constraint.expression ?? '').split(/\s+and\s+/i).every((term) => {
    const m = /^attribute:([A-Za-z0-9_.\-/]+)\s*(!exists|exists|==|!=)\s*(\S*)$/.exec(term.trim());
    if (!m) throw new Error(`unsupported placement expression '${term}'`);
    const [, name, op, value] = m;
    const has = instance.attributes.has(name!);
    const actual = instance.attributes.get(name!);
    if (op === 'exists') return has;
    if (op === '!exists') return !has;
    if (op === '==') return actual === value;
    return actual !== value;
  });
}

/** Parses a constraint for validation: throws on an expression the simulated scheduler cannot evaluate. */
export function checkPlacementExpression(expression: string): void {
  for (const term of expression.split(/\s+and\s+/i)) {
    if (!/^attribute:([A-Za-z0-9_.\-/]+)\s*(!exists|exists|==|!=)\s*(\S*)$/.test(term.trim())) {
      throw new Error(`unsupported placement expression '${term}'`);
    }
  }
}

export const freeCpu = (i: SimContainerInstance) => i.registeredCpu - i.usedCpu;
export const freeMemory = (i: SimContainerInstance) => i.registeredMemory - i.usedMemory;

/**
 * One scheduler pass over a cluster (or only `options.only`). `runningNow` starts missing tasks already
 * RUNNING (a fleet built at t=0).
 */
export function reconcileCluster(
  ecs: SchedulerHost,
  cluster: SimCluster,
  options: { runningNow?: boolean; only?: SimService },
): void {
  for (const service of options.only ? [options.only] : cluster.services.values()) {
    if (service.schedulingStrategy === 'DAEMON') reconcileDaemon(ecs, cluster, service, options.runningNow ?? false);
    else reconcileReplica(ecs, cluster, service, options.runningNow ?? false);
  }
}

function reconcileReplica(ecs: SchedulerHost, cluster: SimCluster, service: SimService, runningNow: boolean): void {
  // A steady service with nothing to do: the steps below would change nothing but clear `stuck`. Checked
  // without allocating, since at fleet scale this is what almost every service is on almost every pass.
  if (service.steady && isSettled(ecs, cluster, service)) {
    service.stuck = false;
    return;
  }
  const instanceOf = (t: SimTask) => cluster.instances.get(t.containerInstanceArn);
  const live = [...service.tasks].filter((t) => t.desiredStatus === 'RUNNING');
  const onActive = live.filter((t) => instanceOf(t)?.status === 'ACTIVE');
  const onDraining = live.filter((t) => instanceOf(t)?.status !== 'ACTIVE');
  const desired = service.desiredCount;
  const maxTasks = Math.floor((desired * service.maximumPercent) / 100);
  const minHealthy = Math.ceil((desired * service.minimumHealthyPercent) / 100);
  const reason = `Scaling activity initiated by (deployment ${service.deploymentId})`;
  const stopped: SimTask[] = [];

  // 1. Scale in: too many tasks on ACTIVE instances. Not-yet-running ones first, then the fullest AZ.
  if (onActive.length > desired) {
    for (const task of scaleInOrder(onActive).slice(0, onActive.length - desired)) {
      ecs.stopTask(task, 'ServiceSchedulerInitiated', reason);
      stopped.push(task);
    }
  }

  // 2. Start what is missing on ACTIVE instances, within maximumPercent.
  const liveNow = live.length - stopped.length;
  const missing = desired - Math.min(onActive.length, desired);
  const room = Math.max(0, maxTasks - liveNow);
  const started: SimTask[] = [];
  for (let i = 0; i < Math.min(missing, room); i++) {
    const placement = placeTask(cluster, service.taskDefinition, service);
    if (!placement.instance) {
      reportPlacementFailure(ecs, service, placement);
      break;
    }
    started.push(
      ecs.startTask(cluster, placement.instance, service.taskDefinition, {
        service,
        startedBy: service.deploymentId,
        runningNow,
      }),
    );
  }
  if (started.length > 0) {
    service.steady = false;
    ecs.serviceEvent(
      service,
      `has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`,
    );
  }

  // 3. Move tasks off DRAINING instances, as far as minimumHealthyPercent allows.
  const healthy = (t: SimTask) =>
    t.desiredStatus === 'RUNNING' &&
    t.lastStatus === 'RUNNING' &&
    service.targetGroups.every((g) => ecs.targetHealthy(g.name, t.arn));
  let budget = live.filter(healthy).length - minHealthy;
  const drained: SimTask[] = [];
  for (const task of [...onDraining].sort((a, b) => Number(healthy(a)) - Number(healthy(b)))) {
    if (healthy(task)) {
      if (budget <= 0) continue;
      budget--;
    }
    ecs.stopTask(
      task,
      'ServiceSchedulerInitiated',
      `Task stopped because container instance ${task.ec2InstanceId} is DRAINING`,
    );
    drained.push(task);
  }
  if (drained.length > 0 || stopped.length > 0) {
    service.steady = false;
    const all = [...stopped, ...drained];
    ecs.serviceEvent(
      service,
      `has stopped ${all.length} running tasks: ${all.map((t) => `(task ${t.id})`).join(' ')}.`,
    );
  }
  if (drained.length > 0) {
    const left = onDraining.length - drained.length;
    ecs.kernel.note(
      ecs.region,
      'tasks-replaced',
      `${service.cluster}/${service.name}: ${drained.length} tasks stopped off draining hosts${left > 0 ? `, ${left} still waiting` : ''}`,
    );
  }

  // 4. A service that cannot move: nothing started, nothing stopped, nothing in flight.
  const inFlight = [...service.tasks].some((t) => t.desiredStatus === 'STOPPED' || !healthy(t));
  const waiting = onDraining.length - drained.length;
  if (waiting > 0 && started.length === 0 && drained.length === 0 && !inFlight) {
    if (!service.stuck) {
      service.stuck = true;
      const why =
        liveNow >= maxTasks && live.filter(healthy).length <= minHealthy
          ? `minimumHealthyPercent ${service.minimumHealthyPercent} and maximumPercent ${service.maximumPercent} leave no room to start a replacement or stop a task`
          : 'no ACTIVE container instance has room for a replacement';
      ecs.serviceEvent(service, `is unable to move ${waiting} tasks off DRAINING container instances: ${why}.`);
      ecs.kernel.note(
        ecs.region,
        'service-stuck',
        `${service.cluster}/${service.name}: ${waiting} tasks cannot leave draining hosts (${why})`,
      );
    }
  } else if (waiting === 0) {
    service.stuck = false;
  }

  // 5. Steady state.
  if (!service.steady && !inFlight && onDraining.length === 0 && live.length === desired && started.length === 0) {
    service.steady = true;
    ecs.serviceEvent(service, 'has reached a steady state.');
  }
}

function reconcileDaemon(ecs: SchedulerHost, cluster: SimCluster, service: SimService, runningNow: boolean): void {
  const daemonOn = new Map<string, SimTask>();
  for (const task of service.tasks) if (task.desiredStatus === 'RUNNING') daemonOn.set(task.containerInstanceArn, task);
  let desired = 0;
  const started: SimTask[] = [];
  for (const instance of cluster.instances.values()) {
    if (!instance.agentConnected || instance.status === 'INACTIVE') continue;
    const task = daemonOn.get(instance.arn);
    if (instance.status === 'ACTIVE') {
      desired++;
      if (task) continue;
      const fits =
        freeCpu(instance) >= service.taskDefinition.cpu && freeMemory(instance) >= service.taskDefinition.memory;
      if (!fits) {
        reportPlacementFailure(ecs, service, { closest: instance, reason: 'RESOURCE:CPU' });
        continue;
      }
      started.push(
        ecs.startTask(cluster, instance, service.taskDefinition, {
          service,
          startedBy: service.deploymentId,
          runningNow,
        }),
      );
      continue;
    }
    // DRAINING: the daemon task stops last, once every other task on the instance is STOPPED.
    if (!task) continue;
    const others = [...instance.tasks].some((t) => t !== task && !t.daemon);
    if (others) {
      desired++;
      continue;
    }
    ecs.stopTask(
      task,
      'ServiceSchedulerInitiated',
      `Task stopped because container instance ${instance.ec2InstanceId} is DRAINING`,
    );
    ecs.serviceEvent(service, `has stopped 1 running tasks: (task ${task.id}).`);
  }
  service.desiredCount = desired;
  if (started.length > 0)
    ecs.serviceEvent(
      service,
      `has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`,
    );
}

/**
 * Every task of the service desired and last RUNNING on an ACTIVE instance, healthy in all its target
 * groups, and exactly the desired count of them: the state in which reconciling a replica service is a no-op.
 */
function isSettled(ecs: SchedulerHost, cluster: SimCluster, service: SimService): boolean {
  let count = 0;
  for (const task of service.tasks) {
    if (task.desiredStatus !== 'RUNNING' || task.lastStatus !== 'RUNNING') return false;
    if (cluster.instances.get(task.containerInstanceArn)?.status !== 'ACTIVE') return false;
    count++;
  }
  if (count !== service.desiredCount) return false;
  for (const task of service.tasks)
    for (const group of service.targetGroups) if (!ecs.targetHealthy(group.name, task.arn)) return false;
  return true;
}

/** Scale-in preference: tasks not yet RUNNING, then tasks in the AZ holding the most, newest first. */
function scaleInOrder(tasks: SimTask[]): SimTask[] {
  const perAz = new Map<string, number>();
  for (const t of tasks) perAz.set(t.az, (perAz.get(t.az) ?? 0) + 1);
  return [...tasks].sort(
    (a, b) =>
      Number(a.lastStatus === 'RUNNING') - Number(b.lastStatus === 'RUNNING') ||
      (perAz.get(b.az) ?? 0) - (perAz.get(a.az) ?? 0) ||
      b.createdAt - a.createdAt ||
      a.arn.localeCompare(b.arn),
  );
}

function reportPlacementFailure(ecs: SchedulerHost, service: SimService, placement: Placement): void {
  const now = ecs.kernel.now();
  if (now - service.lastPlacementFailureAt < PLACEMENT_EVENT_EVERY_MS) return;
  service.lastPlacementFailureAt = now;
  const detail = placement.closest
    ? `The closest matching (container-instance ${placement.closest.id}) has insufficient ${placement.reason === 'RESOURCE:MEMORY' ? 'memory' : 'CPU units'} available.`
    : placement.reason;
  ecs.serviceEvent(
    service,
    `was unable to place a task because no container instance met all of its requirements. ${detail}`,
  );
  ecs.kernel.note(ecs.region, 'placement-failed', `${service.cluster}/${service.name}: no container instance has room`);
}
