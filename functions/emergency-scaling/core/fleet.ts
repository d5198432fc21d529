import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListContainerInstancesCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { LIMITS } from '#config/limits.ts';
import type { ScalingGroup, ScalingService } from '../config.ts';
import type {
  GroupSnapshot,
  ScalableTargetSnapshot,
  ScheduledActionSnapshot,
  ServiceSnapshot,
  Snapshot,
} from '../state.ts';
import type { ScalingDeps } from './deps.ts';

/** Read-only views of the fleet, straight from ECS, Application Auto Scaling and EC2 Auto Scaling. */
type Deps = Pick<ScalingDeps, 'clients'>;

export const ECS_NAMESPACE = 'ecs';
export const ECS_DIMENSION = 'ecs:service:DesiredCount';
export const resourceIdOf = (cluster: string, service: string) => `service/${cluster}/${service}`;
export const keyOf = (cluster: string, service: string) => `${cluster}/${service}`;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** DescribeServices, 10 a call, by cluster; services ECS does not know (or INACTIVE) are absent from the map. */
export async function describeServices(deps: Deps, services: readonly Pick<ScalingService, 'cluster' | 'name'>[]) {
  const found = new Map<string, Service>();
  const byCluster = new Map<string, string[]>();
  for (const s of services) byCluster.set(s.cluster, [...(byCluster.get(s.cluster) ?? []), s.name]);
  for (const [cluster, names] of byCluster) {
    for (const chunk of chunks(names, LIMITS.ecsDescribeServicesMax)) {
      const out = await deps.clients.ecs.send(new DescribeServicesCommand({ cluster, services: chunk }));
      for (const s of out.services ?? []) {
        if (s.serviceName && s.status !== 'INACTIVE') found.set(keyOf(cluster, s.serviceName), s);
      }
    }
  }
  return found;
}

/** The ECS scalable targets of the given services, by service key. */
export async function describeTargets(deps: Deps, services: readonly Pick<ScalingService, 'cluster' | 'name'>[]) {
  const found = new Map<string, ScalableTargetSnapshot>();
  const ids = services.map((s) => resourceIdOf(s.cluster, s.name));
  for (const chunk of chunks(ids, LIMITS.applicationAutoScalingDescribeMax)) {
    let token: string | undefined;
    do {
      const out = await deps.clients.applicationAutoScaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: ECS_NAMESPACE,
          ResourceIds: chunk,
          ScalableDimension: ECS_DIMENSION,
          MaxResults: LIMITS.applicationAutoScalingDescribeMax,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const t of out.ScalableTargets ?? []) {
        const key = t.ResourceId?.replace(/^service\//, '');
        if (!key) continue;
        found.set(key, {
          min: t.MinCapacity ?? 0,
          max: t.MaxCapacity ?? 0,
          suspended: {
            dynamicIn: t.SuspendedState?.DynamicScalingInSuspended ?? false,
            dynamicOut: t.SuspendedState?.DynamicScalingOutSuspended ?? false,
            scheduled: t.SuspendedState?.ScheduledScalingSuspended ?? false,
          },
        });
      }
      token = out.NextToken;
    } while (token);
  }
  return found;
}

/**
 * The scheduled actions of every ECS scalable target in the region, by resource id (`service/<cluster>/<name>`).
 * One namespace-wide listing (50 a page) instead of a call per service: a fleet of 300 services would
 * otherwise spend 300 calls of Application Auto Scaling's shared bucket (burst 100) on it.
 */
export async function describeAllScheduledActions(deps: Deps): Promise<Map<string, ScheduledActionSnapshot[]>> {
  const byResource = new Map<string, ScheduledActionSnapshot[]>();
  let token: string | undefined;
  do {
    const out = await deps.clients.applicationAutoScaling.send(
      new DescribeScheduledActionsCommand({
        ServiceNamespace: ECS_NAMESPACE,
        ScalableDimension: ECS_DIMENSION,
        MaxResults: LIMITS.applicationAutoScalingDescribeMax,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const a of out.ScheduledActions ?? []) {
      if (!a.ScheduledActionName || !a.Schedule || !a.ResourceId) continue;
      const list = byResource.get(a.ResourceId) ?? [];
      list.push({
        name: a.ScheduledActionName,
        schedule: a.Schedule,
        ...(a.Timezone ? { timezone: a.Timezone } : {}),
        ...(a.StartTime ? { start: new Date(a.StartTime).toISOString() } : {}),
        ...(a.EndTime ? { end: new Date(a.EndTime).toISOString() } : {}),
        ...(a.ScalableTargetAction?.MinCapacity !== undefined ? { min: a.ScalableTargetAction.MinCapacity } : {}),
        ...(a.ScalableTargetAction?.MaxCapacity !== undefined ? { max: a.ScalableTargetAction.MaxCapacity } : {}),
      });
      byResource.set(a.ResourceId, list);
    }
    token = out.NextToken;
  } while (token);
  for (const list of byResource.values()) list.sort((a, b) => a.name.localeCompare(b.name));
  return byResource;
}

/** The scaling policy names of every ECS scalable target in the region, by resource id (10 a page). */
export async function describeAllPolicyNames(deps: Deps): Promise<Map<string, string[]>> {
  const byResource = new Map<string, string[]>();
  let token: string | undefined;
  do {
    const out = await deps.clients.applicationAutoScaling.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: ECS_NAMESPACE,
        ScalableDimension: ECS_DIMENSION,
        MaxResults: LIMITS.applicationAutoScalingDescribePoliciesMax,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const p of out.ScalingPolicies ?? []) {
      if (!p.PolicyName || !p.ResourceId) continue;
      byResource.set(p.ResourceId, [...(byResource.get(p.ResourceId) ?? []), p.PolicyName]);
    }
    token = out.NextToken;
  } while (token);
  for (const list of byResource.values()) list.sort();
  return byResource;
}

/** Min, max, desired and suspended processes of the given groups. */
export async function describeGroups(deps: Deps, groups: readonly ScalingGroup[]): Promise<GroupSnapshot[]> {
  const clusterOf = new Map(groups.map((g) => [g.name, g.cluster]));
  const out: GroupSnapshot[] = [];
  for (const chunk of chunks(
    groups.map((g) => g.name),
    LIMITS.autoScalingDescribeGroupsMaxRecords,
  )) {
    let token: string | undefined;
    do {
      const page = await deps.clients.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({
          AutoScalingGroupNames: chunk,
          MaxRecords: LIMITS.autoScalingDescribeGroupsMaxRecords,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const g of page.AutoScalingGroups ?? []) {
        if (!g.AutoScalingGroupName) continue;
        out.push({
          name: g.AutoScalingGroupName,
          cluster: clusterOf.get(g.AutoScalingGroupName) ?? '',
          min: g.MinSize ?? 0,
          max: g.MaxSize ?? 0,
          desired: g.DesiredCapacity ?? 0,
          suspendedProcesses: (g.SuspendedProcesses ?? [])
            .map((p) => p.ProcessName ?? '')
            .filter(Boolean)
            .sort(),
        });
      }
      token = page.NextToken;
    } while (token);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Everything a restore needs, read before any mutating call: per service desired / running / pending, the
 * scalable target's min / max / exact SuspendedState, its scheduled actions and policy names; per group
 * min / max / desired / suspended processes. Services ECS does not know are left out (and reported).
 */
export async function takeSnapshot(
  deps: Deps,
  services: readonly ScalingService[],
  groups: readonly ScalingGroup[],
  at: Date,
): Promise<{ snapshot: Snapshot; missing: string[] }> {
  const described = await describeServices(deps, services);
  const targets = await describeTargets(deps, services);
  const scheduled = await describeAllScheduledActions(deps);
  const policies = await describeAllPolicyNames(deps);
  const snapshots: ServiceSnapshot[] = [];
  const missing: string[] = [];
  for (const s of services) {
    const key = keyOf(s.cluster, s.name);
    const ecs = described.get(key);
    if (!ecs) {
      missing.push(key);
      continue;
    }
    const target = targets.get(key);
    snapshots.push({
      key,
      cluster: s.cluster,
      service: s.name,
      desired: ecs.desiredCount ?? 0,
      running: ecs.runningCount ?? 0,
      pending: ecs.pendingCount ?? 0,
      ...(ecs.taskDefinition ? { taskDefinition: ecs.taskDefinition } : {}),
      ...(target ? { target } : {}),
      scheduledActions: target ? (scheduled.get(resourceIdOf(s.cluster, s.name)) ?? []) : [],
      policies: target ? (policies.get(resourceIdOf(s.cluster, s.name)) ?? []) : [],
    });
  }
  const groupSnapshots = await describeGroups(deps, groups);
  return { snapshot: { takenAt: at.toISOString(), services: snapshots, groups: groupSnapshots }, missing };
}

export interface TaskSize {
  readonly cpu: number;
  readonly memory: number;
}

/** CPU units and MiB one task of a task definition reserves (task-level size, else the sum of its containers). */
export async function taskSizes(deps: Deps, taskDefinitions: readonly string[]): Promise<Map<string, TaskSize>> {
  const sizes = new Map<string, TaskSize>();
  for (const arn of new Set(taskDefinitions)) {
    const out = await deps.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
    const td = out.taskDefinition;
    const containers = td?.containerDefinitions ?? [];
    const cpu = Number(td?.cpu ?? 0) || containers.reduce((sum, c) => sum + (c.cpu ?? 0), 0);
    const memory =
      Number(td?.memory ?? 0) || containers.reduce((sum, c) => sum + (c.memory ?? c.memoryReservation ?? 0), 0);
    sizes.set(arn, { cpu, memory });
  }
  return sizes;
}

export interface ClusterCapacity {
  /** Registered CPU / memory of one host (the largest ACTIVE container instance). */
  readonly host?: TaskSize;
  readonly hosts: number;
  /** Registered minus remaining, summed over ACTIVE hosts: what every task on the cluster reserves now. */
  readonly used: TaskSize;
}

/** The cluster's ACTIVE container instances: one host's capacity and what is reserved now. */
export async function clusterCapacity(deps: Deps, cluster: string): Promise<ClusterCapacity> {
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const out = await deps.clients.ecs.send(
      new ListContainerInstancesCommand({
        cluster,
        status: 'ACTIVE',
        maxResults: LIMITS.ecsListMaxResults,
        ...(token ? { nextToken: token } : {}),
      }),
    );
    arns.push(...(out.containerInstanceArns ?? []));
    token = out.nextToken;
  } while (token);
  let host: TaskSize | undefined;
  const used = { cpu: 0, memory: 0 };
  for (const chunk of chunks(arns, LIMITS.ecsDescribeContainerInstancesMax)) {
    const out = await deps.clients.ecs.send(
      new DescribeContainerInstancesCommand({ cluster, containerInstances: chunk }),
    );
    for (const ci of out.containerInstances ?? []) {
      const value = (list: typeof ci.registeredResources, name: string) =>
        list?.find((r) => r.name === name)?.integerValue ?? 0;
      const registered = { cpu: value(ci.registeredResources, 'CPU'), memory: value(ci.registeredResources, 'MEMORY') };
      const remaining = { cpu: value(ci.remainingResources, 'CPU'), memory: value(ci.remainingResources, 'MEMORY') };
      used.cpu += registered.cpu - remaining.cpu;
      used.memory += registered.memory - remaining.memory;
      if (!host || registered.cpu * registered.memory > host.cpu * host.memory) host = registered;
    }
  }
  return { ...(host ? { host } : {}), hosts: arns.length, used };
}
