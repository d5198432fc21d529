import type { LocalCloud } from '../cloud.ts';

/**
 * The time series the game-day page draws, carried in the `--json` report (`series`, `markers`, `phases`)
 * so that the page is rendered from the JSON alone.
 *
 * A sampler reads the world once per simulated minute, through its public reads only (services, Auto
 * Scaling groups, container instances, scalable targets, Route 53 answers). One sample costs one pass over
 * the services and one over the hosts: O(services + hosts), no per-task work beyond a service's live tasks.
 * Values are rounded so that the same scenario and seed give the same JSON, byte for byte.
 */

/** One value per sample instant (`RunSeries.t`); null where there is nothing to show (no such resource yet). */
export type Values = Array<number | null>;

export interface ServiceSeries {
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  /** Ballast's configured floor and ceiling for the service (null: not a configured service). */
  readonly floor: number | null;
  readonly ceiling: number | null;
  readonly desired: Values;
  readonly running: Values;
  readonly pending: Values;
  /** The scalable target's MinCapacity and MaxCapacity (null: no scalable target). */
  readonly min: Values;
  readonly max: Values;
  /** MinCapacity while Ballast (a deployed role) was the last to change the scalable target: its override. */
  readonly override: Values;
}

export interface GroupSeries {
  readonly region: string;
  readonly group: string;
  readonly cluster: string | null;
  readonly desired: Values;
  /** InService hosts whose container instance is not DRAINING. */
  readonly inService: Values;
  /** Hosts launching (Pending, Pending:Wait, Pending:Proceed). */
  readonly launching: Values;
  /** Hosts whose container instance is DRAINING (until they are terminated). */
  readonly draining: Values;
  /** Hosts held by a lifecycle hook (Pending:Wait or Terminating:Wait). */
  readonly waiting: Values;
}

export interface TrafficShareSeries {
  readonly record: string;
  readonly regions: Array<{
    readonly region: string;
    /** The share of clients whose resolver answer points at the region (answers held up to the TTL). */
    readonly clients: Values;
    /** The share the authoritative answer gives the region right now (the records). */
    readonly records: Values;
  }>;
}

export interface RequestSeries {
  readonly region: string;
  /** Requests served and failed in the minute that starts at each sample instant. */
  readonly served: Values;
  readonly failed: Values;
}

export interface RunSeries {
  /** Sample instants in seconds since the start: one per simulated minute, from 0 to the duration. */
  readonly t: number[];
  readonly requests: RequestSeries[];
  readonly services: ServiceSeries[];
  readonly groups: GroupSeries[];
  readonly traffic: TrafficShareSeries[];
}

/** What Ballast did (and what the scenario did to the fleet), on the time axis, linked to the timeline. */
export interface Marker {
  /** Seconds since the start. */
  readonly t: number;
  /** For executions: when it ended (null while it still ran at the end). */
  readonly until?: number | null;
  readonly region: string;
  /** `execution`, or the kind of the timeline line it marks (`ballast-event`, `incident`, any `ballast…`). */
  readonly kind: string;
  readonly label: string;
  /** Index of its line in the report's `timeline` (null: no line to link to). */
  readonly line: number | null;
}

export interface PhaseFigures {
  readonly name: string;
  /** Seconds since the start. */
  readonly from: number;
  readonly until: number;
  /** The Ballast capability that must make a difference in this phase (null: nothing of Ballast acts). */
  readonly handledBy: string | null;
  readonly requests: { readonly total: number; readonly failed: number };
  readonly regions: Record<string, { total: number; failed: number }>;
}

export const SAMPLE_EVERY_MS = 60_000;

const LAUNCHING = new Set(['Pending', 'Pending:Wait', 'Pending:Proceed']);
const WAITING = new Set(['Pending:Wait', 'Terminating:Wait']);

/**
 * Samples the world every simulated minute from virtual time 0 (start it before the scenario runs).
 * `series()` returns what was sampled, with the requests per minute read from the traffic model.
 */
export class SeriesSampler {
  private readonly t: number[] = [];
  private readonly services = new Map<string, ServiceSeries>();
  private readonly groups = new Map<string, GroupSeries>();
  private readonly traffic = new Map<string, TrafficShareSeries>();
  private readonly ballastCallers: Set<string>;

  constructor(
    private readonly cloud: LocalCloud,
    private readonly durationMs: number,
  ) {
    this.ballastCallers = new Set([...cloud.callers.values()].filter((c) => c.roleArn).map((c) => c.name));
  }

  start(): void {
    const world = this.cloud.world;
    const sample = (at: number) => {
      this.sample();
      const next = at + SAMPLE_EVERY_MS;
      if (next <= this.durationMs) world.clock.after(SAMPLE_EVERY_MS, 'report sample', () => sample(next));
    };
    sample(0);
  }

  private sample(): void {
    const world = this.cloud.world;
    const i = this.t.length;
    this.t.push(world.elapsedSeconds());
    for (const [region, rw] of world.regions) {
      const draining = new Set<string>();
      for (const cluster of rw.ecs.clusters()) {
        for (const instance of cluster.instances.values())
          if (instance.status === 'DRAINING' && instance.ec2InstanceId) draining.add(instance.ec2InstanceId);
        for (const svc of cluster.services.values()) {
          const s = this.serviceSeries(region, cluster.name, svc.name);
          const target = rw.applicationAutoScaling.target(`service/${cluster.name}/${svc.name}`);
          const byBallast = target?.lastMutation !== undefined && this.ballastCallers.has(target.lastMutation.caller);
          s.desired[i] = svc.desiredCount;
          s.running[i] = svc.runningCount;
          s.pending[i] = svc.pendingCount;
          s.min[i] = target ? target.MinCapacity : null;
          s.max[i] = target ? target.MaxCapacity : null;
          s.override[i] = target && byBallast ? target.MinCapacity : null;
        }
      }
      for (const group of rw.autoscaling.groups()) {
        const g = this.groupSeries(region, group.name, group.cluster ?? null);
        let inService = 0;
        let launching = 0;
        let drainingHosts = 0;
        let waiting = 0;
        for (const host of group.instances.values()) {
          if (host.lifecycleState === 'Terminated') continue;
          const isDraining = draining.has(host.id);
          if (isDraining) drainingHosts++;
          else if (host.lifecycleState === 'InService') inService++;
          if (LAUNCHING.has(host.lifecycleState)) launching++;
          if (WAITING.has(host.lifecycleState)) waiting++;
        }
        g.desired[i] = group.desiredCapacity;
        g.inService[i] = inService;
        g.launching[i] = launching;
        g.draining[i] = drainingHosts;
        g.waiting[i] = waiting;
      }
    }
    for (const record of this.cloud.config.dns?.records ?? []) {
      const clients = world.route53.regionShares(record.name);
      const records = world.route53.authoritativeShares(record.name);
      if (clients.size === 0 && records.size === 0 && !this.traffic.has(record.name)) continue;
      const series = this.trafficSeries(record.name);
      for (const region of new Set([...clients.keys(), ...records.keys()])) {
        let r = series.regions.find((x) => x.region === region);
        if (!r) {
          r = { region, clients: [], records: [] };
          series.regions.push(r);
          series.regions.sort((a, b) => a.region.localeCompare(b.region));
        }
      }
      for (const r of series.regions) {
        r.clients[i] = share(clients.get(r.region) ?? 0);
        r.records[i] = share(records.get(r.region) ?? 0);
      }
    }
  }

  private serviceSeries(region: string, cluster: string, service: string): ServiceSeries {
    const key = `${region}|${cluster}|${service}`;
    let s = this.services.get(key);
    if (!s) {
      const configured = this.cloud.config.regions[region]?.services.find(
        (c) => c.cluster === cluster && c.name === service,
      );
      s = {
        region,
        cluster,
        service,
        floor: configured?.floor ?? null,
        ceiling: configured?.ceiling ?? null,
        desired: [],
        running: [],
        pending: [],
        min: [],
        max: [],
        override: [],
      };
      this.services.set(key, s);
    }
    return s;
  }

  private groupSeries(region: string, group: string, cluster: string | null): GroupSeries {
    const key = `${region}|${group}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { region, group, cluster, desired: [], inService: [], launching: [], draining: [], waiting: [] };
      this.groups.set(key, g);
    }
    return g;
  }

  private trafficSeries(record: string): TrafficShareSeries {
    let s = this.traffic.get(record);
    if (!s) {
      s = { record, regions: [] };
      this.traffic.set(record, s);
    }
    return s;
  }

  /** The sampled series, every array as long as `t` (holes filled with null), plus requests per minute. */
  series(): RunSeries {
    const n = this.t.length;
    const full = (values: Values): Values => Array.from({ length: n }, (_, i) => values[i] ?? null);
    const byRegion = new Map<string, { served: Values; failed: Values }>();
    for (const region of this.cloud.world.regions.keys())
      byRegion.set(region, { served: new Array(n).fill(null), failed: new Array(n).fill(null) });
    const index = new Map(this.t.map((t, i) => [t, i]));
    for (const m of this.cloud.world.traffic.perMinute()) {
      // The minute that starts when the run ends holds only the last tick: it is not part of the run.
      if (m.minute * 60_000 >= this.durationMs) continue;
      const i = index.get(m.minute * 60);
      const r = byRegion.get(m.region);
      if (i === undefined || !r) continue;
      r.served[i] = m.total - m.failed;
      r.failed[i] = m.failed;
    }
    // A minute the traffic model saw no request in (none offered) counts as zero, except the one still open.
    for (const r of byRegion.values()) {
      for (let i = 0; i < n - 1; i++) {
        r.served[i] ??= 0;
        r.failed[i] ??= 0;
      }
    }
    const sorted = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
    return {
      t: [...this.t],
      requests: [...byRegion]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([region, r]) => ({ region, served: r.served, failed: r.failed })),
      services: sorted(this.services).map((s) => ({
        ...s,
        desired: full(s.desired),
        running: full(s.running),
        pending: full(s.pending),
        min: full(s.min),
        max: full(s.max),
        override: full(s.override),
      })),
      groups: sorted(this.groups).map((g) => ({
        ...g,
        desired: full(g.desired),
        inService: full(g.inService),
        launching: full(g.launching),
        draining: full(g.draining),
        waiting: full(g.waiting),
      })),
      traffic: sorted(this.traffic).map((s) => ({
        record: s.record,
        regions: s.regions.map((r) => ({ region: r.region, clients: full(r.clients), records: full(r.records) })),
      })),
    };
  }
}

function share(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** Timeline kinds that become markers: what the scenario did, and every line Ballast wrote (`ballast…`). */
export function isMarkerKind(kind: string): boolean {
  return kind === 'incident' || kind.startsWith('ballast');
}

type Timeline = ReadonlyArray<{ t: number; region: string; kind: string; detail: string }>;

/**
 * Markers: every Step Functions execution, and every timeline line of a marker kind (Ballast's events on
 * the bus, incidents). An execution links to the first line of its region, from a minute before its start
 * to its end, that names the most specific thing its input names (an instance id before a group name):
 * what started it or what it acted on; failing that, the last line of its region at or before its start.
 */
export function markersOf(cloud: LocalCloud, timeline: Timeline): Marker[] {
  const world = cloud.world;
  const markers: Marker[] = [];
  timeline.forEach((line, index) => {
    if (isMarkerKind(line.kind))
      markers.push({ t: line.t, region: line.region, kind: line.kind, label: line.detail, line: index });
  });
  for (const e of cloud.sfn.executions) {
    const t = world.elapsedSeconds(e.startDate);
    const until = e.stopDate === undefined ? null : world.elapsedSeconds(e.stopDate);
    markers.push({
      t,
      until,
      region: e.region,
      kind: 'execution',
      label: `${e.stateMachineName} ${e.status}: ${e.name}`,
      line: lineOfExecution(timeline, e.region, e.input, t, until ?? Number.POSITIVE_INFINITY),
    });
  }
  return markers.sort((a, b) => a.t - b.t || (a.line ?? -1) - (b.line ?? -1) || a.label.localeCompare(b.label));
}

function lineOfExecution(
  timeline: Timeline,
  region: string,
  input: string,
  from: number,
  until: number,
): number | null {
  const window: number[] = [];
  let before: number | null = null;
  for (let i = 0; i < timeline.length; i++) {
    const line = timeline[i]!;
    if (line.t > until) break;
    if (line.region !== region) continue;
    if (line.t <= from) before = i;
    if (line.t >= from - 60) window.push(i);
  }
  // The most specific name first: an instance id says more than the group's name.
  for (const name of identifiersIn(input).sort((a, b) => b.length - a.length)) {
    const hit = window.find((i) => timeline[i]!.detail.includes(name));
    if (hit !== undefined) return hit;
  }
  return before;
}

/** String values of an execution's input that look like resource names (`i-0abc…`, `service/web/api`). */
function identifiersIn(input: string): string[] {
  const out: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > 6) return;
    if (typeof value === 'string') {
      if (/^[A-Za-z0-9][\w./:-]{7,}$/.test(value) && !/^\d{4}-\d{2}-\d{2}T/.test(value)) out.push(value);
    } else if (Array.isArray(value)) for (const v of value) visit(v, depth + 1);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) visit(v, depth + 1);
  };
  try {
    visit(JSON.parse(input), 0);
  } catch {
    // An input that is not JSON names nothing.
  }
  return out;
}

/** Requests per phase (and per region) from the traffic model's minute counts. */
export function phaseFigures(
  cloud: LocalCloud,
  phases: ReadonlyArray<{ name: string; from: number; until: number; handledBy?: string }>,
): PhaseFigures[] {
  const minutes = cloud.world.traffic.perMinute();
  return phases.map((phase) => {
    const requests = { total: 0, failed: 0 };
    const regions: Record<string, { total: number; failed: number }> = {};
    for (const m of minutes) {
      const at = m.minute * 60_000;
      if (at < phase.from || at >= phase.until) continue;
      requests.total += m.total;
      requests.failed += m.failed;
      regions[m.region] ??= { total: 0, failed: 0 };
      const r = regions[m.region]!;
      r.total += m.total;
      r.failed += m.failed;
    }
    return {
      name: phase.name,
      from: Math.round(phase.from / 1000),
      until: Math.round(phase.until / 1000),
      handledBy: phase.handledBy ?? null,
      requests,
      regions,
    };
  });
}
