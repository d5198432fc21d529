import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LIMITS } from '#config/limits.ts';
import type { FailoverService } from '../config.ts';
import type { FailoverState, RaisedService } from '../state.ts';
import { bestEffort, type FailoverClients, type FailoverDeps } from './deps.ts';
import { describeServices, raiseGroups, raiseServices } from './raise.ts';

/**
 * Capacity first. Per destination service, the target is
 *   min(ceiling, max(floor, ceil(max(source peak over historyHours, source desired now) x share / 100)))
 * where the peak comes from the capacity history in the destination's ledger and the source's desired count
 * from a best-effort DescribeServices in the source region (short timeout: the source may be down). Services
 * are raised clamp-safe (raise.ts), the groups behind them get a higher MinSize, and then the workflow waits
 * until every service runs its target AND every target group reports that many healthy targets.
 */
export interface TargetBasis {
  readonly peak?: number;
  readonly sourceDesired?: number;
}

export function targetFor(service: FailoverService, basis: TargetBasis, share: number): number {
  const base = Math.max(basis.peak ?? 0, basis.sourceDesired ?? 0);
  return Math.min(service.ceiling, Math.max(service.floor, Math.ceil((base * share) / 100)));
}

/** 'Raise Capacity': targets, the raise, the groups; returns the services and groups with what was done. */
export async function raiseCapacity(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const now = deps.clock();
  const destination = deps.config.regions[state.destination];
  if (!destination) throw new Error(`region ${state.destination} is not configured`);
  const sourceServices = deps.config.regions[state.source]?.services ?? [];
  const since = new Date(now.getTime() - deps.config.policy.historyHours * 3_600_000);
  const sourceDescribed = await bestEffort(deps, `DescribeServices in ${state.source}`, (signal) =>
    describeServices(
      deps.clientsFor(state.source),
      sourceServices.map((s) => ({ cluster: s.cluster, service: s.name })),
      signal,
    ),
  );
  const bases = new Map<string, TargetBasis>();
  for (const service of destination.services) {
    const key = `${service.cluster}/${service.name}`;
    const inSource = sourceServices.some((s) => s.cluster === service.cluster && s.name === service.name);
    const peak = inSource
      ? await deps.store.peakRunning(state.source, service.cluster, service.name, since)
      : undefined;
    const desired = sourceDescribed?.get(key)?.desiredCount;
    bases.set(key, {
      ...(peak !== undefined ? { peak } : {}),
      ...(desired !== undefined ? { sourceDesired: desired } : {}),
    });
  }
  const aws = deps.clientsFor(state.destination);
  const raised = await raiseServices(
    aws,
    destination.services.map((s) => ({
      cluster: s.cluster,
      service: s.name,
      target: targetFor(s, bases.get(`${s.cluster}/${s.name}`) ?? {}, state.share),
      ceiling: s.ceiling,
    })),
  );
  const growth = new Map<string, { before: number; after: number }>();
  for (const r of raised) {
    const g = growth.get(r.cluster) ?? { before: 0, after: 0 };
    const before = r.before.desired ?? 0;
    growth.set(r.cluster, { before: g.before + before, after: g.after + Math.max(before, r.target) });
  }
  const groups = await raiseGroups(aws, destination.groups, growth);
  const arns = await targetGroupArns(
    aws,
    destination.services.flatMap((s) => s.targetGroups),
  );
  const services: RaisedService[] = destination.services.map((s, i) => {
    const r = raised[i]!;
    const basis = bases.get(`${s.cluster}/${s.name}`) ?? {};
    const missingTgs = s.targetGroups.filter((tg) => !arns.has(tg));
    const problems = [
      r.problem,
      basis.peak === undefined && basis.sourceDesired === undefined
        ? `no capacity history and ${state.source} unreachable: raised to the floor (${s.floor}) only`
        : undefined,
      missingTgs.length > 0 ? `target group(s) ${missingTgs.join(', ')} not found` : undefined,
    ].filter((p): p is string => p !== undefined);
    return {
      cluster: r.cluster,
      service: r.service,
      target: r.target,
      running: r.running,
      reached: false,
      via: r.via,
      before: r.before,
      targetGroupArns: s.targetGroups.map((tg) => arns.get(tg)).filter((a): a is string => a !== undefined),
      basis: { ...basis, floor: s.floor, ceiling: s.ceiling, share: state.share },
      ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
    };
  });
  return {
    ...state,
    phase: 'capacity',
    services,
    groups,
    capacityDeadlineAt: new Date(now.getTime() + deps.config.policy.capacityDeadlineSeconds * 1000).toISOString(),
    phaseTimes: { ...state.phaseTimes, capacity: now.toISOString() },
    waitSeconds: deps.config.poll.capacitySeconds,
    message: `raised ${services.length} service(s) and ${groups.filter((g) => g.minAfter > g.minBefore).length} group(s) in ${state.destination}`,
  };
}

/**
 * 'Check Capacity': running counts and healthy targets. All reached: warm-up. Deadline passed: the unreached
 * services are reported (per service) and traffic moves anyway, watched (the source is failing).
 */
export async function checkCapacity(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const now = deps.clock();
  const aws = deps.clientsFor(state.destination);
  const services = await observe(aws, state.services);
  const allReached = services.every((s) => s.reached);
  const late = state.capacityDeadlineAt !== undefined && now.getTime() >= Date.parse(state.capacityDeadlineAt);
  if (!allReached && !late) {
    return { ...state, services, waitSeconds: deps.config.poll.capacitySeconds, message: capacityLine(services) };
  }
  const reported = late
    ? services.map((s) =>
        s.reached
          ? s
          : {
              ...s,
              problem: [
                s.problem,
                `not reached by the deadline: running ${s.running}/${s.target}, healthy ${s.healthy ?? '-'}/${s.target}`,
              ]
                .filter(Boolean)
                .join('; '),
            },
      )
    : services;
  return {
    ...state,
    phase: 'warm-up',
    services: reported,
    waitSeconds: deps.config.policy.warmUpSeconds,
    phaseTimes: { ...state.phaseTimes, 'warm-up': now.toISOString() },
    message: allReached
      ? `capacity ready: ${capacityLine(services)}`
      : `capacity deadline passed: ${capacityLine(services)}`,
  };
}

/** Current running and healthy counts of the raised services. */
export async function observe(aws: FailoverClients, services: readonly RaisedService[]): Promise<RaisedService[]> {
  const described = await describeServices(aws, services);
  const out: RaisedService[] = [];
  for (const s of services) {
    const running = described.get(`${s.cluster}/${s.service}`)?.runningCount ?? 0;
    let healthy: number | undefined;
    for (const arn of s.targetGroupArns) {
      const health = await aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      const count = (health.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').length;
      healthy = Math.min(healthy ?? count, count);
    }
    const reached = running >= s.target && (healthy === undefined || healthy >= s.target);
    out.push({ ...s, running, ...(healthy !== undefined ? { healthy } : {}), reached });
  }
  return out;
}

function capacityLine(services: readonly RaisedService[]): string {
  return services
    .map(
      (s) =>
        `${s.cluster}/${s.service} ${s.running}/${s.target}${s.healthy !== undefined ? ` healthy ${s.healthy}` : ''}`,
    )
    .join(', ');
}

async function targetGroupArns(aws: FailoverClients, names: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(names)];
  const found = new Map<string, string>();
  for (let i = 0; i < unique.length; i += LIMITS.elbDescribeTargetGroupsNamesMax) {
    const batch = unique.slice(i, i + LIMITS.elbDescribeTargetGroupsNamesMax);
    try {
      const out = await aws.elbv2.send(new DescribeTargetGroupsCommand({ Names: batch }));
      for (const tg of out.TargetGroups ?? []) found.set(tg.TargetGroupName ?? '', tg.TargetGroupArn ?? '');
    } catch (error) {
      // One unknown name fails the whole batch: look the names up one by one to report exactly which.
      if ((error as { name?: string }).name !== 'TargetGroupNotFoundException') throw error;
      for (const name of batch) {
        try {
          const out = await aws.elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] }));
          const tg = out.TargetGroups?.[0];
          if (tg?.TargetGroupArn) found.set(name, tg.TargetGroupArn);
        } catch (inner) {
          if ((inner as { name?: string }).name !== 'TargetGroupNotFoundException') throw inner;
        }
      }
    }
  }
  return found;
}
