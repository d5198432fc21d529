import {
  type ContainerInstance,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListContainerInstancesCommand,
  ListTasksCommand,
  type Service,
  type Task,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { LIMITS } from '#config/limits.ts';
import type { StuckService, TaskCounts } from '#events/ballast-events.ts';
import type { DrainState, TaskClass, TrackedTask } from '../state.ts';
import { errorName } from './deps.ts';

/**
 * Reading an ECS host: its container instance, every task on it (desired RUNNING *and* STOPPED: the
 * ListTasks default hides tasks that are still stopping), their classes, and services that cannot move.
 */

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The container instance of an EC2 instance in a cluster (`ec2InstanceId ==` filter), else undefined. */
export async function findContainerInstance(
  ecs: ECSClient,
  cluster: string,
  instanceId: string,
): Promise<ContainerInstance | undefined> {
  const arn = await listContainerInstance(ecs, cluster, instanceId);
  return arn ? describeContainerInstance(ecs, cluster, arn) : undefined;
}

/**
 * The ARN of an EC2 instance's container instance in a cluster, from the list alone: ListContainerInstances
 * leaves INACTIVE instances out by default, so a listed one is still registered (its status is read later,
 * by the step that acts on it).
 */
export async function listContainerInstance(
  ecs: ECSClient,
  cluster: string,
  instanceId: string,
): Promise<string | undefined> {
  const listed = await ecs.send(
    new ListContainerInstancesCommand({ cluster, filter: `ec2InstanceId == ${instanceId}` }),
  );
  return listed.containerInstanceArns?.[0];
}

export async function describeContainerInstance(
  ecs: ECSClient,
  cluster: string,
  arn: string,
): Promise<ContainerInstance | undefined> {
  const described = await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: [arn] }));
  return described.containerInstances?.[0];
}

/** A container instance that is no longer there to drain: unknown, INACTIVE or deregistering. */
export function leftCluster(instance: ContainerInstance | undefined): boolean {
  return !instance || instance.status === 'INACTIVE' || instance.status === 'DEREGISTERING';
}

/**
 * Sets a container instance DRAINING and says whether it is still there: 'gone' when ECS reports it MISSING
 * or INACTIVE, or refuses the change because it is deregistering (then it is described to tell).
 */
export async function setDraining(ecs: ECSClient, cluster: string, arn: string): Promise<'draining' | 'gone'> {
  try {
    const out = await ecs.send(
      new UpdateContainerInstancesStateCommand({ cluster, containerInstances: [arn], status: 'DRAINING' }),
    );
    if ((out.containerInstances ?? []).some((i) => i.containerInstanceArn === arn)) return 'draining';
    const failure = out.failures?.find((f) => f.arn === arn) ?? out.failures?.[0];
    if (failure?.reason === 'MISSING' || failure?.reason === 'INACTIVE') return 'gone';
    throw new Error(
      `UpdateContainerInstancesState did not set ${arn} DRAINING: ${failure?.reason ?? 'no result'}${failure?.detail ? ` (${failure.detail})` : ''}.`,
    );
  } catch (error) {
    const name = errorName(error);
    if (name !== 'InvalidParameterException' && name !== 'ClientException') throw error;
    if (leftCluster(await describeContainerInstance(ecs, cluster, arn))) return 'gone';
    throw error;
  }
}

/** Registered container instances of a cluster (for the percentage budget). */
export async function clusterSize(ecs: ECSClient, cluster: string): Promise<number> {
  const out = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  return out.clusters?.[0]?.registeredContainerInstancesCount ?? 0;
}

/** Every task ARN on the host: desired RUNNING and desired STOPPED (still stopping, or recently stopped). */
export async function listHostTasks(
  ecs: ECSClient,
  cluster: string,
  containerInstance: string,
  desiredStatuses: ReadonlyArray<'RUNNING' | 'STOPPED'> = ['RUNNING', 'STOPPED'],
): Promise<string[]> {
  const arns = new Set<string>();
  for (const desiredStatus of desiredStatuses) {
    let nextToken: string | undefined;
    do {
      const page = await ecs.send(
        new ListTasksCommand({
          cluster,
          containerInstance,
          desiredStatus,
          maxResults: LIMITS.ecsListMaxResults,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const arn of page.taskArns ?? []) arns.add(arn);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return [...arns];
}

/** DescribeTasks in batches of 100; tasks ECS no longer knows are absent from the map. */
export async function describeTasks(
  ecs: ECSClient,
  cluster: string,
  arns: readonly string[],
): Promise<Map<string, Task>> {
  const out = new Map<string, Task>();
  for (const batch of chunks(arns, LIMITS.ecsDescribeTasksMax)) {
    const page = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [...batch] }));
    for (const task of page.tasks ?? []) if (task.taskArn) out.set(task.taskArn, task);
  }
  return out;
}

/** DescribeServices in batches of 10. */
export async function describeServices(
  ecs: ECSClient,
  cluster: string,
  names: readonly string[],
): Promise<Map<string, Service>> {
  const out = new Map<string, Service>();
  for (const batch of chunks([...new Set(names)], LIMITS.ecsDescribeServicesMax)) {
    const page = await ecs.send(new DescribeServicesCommand({ cluster, services: [...batch] }));
    for (const service of page.services ?? []) if (service.serviceName) out.set(service.serviceName, service);
  }
  return out;
}

/** The service a task belongs to (`group: service:<name>`), else undefined (a standalone RunTask task). */
export function serviceOf(task: Task): string | undefined {
  const group = task.group ?? '';
  return group.startsWith('service:') ? group.slice('service:'.length) : undefined;
}

export function classify(task: Task, services: Map<string, Service>): TaskClass {
  const service = serviceOf(task);
  if (!service) return 'standalone';
  return services.get(service)?.schedulingStrategy === 'DAEMON' ? 'daemon' : 'service';
}

/**
 * Describes new task ARNs and returns them tracked and classified. With `stoppedSince`, a task that was
 * already STOPPED by then is left out: it was seen (and counted) by an earlier check.
 */
export async function trackTasks(
  ecs: ECSClient,
  cluster: string,
  arns: readonly string[],
  stoppedSince?: string,
): Promise<{ tracked: TrackedTask[]; services: Map<string, Service> }> {
  if (arns.length === 0) return { tracked: [], services: new Map() };
  const tasks = await describeTasks(ecs, cluster, arns);
  const services = await describeServices(
    ecs,
    cluster,
    [...tasks.values()].map(serviceOf).filter((s): s is string => s !== undefined),
  );
  const since = stoppedSince ? new Date(stoppedSince).getTime() : undefined;
  const seenBefore = (task: Task | undefined) =>
    since !== undefined &&
    task?.lastStatus === 'STOPPED' &&
    task.stoppedAt !== undefined &&
    task.stoppedAt.getTime() <= since;
  const tracked = arns.flatMap((arn) => {
    const task = tasks.get(arn);
    if (seenBefore(task) || (since !== undefined && !task)) return [];
    const service = task ? serviceOf(task) : undefined;
    return {
      arn,
      cls: task ? classify(task, services) : 'standalone',
      ...(service ? { service } : {}),
      stopped: !task || task.lastStatus === 'STOPPED',
    };
  }) as TrackedTask[];
  return { tracked, services };
}

/** The target groups of each service (its `loadBalancers`), for the settle (./targets.ts). */
export function targetGroupsOf(services: Map<string, Service>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, service] of services) {
    if (service.schedulingStrategy === 'DAEMON') continue;
    out[name] = [
      ...new Set((service.loadBalancers ?? []).flatMap((lb) => (lb.targetGroupArn ? [lb.targetGroupArn] : []))),
    ].sort();
  }
  return out;
}

/**
 * Bounds the tracked tasks: every open task stays, and the `keep` most recent STOPPED ones; older STOPPED
 * tasks move into the `dropped` counts (with their services, for the settle delay).
 */
export function boundTasks(
  tasks: readonly TrackedTask[],
  dropped: { counts: TaskCounts; services: string[] } | undefined,
  keep: number,
): { tasks: TrackedTask[]; dropped?: { counts: TaskCounts; services: string[] } } {
  const stopped = tasks.filter((t) => t.stopped);
  const excess = stopped.length - keep;
  if (excess <= 0) return { tasks: [...tasks], ...(dropped ? { dropped } : {}) };
  const evicted = new Set(stopped.slice(0, excess));
  const counts = { ...(dropped?.counts ?? { service: 0, daemon: 0, standalone: 0 }) };
  const services = new Set(dropped?.services ?? []);
  for (const task of evicted) {
    counts[task.cls] += 1;
    if (task.service) services.add(task.service);
  }
  return { tasks: tasks.filter((t) => !evicted.has(t)), dropped: { counts, services: [...services].sort() } };
}

/** Every task of the drain by class: those tracked and those only counted. */
export function totalCounts(state: Pick<DrainState, 'tasks' | 'dropped'>): TaskCounts {
  const counts = countByClass(state.tasks);
  const dropped = state.dropped?.counts;
  return dropped
    ? {
        service: counts.service + dropped.service,
        daemon: counts.daemon + dropped.daemon,
        standalone: counts.standalone + dropped.standalone,
      }
    : counts;
}

/**
 * Services that cannot move their tasks off the host: deployment percentages that allow neither fewer
 * (minimumHealthyPercent >= 100) nor more (maximumPercent <= 100) tasks, or the scheduler reporting that it
 * is unable to place a task since the drain started.
 */
export function stuckServices(services: Map<string, Service>, since: Date): StuckService[] {
  const out: StuckService[] = [];
  for (const [name, service] of services) {
    if (service.schedulingStrategy === 'DAEMON') continue;
    const min = service.deploymentConfiguration?.minimumHealthyPercent ?? 100;
    const max = service.deploymentConfiguration?.maximumPercent ?? 200;
    if (min >= 100 && max <= 100) {
      out.push({
        service: name,
        reason: `cannot move: minimumHealthyPercent ${min} and maximumPercent ${max} allow neither stopping first nor starting a replacement; set maximumPercent above 100 or minimumHealthyPercent below 100`,
      });
      continue;
    }
    const noRoom = (service.events ?? []).find(
      (e) => e.createdAt !== undefined && e.createdAt >= since && /unable to place a task/i.test(e.message ?? ''),
    );
    if (noRoom) out.push({ service: name, reason: `no room: ${noRoom.message}` });
  }
  return out;
}

/** Counts tasks by class. */
export function countByClass(tasks: readonly TrackedTask[], only: (t: TrackedTask) => boolean = () => true) {
  const counts = { service: 0, daemon: 0, standalone: 0 };
  for (const task of tasks) if (only(task)) counts[task.cls] += 1;
  return counts;
}
