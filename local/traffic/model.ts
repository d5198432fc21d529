import type { TimerHandle } from '../core/clock.ts';
import type { Kernel } from '../core/kernel.ts';

/**
 * The requests that flow through the fleet, evaluated every 10 s of virtual time.
 *
 * Each service has a base rate (requests per second) that scenarios can surge. A service with a DNS `record`
 * shares one pool of clients with the same record in other regions: each region gets the share Route 53
 * sends it right now (`world.route53.regionShares`); when Route 53 knows nothing of the record, every region
 * keeps its own base rate. Requests spread evenly over the targets the load balancer considers healthy.
 *
 * A request fails when the region is down, when there is no healthy target, when it reaches a target that is
 * registered but dead, or when the live targets are over capacity (the excess fails). Each healthy target
 * also holds long-lived connections; they are cut (one failed request each) when the task stops or dies
 * before its deregistration delay ran out. A **gray failure** makes a share of the requests that live targets
 * serve fail (answered 5xx by the application) while every health check keeps passing: the tasks run, the load
 * balancer and Route 53 see nothing wrong.
 *
 * Per service and minute it also keeps what the load balancer in front of it counts (requests, target 5xx,
 * load balancer 5xx, response times), which `local/elb/metrics.ts` publishes as AWS/ApplicationELB metrics.
 * Response time grows with utilization (a queue): `BASE_RESPONSE_S / (1 − min(u, 0.95))` for most requests,
 * a slow tail `TAIL_FACTOR` times that for `TAIL_SHARE` of them.
 */
export const TRAFFIC_TICK_MS = 10_000;

export interface ServiceTrafficOptions {
  /** Requests per second offered to this service in this region. @default 0 */
  readonly baseRps?: number;
  /** Requests per second one task serves. @default 100 */
  readonly rpsPerTask?: number;
  /** Long-lived connections each healthy task holds. @default 20 */
  readonly connectionsPerTask?: number;
  /** The DNS name clients use: the region's share comes from Route 53. */
  readonly record?: string;
}

/** Median response time of a target at no load (seconds). */
export const BASE_RESPONSE_S = 0.04;
/** The slow tail: this share of requests take TAIL_FACTOR times the median (so p99 is in the tail). */
export const TAIL_SHARE = 0.02;
export const TAIL_FACTOR = 2.5;

interface ServiceTraffic {
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  baseRps: number;
  rpsPerTask: number;
  connectionsPerTask: number;
  record: string | undefined;
}

export interface Surge {
  readonly region: string;
  readonly factor: number;
  readonly from: number;
  readonly until: number;
}

export interface RequestCounts {
  total: number;
  failed: number;
}

export interface MinuteCounts {
  readonly region: string;
  /** Minutes since the world started. */
  readonly minute: number;
  readonly total: number;
  readonly failed: number;
}

type FailureCause =
  | 'region down'
  | 'no healthy target'
  | 'dead targets'
  | 'overload'
  | 'cut connections'
  | 'gray failure';

/** What a load balancer counts of one service in one minute (requests that reached it). */
export interface ServiceMinute {
  requests: number;
  /** Answered 5xx by a target (the application failed: a gray failure). */
  target5xx: number;
  /** Answered 5xx by the load balancer itself (no healthy target, dead target, overload, cut connection). */
  elb5xx: number;
  /** Response times of the served requests: seconds → request count. */
  readonly responseTimes: Map<number, number>;
}

interface MinuteBucket {
  total: number;
  failed: number;
  readonly causes: Map<FailureCause, number>;
}

/**
 * What the traffic model reads of the services it sends requests to, and all it reads: each service's
 * running tasks and target groups (ECS), the targets that receive new requests (Elastic Load Balancing) and
 * where clients' DNS answers send them (Route 53).
 */
export interface TrafficSources {
  service(
    region: string,
    cluster: string,
    service: string,
  ): { readonly runningCount: number; readonly targetGroups: readonly { readonly name: string }[] } | undefined;
  servingTargets(region: string, groupName: string): Iterable<{ readonly dead: boolean }>;
  /** The share of the record's answers per region that clients hold now; empty when Route 53 has no record. */
  regionShares(record: string): Map<string, number>;
}

export class TrafficModel {
  private readonly services = new Map<string, ServiceTraffic>();
  /** Keys of the services behind each record, in declaration order; rebuilt after `configure`. */
  private byRecord: Map<string, string[]> | undefined;
  private readonly surges: Surge[] = [];
  private readonly counts: RequestCounts = { total: 0, failed: 0 };
  private readonly regionCounts = new Map<string, RequestCounts>();
  /** region → minute index → counts. */
  private readonly minutes = new Map<string, Map<number, MinuteBucket>>();
  /** region|cluster|service → minute index → what its load balancer counted. */
  private readonly serviceMinutes = new Map<string, Map<number, ServiceMinute>>();
  /** region → the share of requests that live targets fail (gray failure). */
  private readonly gray = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private lastMinute = 0;

  constructor(
    readonly kernel: Kernel,
    private readonly sources: TrafficSources,
  ) {}

  /** Declares (or updates) the traffic of one service in one region. */
  configure(region: string, cluster: string, service: string, options: ServiceTrafficOptions): void {
    const key = keyOf(region, cluster, service);
    const existing = this.services.get(key);
    this.services.set(key, {
      region,
      cluster,
      service,
      baseRps: options.baseRps ?? existing?.baseRps ?? 0,
      rpsPerTask: options.rpsPerTask ?? existing?.rpsPerTask ?? 100,
      connectionsPerTask: options.connectionsPerTask ?? existing?.connectionsPerTask ?? 20,
      record: options.record ?? existing?.record,
    });
    this.byRecord = undefined;
    this.start();
  }

  setBaseRate(region: string, cluster: string, service: string, rps: number): void {
    this.configure(region, cluster, service, { baseRps: rps });
  }

  /** Multiplies the offered load in `region` (or every region with '*') by `factor` between the instants. */
  surge(region: string, factor: number, fromMs: number, untilMs: number): void {
    this.surges.push({ region, factor, from: fromMs, until: untilMs });
  }

  /**
   * A gray failure in `region`: from now on `share` (0–1) of the requests its live targets serve fail with a
   * 5xx from the application, while the tasks keep running and every health check keeps passing. 0 ends it.
   */
  grayFailure(region: string, share: number): void {
    if (!Number.isFinite(share) || share < 0 || share > 1)
      throw new Error(`gray failure share must be between 0 and 1, got ${share}`);
    if (share === 0) this.gray.delete(region);
    else this.gray.set(region, share);
    this.kernel.note(
      region,
      'gray-failure',
      share === 0
        ? 'gray failure over: requests succeed again'
        : `gray failure: ${Math.round(share * 100)}% of requests fail while health checks pass`,
    );
  }

  /** The gray failure share of a region now (0: none). */
  grayShare(region: string): number {
    return this.gray.get(region) ?? 0;
  }

  /** What the load balancer in front of the service counted in minute `minute` (undefined: no requests). */
  serviceMinute(region: string, cluster: string, service: string, minute: number): ServiceMinute | undefined {
    return this.serviceMinutes.get(keyOf(region, cluster, service))?.get(minute);
  }

  /**
   * What the load balancer counted for target group `group` of `region` in the minute starting at `at`: the
   * services whose requests go to that group (their first target group), summed. Undefined: no requests.
   */
  groupMinute(region: string, group: string, at: number): ServiceMinute | undefined {
    const minute = this.minuteOf(at);
    let out: ServiceMinute | undefined;
    for (const entry of this.services.values()) {
      if (entry.region !== region) continue;
      if (this.sources.service(region, entry.cluster, entry.service)?.targetGroups[0]?.name !== group) continue;
      const m = this.serviceMinutes.get(keyOf(region, entry.cluster, entry.service))?.get(minute);
      if (!m) continue;
      out ??= { requests: 0, target5xx: 0, elb5xx: 0, responseTimes: new Map() };
      out.requests += m.requests;
      out.target5xx += m.target5xx;
      out.elb5xx += m.elb5xx;
      for (const [v, n] of m.responseTimes) out.responseTimes.set(v, (out.responseTimes.get(v) ?? 0) + n);
    }
    return out;
  }

  /** Minutes since the world started at `at`. */
  minuteOf(at: number): number {
    return Math.floor((at - this.kernel.startMs) / 60_000);
  }

  /** Requests per second offered to the service in the region right now. */
  offeredRps(region: string, cluster: string, service: string): number {
    const entry = this.services.get(keyOf(region, cluster, service));
    if (!entry) return 0;
    if (entry.record === undefined) return this.ownRate(entry);
    return this.recordLoads(entry.record).get(region) ?? 0;
  }

  /** Offered load over healthy serving capacity: 0 with no load, above 1 when overloaded (at most 10). */
  utilization(region: string, cluster: string, service: string): number {
    const offered = this.offeredRps(region, cluster, service);
    if (offered <= 0) return 0;
    const entry = this.services.get(keyOf(region, cluster, service));
    const capacity = this.serving(region, cluster, service).alive * (entry?.rpsPerTask ?? 100);
    if (capacity <= 0) return 10;
    return Math.min(10, offered / capacity);
  }

  /** Called by the load balancer: `targets` targets of the service lost their open connections. */
  connectionsCut(region: string, cluster: string, service: string, targets: number): void {
    const entry = this.services.get(keyOf(region, cluster, service));
    if (!entry || targets <= 0) return;
    const cut = entry.connectionsPerTask * targets;
    this.count(region, cut, cut, 'cut connections');
    const m = this.serviceBucket(entry);
    m.requests += cut;
    m.elb5xx += cut;
  }

  totals(): RequestCounts {
    return { total: Math.round(this.counts.total), failed: Math.round(this.counts.failed) };
  }

  byRegion(): Record<string, RequestCounts> {
    const out: Record<string, RequestCounts> = {};
    for (const [region, c] of this.regionCounts)
      out[region] = { total: Math.round(c.total), failed: Math.round(c.failed) };
    return out;
  }

  /** Counts per region and minute, oldest first. */
  perMinute(): MinuteCounts[] {
    const out: MinuteCounts[] = [];
    for (const [region, buckets] of this.minutes) {
      for (const [minute, b] of buckets)
        out.push({ region, minute, total: Math.round(b.total), failed: Math.round(b.failed) });
    }
    return out.sort((a, b) => a.minute - b.minute || a.region.localeCompare(b.region));
  }

  /** The fraction of requests that failed in the last `minutes` minutes of a region (0 with no traffic). */
  errorRate(region: string, minutes = 1): number {
    const buckets = this.minutes.get(region);
    if (!buckets) return 0;
    const now = this.minuteOf(this.kernel.now());
    let total = 0;
    let failed = 0;
    for (let m = now - minutes; m <= now; m++) {
      const b = buckets.get(m);
      if (b) {
        total += b.total;
        failed += b.failed;
      }
    }
    return total > 0 ? failed / total : 0;
  }

  // ---- evaluation -------------------------------------------------------------------------------------

  private start(): void {
    if (this.timer) return;
    const loop = () => {
      this.timer = this.kernel.clock.after(TRAFFIC_TICK_MS, 'traffic tick', () => {
        this.evaluate(TRAFFIC_TICK_MS / 1000);
        loop();
      });
    };
    loop();
  }

  private evaluate(dtSeconds: number): void {
    this.flushMinutes();
    const loads = new Map<string, number>();
    const pools = new Map<string, Map<string, number>>();
    for (const [key, entry] of this.services) {
      if (entry.record === undefined) {
        loads.set(key, this.ownRate(entry));
        continue;
      }
      let pool = pools.get(entry.record);
      if (!pool) {
        pool = this.recordLoads(entry.record);
        pools.set(entry.record, pool);
      }
      loads.set(key, pool.get(entry.region) ?? 0);
    }
    for (const [key, entry] of this.services) {
      const requests = (loads.get(key) ?? 0) * dtSeconds;
      if (requests > 0) this.serve(entry, requests, dtSeconds);
    }
    // Clients Route 53 sends to a region that has no such service fail too.
    for (const [record, pool] of pools) {
      for (const [region, rps] of pool) {
        const served = this.entriesOf(record).some((e) => e.region === region);
        if (!served && rps > 0) this.count(region, rps * dtSeconds, rps * dtSeconds, 'no healthy target');
      }
    }
  }

  private serve(entry: ServiceTraffic, requests: number, dtSeconds: number): void {
    const { region } = entry;
    if (this.kernel.isRegionDown(region)) {
      this.count(region, requests, requests, 'region down');
      return;
    }
    const m = this.serviceBucket(entry);
    m.requests += requests;
    const { alive, dead } = this.serving(region, entry.cluster, entry.service);
    const targets = alive + dead;
    if (targets === 0) {
      this.count(region, requests, requests, 'no healthy target');
      m.elb5xx += requests;
      return;
    }
    const toDead = (requests * dead) / targets;
    const toAlive = requests - toDead;
    const capacity = alive * entry.rpsPerTask * dtSeconds;
    const overload = Math.max(0, toAlive - capacity);
    const served = toAlive - overload;
    const grayFailed = served * (this.gray.get(region) ?? 0);
    this.count(region, requests, 0, 'overload');
    if (toDead > 0) this.count(region, 0, toDead, 'dead targets');
    if (overload > 0) this.count(region, 0, overload, 'overload');
    if (grayFailed > 0) this.count(region, 0, grayFailed, 'gray failure');
    m.elb5xx += toDead + overload;
    m.target5xx += grayFailed;
    if (served > 0) {
      const utilization = capacity > 0 ? toAlive / capacity : 1;
      const median = round3(BASE_RESPONSE_S / (1 - Math.min(utilization, 0.95)));
      const tail = round3(median * TAIL_FACTOR);
      m.responseTimes.set(median, (m.responseTimes.get(median) ?? 0) + served * (1 - TAIL_SHARE));
      m.responseTimes.set(tail, (m.responseTimes.get(tail) ?? 0) + served * TAIL_SHARE);
    }
  }

  private serviceBucket(entry: ServiceTraffic): ServiceMinute {
    const key = keyOf(entry.region, entry.cluster, entry.service);
    let minutes = this.serviceMinutes.get(key);
    if (!minutes) {
      minutes = new Map();
      this.serviceMinutes.set(key, minutes);
    }
    const minute = this.minuteOf(this.kernel.now());
    let bucket = minutes.get(minute);
    if (!bucket) {
      bucket = { requests: 0, target5xx: 0, elb5xx: 0, responseTimes: new Map() };
      minutes.set(minute, bucket);
      // A load balancer's metrics are read for the last minutes only: keep a day of them.
      minutes.delete(minute - 24 * 60);
    }
    return bucket;
  }

  /** Targets receiving new requests: from the service's first target group, or its running tasks. */
  private serving(region: string, cluster: string, service: string): { alive: number; dead: number } {
    const svc = this.sources.service(region, cluster, service);
    if (!svc) return { alive: 0, dead: 0 };
    const groupName = svc.targetGroups[0]?.name;
    if (groupName === undefined) return { alive: svc.runningCount, dead: 0 };
    let alive = 0;
    let dead = 0;
    for (const target of this.sources.servingTargets(region, groupName)) {
      if (target.dead) dead++;
      else alive++;
    }
    return { alive, dead };
  }

  private ownRate(entry: ServiceTraffic): number {
    return entry.baseRps * this.surgeFactor(entry.region);
  }

  /** The record's pooled clients, split by Route 53's current shares (or each region's own rate). */
  private recordLoads(record: string): Map<string, number> {
    const entries = this.entriesOf(record);
    const shares = this.regionShares(record);
    const out = new Map<string, number>();
    if (shares.size === 0) {
      for (const e of entries) out.set(e.region, (out.get(e.region) ?? 0) + this.ownRate(e));
      return out;
    }
    const pool = entries.reduce((sum, e) => sum + this.ownRate(e), 0);
    for (const [region, share] of shares) out.set(region, pool * share);
    return out;
  }

  /** The services clients reach through `record`, in the order they were declared. */
  private entriesOf(record: string): ServiceTraffic[] {
    if (!this.byRecord) {
      this.byRecord = new Map();
      for (const [key, entry] of this.services) {
        if (entry.record === undefined) continue;
        const keys = this.byRecord.get(entry.record) ?? [];
        keys.push(key);
        this.byRecord.set(entry.record, keys);
      }
    }
    return (this.byRecord.get(record) ?? []).flatMap((key) => {
      const entry = this.services.get(key);
      return entry ? [entry] : [];
    });
  }

  private regionShares(record: string): Map<string, number> {
    return this.sources.regionShares(record);
  }

  private surgeFactor(region: string): number {
    const now = this.kernel.now();
    let factor = 1;
    for (const s of this.surges)
      if ((s.region === '*' || s.region === region) && now >= s.from && now < s.until) factor *= s.factor;
    return factor;
  }

  // ---- counters -------------------------------------------------------------------------------------

  private count(region: string, total: number, failed: number, cause: FailureCause): void {
    this.counts.total += total;
    this.counts.failed += failed;
    let rc = this.regionCounts.get(region);
    if (!rc) {
      rc = { total: 0, failed: 0 };
      this.regionCounts.set(region, rc);
    }
    rc.total += total;
    rc.failed += failed;
    let buckets = this.minutes.get(region);
    if (!buckets) {
      buckets = new Map();
      this.minutes.set(region, buckets);
    }
    const minute = this.minuteOf(this.kernel.now());
    let bucket = buckets.get(minute);
    if (!bucket) {
      bucket = { total: 0, failed: 0, causes: new Map() };
      buckets.set(minute, bucket);
    }
    bucket.total += total;
    bucket.failed += failed;
    if (failed > 0) bucket.causes.set(cause, (bucket.causes.get(cause) ?? 0) + failed);
  }

  /** Writes one timeline line per region for each finished minute that had failures. */
  private flushMinutes(): void {
    const current = this.minuteOf(this.kernel.now());
    for (let minute = this.lastMinute; minute < current; minute++) {
      for (const [region, buckets] of [...this.minutes].sort(([a], [b]) => a.localeCompare(b))) {
        const b = buckets.get(minute);
        if (!b || b.failed < 0.5) continue;
        const causes = [...b.causes].map(([cause, n]) => `${cause} ${Math.round(n)}`).join(', ');
        this.kernel.note(
          region,
          'requests-failed',
          `${Math.round(b.failed)} of ${Math.round(b.total)} requests failed in minute ${minute} (${causes})`,
        );
      }
    }
    this.lastMinute = Math.max(this.lastMinute, current);
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function keyOf(region: string, cluster: string, service: string): string {
  return `${region}|${cluster}|${service}`;
}
