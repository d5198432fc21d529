import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  type ScalableTarget,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeServicesCommand, type Service, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { LIMITS } from '#config/limits.ts';
import type { HeldGroup, RaisedGroup, RaisedService } from '../state.ts';
import type { FailoverClients } from './deps.ts';

/**
 * The failover's clamp-safe capacity raise in one region (emergency scaling has its own; the lead unifies them):
 *  - a service with an Application Auto Scaling target: ONE RegisterScalableTarget with MinCapacity = target,
 *    MaxCapacity = max(its max, target) and dynamic scale-in suspended (the other suspensions kept), so the
 *    scaler itself moves the desired count up and no scale-in alarm can undo it (the clamp trap, AWS-FACTS);
 *  - a service without one: UpdateService to max(desired, target), never above the configured ceiling;
 *  - each group behind a raised cluster: MinSize raised (never lowered, never above MaxSize) in proportion to
 *    the tasks added; a MinSize above the group's size makes Auto Scaling raise its desired capacity.
 * Nothing is ever lowered. What could not be done is reported per service or group (`problem`).
 */
export interface RaiseRequest {
  readonly cluster: string;
  readonly service: string;
  readonly target: number;
  readonly ceiling: number;
}

export async function raiseServices(
  aws: Pick<FailoverClients, 'ecs' | 'applicationAutoScaling'>,
  requests: readonly RaiseRequest[],
): Promise<Array<Pick<RaisedService, 'cluster' | 'service' | 'target' | 'via' | 'before' | 'running' | 'problem'>>> {
  const described = await describeServices(aws, requests);
  const scalable = await describeScalableTargets(
    aws,
    requests.map((r) => resourceIdOf(r.cluster, r.service)),
  );
  const out = [];
  for (const request of requests) {
    const service = described.get(`${request.cluster}/${request.service}`);
    const target = Math.min(request.target, request.ceiling);
    if (!service) {
      out.push({
        cluster: request.cluster,
        service: request.service,
        target,
        via: 'none' as const,
        before: {},
        running: 0,
        problem: `service ${request.cluster}/${request.service} does not exist in this region: create it (or remove it from the configuration)`,
      });
      continue;
    }
    const desired = service.desiredCount ?? 0;
    const running = service.runningCount ?? 0;
    const st = scalable.get(resourceIdOf(request.cluster, request.service));
    if (st) {
      const min = st.MinCapacity ?? 0;
      const max = st.MaxCapacity ?? 0;
      const newMin = Math.max(min, target);
      await aws.applicationAutoScaling.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ResourceId: st.ResourceId,
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: newMin,
          MaxCapacity: Math.max(max, newMin),
          SuspendedState: {
            DynamicScalingInSuspended: true,
            DynamicScalingOutSuspended: st.SuspendedState?.DynamicScalingOutSuspended ?? false,
            ScheduledScalingSuspended: st.SuspendedState?.ScheduledScalingSuspended ?? false,
          },
        }),
      );
      out.push({
        cluster: request.cluster,
        service: request.service,
        target,
        via: 'scalable-target' as const,
        before: {
          desired,
          minCapacity: min,
          maxCapacity: max,
          scaleInSuspended: st.SuspendedState?.DynamicScalingInSuspended ?? false,
        },
        running,
      });
      continue;
    }
    if (desired < target) {
      await aws.ecs.send(
        new UpdateServiceCommand({ cluster: request.cluster, service: request.service, desiredCount: target }),
      );
    }
    out.push({
      cluster: request.cluster,
      service: request.service,
      target,
      via: 'update-service' as const,
      before: { desired },
      running,
    });
  }
  return out;
}

/** Raises the MinSize of the groups behind raised clusters in proportion to the tasks added. */
export async function raiseGroups(
  aws: Pick<FailoverClients, 'autoScaling'>,
  groups: ReadonlyArray<{ name: string; cluster: string }>,
  /** Tasks wanted and tasks desired before the raise, per cluster. */
  growth: ReadonlyMap<string, { before: number; after: number }>,
): Promise<RaisedGroup[]> {
  if (groups.length === 0) return [];
  const out = await aws.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: groups.map((g) => g.name) }),
  );
  const byName = new Map((out.AutoScalingGroups ?? []).map((g) => [g.AutoScalingGroupName ?? '', g]));
  const raised: RaisedGroup[] = [];
  for (const group of groups) {
    const found = byName.get(group.name);
    const change = growth.get(group.cluster);
    if (!found) {
      raised.push({
        ...group,
        minBefore: 0,
        minAfter: 0,
        maxSize: 0,
        problem: `Auto Scaling group ${group.name} does not exist in this region`,
      });
      continue;
    }
    const minBefore = found.MinSize ?? 0;
    const maxSize = found.MaxSize ?? 0;
    const size = Math.max(found.DesiredCapacity ?? 0, found.Instances?.length ?? 0);
    let needed = minBefore;
    let problem: string | undefined;
    if (change && change.after > change.before) {
      needed = change.before > 0 ? Math.ceil((size * change.after) / change.before) : Math.max(size, minBefore, 1);
    }
    if (needed > maxSize) problem = `needs ${needed} hosts but MaxSize is ${maxSize}: raise MaxSize`;
    const minAfter = Math.max(minBefore, Math.min(needed, maxSize));
    if (minAfter > minBefore) {
      await aws.autoScaling.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: group.name, MinSize: minAfter }),
      );
    }
    raised.push({
      ...group,
      minBefore,
      minAfter,
      desiredBefore: found.DesiredCapacity ?? 0,
      maxSize,
      ...(problem ? { problem } : {}),
    });
  }
  return raised;
}

export function resourceIdOf(cluster: string, service: string): string {
  return `service/${cluster}/${service}`;
}

/** DescribeServices in batches of 10, by `<cluster>/<service>`. */
export async function describeServices(
  aws: Pick<FailoverClients, 'ecs'>,
  services: ReadonlyArray<{ cluster: string; service: string }>,
  signal?: AbortSignal,
): Promise<Map<string, Service>> {
  const found = new Map<string, Service>();
  const byCluster = new Map<string, string[]>();
  for (const s of services) byCluster.set(s.cluster, [...(byCluster.get(s.cluster) ?? []), s.service]);
  for (const [cluster, names] of byCluster) {
    for (let i = 0; i < names.length; i += LIMITS.ecsDescribeServicesMax) {
      const out = await aws.ecs.send(
        new DescribeServicesCommand({ cluster, services: names.slice(i, i + LIMITS.ecsDescribeServicesMax) }),
        signal ? { abortSignal: signal } : {},
      );
      for (const service of out.services ?? []) {
        if (service.status === 'INACTIVE') continue;
        found.set(`${cluster}/${service.serviceName}`, service);
      }
    }
  }
  return found;
}

async function describeScalableTargets(
  aws: Pick<FailoverClients, 'applicationAutoScaling'>,
  resourceIds: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, ScalableTarget>> {
  const found = new Map<string, ScalableTarget>();
  for (let i = 0; i < resourceIds.length; i += LIMITS.applicationAutoScalingResourceIdsMax) {
    let next: string | undefined;
    do {
      const out = await aws.applicationAutoScaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          ResourceIds: resourceIds.slice(i, i + LIMITS.applicationAutoScalingResourceIdsMax),
          ScalableDimension: 'ecs:service:DesiredCount',
          ...(next ? { NextToken: next } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
      for (const t of out.ScalableTargets ?? []) found.set(t.ResourceId ?? '', t);
      next = out.NextToken;
    } while (next);
  }
  return found;
}

/**
 * Lowers services to their floor after a failover moved traffic away (the scale-down after the bake): a
 * scalable target gets MinCapacity = floor (MaxCapacity kept) and scale-in resumed; a service without one
 * gets desiredCount = floor when it is above. One line per service says what was done.
 */
export async function lowerToFloor(
  aws: Pick<FailoverClients, 'ecs' | 'applicationAutoScaling'>,
  services: ReadonlyArray<{ cluster: string; name: string; floor: number }>,
  signal?: AbortSignal,
): Promise<string[]> {
  const options = signal ? { abortSignal: signal } : {};
  const described = await describeServices(
    aws,
    services.map((s) => ({ cluster: s.cluster, service: s.name })),
    signal,
  );
  const scalable = await describeScalableTargets(
    aws,
    services.map((s) => resourceIdOf(s.cluster, s.name)),
    signal,
  );
  const lines: string[] = [];
  for (const s of services) {
    const key = `${s.cluster}/${s.name}`;
    const service = described.get(key);
    if (!service) {
      lines.push(`${key} not found`);
      continue;
    }
    const st = scalable.get(resourceIdOf(s.cluster, s.name));
    if (st) {
      await aws.applicationAutoScaling.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ResourceId: st.ResourceId,
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: s.floor,
          MaxCapacity: Math.max(st.MaxCapacity ?? s.floor, s.floor),
          SuspendedState: {
            DynamicScalingInSuspended: false,
            DynamicScalingOutSuspended: st.SuspendedState?.DynamicScalingOutSuspended ?? false,
            ScheduledScalingSuspended: st.SuspendedState?.ScheduledScalingSuspended ?? false,
          },
        }),
        options,
      );
      lines.push(`${key} minimum ${st.MinCapacity ?? 0} -> ${s.floor}, scale-in resumed`);
    } else if ((service.desiredCount ?? 0) > s.floor) {
      await aws.ecs.send(
        new UpdateServiceCommand({ cluster: s.cluster, service: s.name, desiredCount: s.floor }),
        options,
      );
      lines.push(`${key} desired ${service.desiredCount} -> ${s.floor}`);
    } else {
      lines.push(`${key} already at ${service.desiredCount ?? 0}`);
    }
  }
  return lines;
}

/**
 * Gives back the MinSize an earlier failover raised in a region traffic has left (the scale-down after the bake):
 * MinSize back to what it was, and the desired capacity back down to what it was when the raise made Auto Scaling
 * grow it (never below MinSize; the hosts leave through the termination hook, so Ballast drains them). A group
 * whose MinSize someone changed since the raise is left as it is. One line per group says what was done.
 */
export async function lowerGroups(
  aws: Pick<FailoverClients, 'autoScaling'>,
  groups: readonly HeldGroup[],
  signal?: AbortSignal,
): Promise<string[]> {
  if (groups.length === 0) return [];
  const options = signal ? { abortSignal: signal } : {};
  const out = await aws.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: groups.map((g) => g.name) }),
    options,
  );
  const byName = new Map((out.AutoScalingGroups ?? []).map((g) => [g.AutoScalingGroupName ?? '', g]));
  const lines: string[] = [];
  for (const held of groups) {
    const found = byName.get(held.name);
    if (!found) {
      lines.push(`group ${held.name} not found`);
      continue;
    }
    const min = found.MinSize ?? 0;
    if (min !== held.minAfter) {
      lines.push(`group ${held.name} minimum is ${min}, not the ${held.minAfter} the failover set: left as it is`);
      continue;
    }
    const desired = found.DesiredCapacity ?? 0;
    const desiredTo = held.desiredBefore !== undefined ? Math.max(held.minBefore, held.desiredBefore) : undefined;
    const lowerDesired = desiredTo !== undefined && desired > desiredTo;
    await aws.autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: held.name,
        MinSize: held.minBefore,
        ...(lowerDesired ? { DesiredCapacity: desiredTo } : {}),
      }),
      options,
    );
    lines.push(
      `group ${held.name} minimum ${min} -> ${held.minBefore}${lowerDesired ? `, desired ${desired} -> ${desiredTo}` : ''}`,
    );
  }
  return lines;
}
