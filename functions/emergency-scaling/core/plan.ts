import { RATE_LIMITS } from '#config/limits.ts';
import type { ScaleRequest } from '#events/emergency-scale-input.ts';
import type { ScalingGroup } from '../config.ts';
import type { GroupSnapshot, PlannedGroup, PlannedService } from '../state.ts';
import type { ClusterCapacity, TaskSize } from './fleet.ts';

/**
 * The plan: pure functions, no AWS.
 *
 * Per service (the documented formula, README "Emergency scaling"):
 *   reference = max(running, peak, weekAgo)       peak over `historyHours`, weekAgo = the same hour a week ago
 *   history sizing (default):  want = max(reference, floor),  cap = min(ceiling, ceil(maxMultiplier x max(peak, weekAgo, 1)))
 *   percent p:                 want = ceil(reference x (1 + p / 100)),  cap = ceiling
 *   multiplier m:              want = ceil(reference x m),              cap = ceiling
 *   counts:                    want = the count given,                  cap = ceiling
 *   target = max(running, min(want, cap))        never below what runs now: Ballast never lowers capacity
 * Without history the peak is the current running count (and the plan says `noHistory`).
 */
export interface TargetInput {
  readonly running: number;
  readonly floor: number;
  readonly ceiling: number;
  readonly peak: number;
  readonly weekAgo?: number | undefined;
  readonly maxMultiplier: number;
  readonly sizing: ScaleRequest['sizing'];
  readonly percent?: number | undefined;
  readonly multiplier?: number | undefined;
  readonly count?: number | undefined;
}

export function targetFor(input: TargetInput): { target: number; bound: string } {
  const history = Math.max(input.peak, input.weekAgo ?? 0);
  const reference = Math.max(input.running, history);
  let want: number;
  let cap = input.ceiling;
  let wantBound: string;
  switch (input.sizing) {
    case 'percent':
      want = Math.ceil(reference * (1 + (input.percent ?? 0) / 100));
      wantBound = 'requested';
      break;
    case 'multiplier':
      want = Math.ceil(reference * (input.multiplier ?? 1));
      wantBound = 'requested';
      break;
    case 'counts':
      want = input.count ?? input.running;
      wantBound = 'requested';
      break;
    default: {
      want = Math.max(reference, input.floor);
      wantBound =
        want === input.floor && input.floor > reference ? 'floor' : history >= input.running ? 'peak' : 'running';
      const multiplierCap = Math.ceil(input.maxMultiplier * Math.max(history, 1));
      cap = Math.min(input.ceiling, multiplierCap);
    }
  }
  const capped = Math.min(want, cap);
  const target = Math.max(input.running, capped);
  const bound =
    target === input.running && input.running > capped
      ? 'running'
      : capped < want
        ? cap === input.ceiling
          ? 'ceiling'
          : 'multiplier-cap'
        : wantBound;
  return { target, bound };
}

/**
 * First-fit decreasing: how many hosts of `host` capacity (less `overhead` each, what other tasks such as
 * daemons reserve) the items need. Returns Infinity when one item does not fit on an empty host.
 */
export function hostsNeeded(
  items: readonly { size: TaskSize; count: number }[],
  host: TaskSize,
  overhead: TaskSize,
): number {
  const free = { cpu: host.cpu - overhead.cpu, memory: host.memory - overhead.memory };
  const all: TaskSize[] = [];
  for (const item of items) for (let i = 0; i < item.count; i++) all.push(item.size);
  if (all.length === 0) return 0;
  if (all.some((s) => s.cpu > free.cpu || s.memory > free.memory)) return Number.POSITIVE_INFINITY;
  const dominant = (s: TaskSize) =>
    Math.max(free.cpu > 0 ? s.cpu / free.cpu : 0, free.memory > 0 ? s.memory / free.memory : 0);
  all.sort((a, b) => dominant(b) - dominant(a));
  const bins: { cpu: number; memory: number }[] = [];
  for (const s of all) {
    const bin = bins.find((b) => b.cpu >= s.cpu && b.memory >= s.memory);
    if (bin) {
      bin.cpu -= s.cpu;
      bin.memory -= s.memory;
    } else {
      bins.push({ cpu: free.cpu - s.cpu, memory: free.memory - s.memory });
    }
  }
  return bins.length;
}

/**
 * Hosts per group for one cluster: bin-pack the targets of the cluster's planned services (each at its task
 * size) onto the group's host capacity, less the per-host share of what other tasks reserve now. Extra hosts
 * are spread over the cluster's groups; a group's min, max and desired are only ever raised.
 */
export function planGroups(
  clusterGroups: readonly ScalingGroup[],
  snapshots: readonly GroupSnapshot[],
  services: readonly PlannedService[],
  sizes: ReadonlyMap<string, TaskSize>,
  capacity: ClusterCapacity,
): { groups: PlannedGroup[]; note?: string } {
  const current = clusterGroups
    .map((g) => snapshots.find((s) => s.name === g.name))
    .filter((s): s is GroupSnapshot => s !== undefined);
  const unchanged = (note: string) => ({
    groups: current.map((g) => ({
      name: g.name,
      cluster: g.cluster,
      hostsNeeded: g.desired,
      min: g.min,
      max: g.max,
      desired: g.desired,
      newMin: g.min,
      newMax: g.max,
      newDesired: g.desired,
      applied: false,
    })),
    note,
  });
  if (current.length === 0) return { groups: [] };
  if (!capacity.host) return unchanged('no ACTIVE container instance to learn the host size from: hosts not raised');
  const ownUse = { cpu: 0, memory: 0 };
  const items: { size: TaskSize; count: number }[] = [];
  for (const s of services) {
    const size = sizes.get(s.key);
    if (!size) continue;
    ownUse.cpu += size.cpu * s.running;
    ownUse.memory += size.memory * s.running;
    items.push({ size, count: s.target });
  }
  const hosts = Math.max(capacity.hosts, 1);
  const overhead = {
    cpu: Math.max(0, capacity.used.cpu - ownUse.cpu) / hosts,
    memory: Math.max(0, capacity.used.memory - ownUse.memory) / hosts,
  };
  const needed = hostsNeeded(items, capacity.host, overhead);
  if (!Number.isFinite(needed)) return unchanged('a task does not fit on one host: hosts not raised');
  const total = current.reduce((sum, g) => sum + g.desired, 0);
  let extra = Math.max(0, needed - total);
  const share = current.map(() => 0);
  for (let i = 0; extra > 0; i = (i + 1) % current.length, extra--) share[i] = (share[i] ?? 0) + 1;
  return {
    groups: current.map((g, i) => {
      const newDesired = g.desired + (share[i] ?? 0);
      return {
        name: g.name,
        cluster: g.cluster,
        hostsNeeded: newDesired,
        min: g.min,
        max: g.max,
        desired: g.desired,
        newMin: Math.max(g.min, newDesired),
        newMax: Math.max(g.max, newDesired),
        newDesired,
        applied: false,
      };
    }),
  };
}

/** Estimates Ballast uses for the ETA (not AWS limits): a new host's boot and agent registration, a task's start. */
export const HOST_READY_ESTIMATE_SECONDS = 240;
export const TASK_START_ESTIMATE_SECONDS = 60;

/**
 * The ETA of a plan: its mutating calls at AWS's published (or, for Application Auto Scaling, the local
 * default) rates, plus a host's boot when hosts are raised, plus a task's start.
 */
export function etaSecondsOf(services: readonly PlannedService[], groups: readonly PlannedGroup[]): number {
  const raised = services.filter((s) => s.target > s.desired || s.lever === 'register');
  const registers = raised.filter((s) => s.lever === 'register').length;
  const updates = raised.filter((s) => s.lever === 'update').length;
  const aas = RATE_LIMITS['application-autoscaling:*']!;
  const ecs = RATE_LIMITS['ecs:UpdateService']!;
  const callSeconds =
    Math.max(0, registers - aas.burst) / aas.perSecond + Math.max(0, updates - ecs.burst) / ecs.perSecond;
  const hostsRaised = groups.some((g) => g.newDesired > g.desired);
  return Math.ceil(
    callSeconds +
      (hostsRaised ? HOST_READY_ESTIMATE_SECONDS : 0) +
      (raised.length > 0 ? TASK_START_ESTIMATE_SECONDS : 0),
  );
}
