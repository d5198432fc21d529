import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BALLAST_SOURCE } from '#events/ballast-events.ts';
import { READINESS_CHANGED, type ReadinessDetail } from '#events/failover-events.ts';
import { REGION_FAILOVER_TIMEOUT_SECONDS } from '../config.ts';
import type { FailoverState } from '../state.ts';
import { targetFor } from './capacity.ts';
import { observedLevels, slotSetIdentifier } from './data-plane.ts';
import { bestEffort, type FailoverDeps } from './deps.ts';
import { describeServices } from './raise.ts';
import { steeredRecords } from './traffic.ts';

/**
 * 'Check Readiness' (on a schedule and on demand): can this region take the traffic now? Read only.
 *  - the fence: readable, naming a configured region, no holder older than a failover can run;
 *  - the records: a weighted set for this region and the active one in every steered record;
 *  - as a standby (not the active region): headroom (each service's failover target within its ceiling, each
 *    group's MaxSize enough for the hosts that target needs) and each service running at least its floor.
 * The result is kept in the ledger; `Readiness Changed` is emitted when it differs from the last one.
 */
export async function checkReadiness(state: FailoverState, deps: FailoverDeps): Promise<FailoverState> {
  const now = deps.clock();
  const here = state.destination;
  const problems: string[] = [];
  const fence = await deps.fence.readFence();
  if (!deps.config.regions[fence.activeRegion]) {
    problems.push(`fence: the active region ${fence.activeRegion} is not configured`);
  }
  if (fence.holder && fence.since && now.getTime() - Date.parse(fence.since) > REGION_FAILOVER_TIMEOUT_SECONDS * 1000) {
    problems.push(`fence: ${fence.holder} has held it since ${fence.since}, longer than a failover can run: abort it`);
  }
  if (deps.config.dataPlane) {
    problems.push(...(await dataPlaneProblems(deps, here, fence.activeRegion)));
  } else {
    try {
      await steeredRecords(deps, deps.clientsFor(here), [...new Set([fence.activeRegion, here])]);
    } catch (error) {
      problems.push(`records: ${(error as Error).message}`);
    }
  }
  if (fence.activeRegion !== here) problems.push(...(await standbyProblems(deps, fence.activeRegion, here, now)));
  const ready = problems.length === 0;
  const previous = await deps.store.getRecord(`readiness-${here}`);
  const changed =
    previous === undefined ||
    previous.ready !== ready ||
    JSON.stringify(previous.problems ?? []) !== JSON.stringify(problems);
  await deps.store.putRecord(
    `readiness-${here}`,
    { region: here, ready, problems, activeRegion: fence.activeRegion, startedAt: now.toISOString() },
    now,
  );
  if (changed) {
    const detail: ReadinessDetail = {
      region: here,
      activeRegion: fence.activeRegion,
      ready,
      problems,
      ...(typeof previous?.ready === 'boolean' ? { previouslyReady: previous.ready } : {}),
      checkedAt: now.toISOString(),
    };
    const out = await deps.clientsFor(here).eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: BALLAST_SOURCE,
            DetailType: READINESS_CHANGED,
            Detail: JSON.stringify(detail),
            Resources: [],
            Time: now,
          },
        ],
      }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) throw new Error(`PutEvents rejected '${READINESS_CHANGED}'`);
  }
  return {
    ...state,
    outcome: ready ? 'ready' : 'not-ready',
    problems,
    message: ready
      ? `${here} is ready to take traffic from ${fence.activeRegion}`
      : `${here} is not ready: ${problems.join('; ')}`,
  };
}

/**
 * Data-plane mode: every steered record has its slot records for the home region, this one and the active one,
 * each behind a health check, and the non-home regions among them have their level alarms.
 */
async function dataPlaneProblems(deps: FailoverDeps, here: string, active: string): Promise<string[]> {
  const problems: string[] = [];
  const home = deps.config.primaryRegion;
  const regions = [...new Set([home, here, active])];
  const slots = deps.config.policy.rungs.length;
  const ids = regions.flatMap((r) => Array.from({ length: slots }, (_, i) => slotSetIdentifier(r, i + 1)));
  try {
    const records = await steeredRecords(deps, deps.clientsFor(here), ids);
    for (const [name, sets] of records) {
      const unchecked = ids.filter((id) => !sets.get(id)?.HealthCheckId);
      if (unchecked.length > 0) problems.push(`records: ${name} ${unchecked.join(', ')} has no health check`);
    }
  } catch (error) {
    problems.push(`records: ${(error as Error).message}`);
  }
  for (const region of regions.filter((r) => r !== home)) {
    try {
      await observedLevels(deps.clientsFor(region), deps.config.dataPlane!.alarmPrefix, region, slots);
    } catch (error) {
      problems.push(`alarms: ${(error as Error).message}`);
    }
  }
  return problems;
}

async function standbyProblems(deps: FailoverDeps, active: string, here: string, now: Date): Promise<string[]> {
  const problems: string[] = [];
  const fleet = deps.config.regions[here];
  if (!fleet) return [`${here} is not configured`];
  const sourceServices = deps.config.regions[active]?.services ?? [];
  const since = new Date(now.getTime() - deps.config.policy.historyHours * 3_600_000);
  const source = await bestEffort(deps, `DescribeServices in ${active}`, (signal) =>
    describeServices(
      deps.clientsFor(active),
      sourceServices.map((s) => ({ cluster: s.cluster, service: s.name })),
      signal,
    ),
  );
  const aws = deps.clientsFor(here);
  const mine = await describeServices(
    aws,
    fleet.services.map((s) => ({ cluster: s.cluster, service: s.name })),
  );
  const growth = new Map<string, { before: number; after: number }>();
  for (const s of fleet.services) {
    const key = `${s.cluster}/${s.name}`;
    const peak = sourceServices.some((x) => x.cluster === s.cluster && x.name === s.name)
      ? await deps.store.peakRunning(active, s.cluster, s.name, since)
      : undefined;
    const desired = source?.get(key)?.desiredCount;
    const base = Math.max(peak ?? 0, desired ?? 0);
    const wanted = Math.ceil((base * deps.config.policy.share) / 100);
    const target = targetFor(
      s,
      { ...(peak !== undefined ? { peak } : {}), ...(desired !== undefined ? { sourceDesired: desired } : {}) },
      deps.config.policy.share,
    );
    if (wanted > s.ceiling)
      problems.push(`headroom: ${key} would need ${wanted} tasks but its ceiling is ${s.ceiling}`);
    const service = mine.get(key);
    if (!service) {
      problems.push(`${key} does not exist in ${here}`);
      continue;
    }
    const running = service.runningCount ?? 0;
    if (running < s.floor) problems.push(`${key} runs ${running}, below its floor ${s.floor}`);
    const g = growth.get(s.cluster) ?? { before: 0, after: 0 };
    const before = service.desiredCount ?? 0;
    growth.set(s.cluster, { before: g.before + before, after: g.after + Math.max(before, target) });
  }
  if (fleet.groups.length > 0) {
    const out = await aws.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: fleet.groups.map((g) => g.name) }),
    );
    for (const group of fleet.groups) {
      const found = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === group.name);
      const change = growth.get(group.cluster);
      if (!found) {
        problems.push(`group ${group.name} does not exist in ${here}`);
        continue;
      }
      const size = Math.max(found.DesiredCapacity ?? 0, found.Instances?.length ?? 0);
      if (change && change.before > 0 && change.after > change.before) {
        const needed = Math.ceil((size * change.after) / change.before);
        if (needed > (found.MaxSize ?? 0)) {
          problems.push(`headroom: group ${group.name} would need ${needed} hosts but its MaxSize is ${found.MaxSize}`);
        }
      }
    }
  }
  return problems;
}
