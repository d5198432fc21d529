import { LIMITS } from '#config/limits.ts';
import { AwsError } from '../core/aws-error.ts';
import type { TimerHandle } from '../core/clock.ts';
import type { Kernel } from '../core/kernel.ts';
import type { Rng } from '../core/rng.ts';
import {
  type EndpointProbe,
  effectiveHealth,
  type HealthCheck,
  type HealthCheckConfig,
  HealthChecker,
  type HealthCheckTarget,
  isWatcherCheck,
} from './health.ts';
import { answerShares, applyChangeBatch, type Change, normalizeName, type ResourceRecordSet } from './records.ts';

/**
 * Route 53, global: hosted zones and their record sets, changes that are PENDING until every
 * authoritative server has them (INSYNC), resolvers that keep the old answer up to the TTL, health checks
 * that steer answers without any API call, and a control plane (us-east-1) that can be impaired while
 * DNS answers and health checks keep working.
 */

export interface HostedZone {
  readonly id: string;
  readonly name: string;
  readonly callerReference: string;
  readonly comment?: string;
  records: ResourceRecordSet[];
  /** What the authoritative servers answer, per record name, over time (pushed when a change is INSYNC). */
  readonly published: Map<string, Array<{ at: number; sets: ResourceRecordSet[] }>>;
  pending?: ChangeRecord;
  /** Until when (ms) the zone's last change is still being processed: a new one is PriorRequestNotComplete. */
  processingUntil?: number;
  /** When the zone's latest change goes INSYNC: a later change never goes INSYNC before an earlier one. */
  lastInsyncAt?: number;
}

export interface ChangeRecord {
  readonly Id: string;
  Status: 'PENDING' | 'INSYNC';
  readonly SubmittedAt: Date;
  readonly Comment?: string;
  readonly zoneId: string;
  readonly insyncAt: number;
  readonly summary: string;
  readonly snapshot: Map<string, ResourceRecordSet[]>;
}

export interface ControlPlaneImpairment {
  /** Also fail reads (List*, Get*). @default false: only changes fail */
  readonly failReads?: boolean;
  readonly forMs?: number;
}

const PUBLISHED_KEPT_MS = 6 * 3600_000;
/** TTL assumed for alias records (an alias to a load balancer answers with a 60 s TTL). */
const ALIAS_TTL = 60;

export class Route53World {
  private readonly zones = new Map<string, HostedZone>();
  private readonly changes = new Map<string, ChangeRecord>();
  readonly healthChecks = new Map<string, HealthCheck>();
  private readonly checker: HealthChecker;
  private readonly rng: Rng;
  private impairment: { failReads: boolean; timer?: TimerHandle } | undefined;

  constructor(
    readonly kernel: Kernel,
    endpoints: EndpointProbe,
  ) {
    this.rng = kernel.rng.fork('route53');
    this.checker = new HealthChecker(kernel, this.healthChecks, endpoints);
  }

  // ---- Control-plane impairment ------------------------------------------------------------------

  get controlPlaneImpaired(): boolean {
    return this.impairment !== undefined;
  }

  /** The change API (and optionally reads) answers 503 ServiceUnavailable; DNS and health checks keep going. */
  impairControlPlane(options: ControlPlaneImpairment = {}): void {
    this.kernel.clock.cancel(this.impairment?.timer);
    this.impairment = { failReads: options.failReads ?? false };
    if (options.forMs !== undefined) {
      this.impairment.timer = this.kernel.clock.after(options.forMs, 'route53 restore', () =>
        this.restoreControlPlane(),
      );
    }
    this.kernel.note('global', 'route53', 'Route 53 control plane impaired: changes fail, DNS answers keep working');
  }

  restoreControlPlane(): void {
    if (!this.impairment) return;
    this.kernel.clock.cancel(this.impairment.timer);
    this.impairment = undefined;
    this.kernel.note('global', 'route53', 'Route 53 control plane restored');
  }

  /** Called by every operation: throws while the control plane is impaired. */
  checkControlPlane(read: boolean): void {
    if (this.impairment && (!read || this.impairment.failReads)) {
      throw new AwsError('ServiceUnavailable', 'Service Unavailable', 503);
    }
  }

  // ---- Zones and records -------------------------------------------------------------------------

  /** Creates a hosted zone with its SOA and NS records (for builders; there is no CreateHostedZone op). */
  createHostedZone(options: { name: string; id?: string; comment?: string; callerReference?: string }): HostedZone {
    const id = options.id ?? `Z${this.rng.hex(20).toUpperCase()}`;
    if (this.zones.has(id)) throw new Error(`hosted zone ${id} already exists`);
    const name = normalizeName(options.name);
    const servers = [1, 2, 3, 4].map(
      (i) =>
        `ns-${100 * i + this.rng.int(0, 99)}.awsdns-${this.rng.int(10, 63)}.${['com', 'net', 'org', 'co.uk'][i - 1]}.`,
    );
    const zone: HostedZone = {
      id,
      name,
      callerReference: options.callerReference ?? `ballast-${id}`,
      comment: options.comment,
      records: [
        { Name: name, Type: 'NS', TTL: 172800, ResourceRecords: servers.map((Value) => ({ Value })) },
        {
          Name: name,
          Type: 'SOA',
          TTL: 900,
          ResourceRecords: [{ Value: `${servers[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400` }],
        },
      ],
      published: new Map(),
    };
    this.zones.set(id, zone);
    this.publish(zone, zone.records, this.kernel.now());
    return zone;
  }

  zone(idOrPath: string): HostedZone | undefined {
    return this.zones.get(bareId(idOrPath, 'hostedzone'));
  }

  allZones(): HostedZone[] {
    return [...this.zones.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  requireZone(idOrPath: string | undefined): HostedZone {
    const zone = idOrPath ? this.zone(idOrPath) : undefined;
    if (!zone)
      throw new AwsError(
        'NoSuchHostedZone',
        `No hosted zone found with ID: ${idOrPath ? bareId(idOrPath, 'hostedzone') : ''}`,
        404,
      );
    return zone;
  }

  /** Writes record sets and publishes them at once, already INSYNC (for builders and scenario set-up). */
  putRecordSetsNow(zoneId: string, sets: ResourceRecordSet[]): void {
    const zone = this.requireZone(zoneId);
    const changes: Change[] = sets.map((rs) => ({ Action: 'UPSERT', ResourceRecordSet: rs }));
    zone.records = applyChangeBatch(zone.records, changes, zone.name, (id) => this.healthChecks.has(id));
    this.publish(zone, zone.records, this.kernel.now(), new Set(sets.map((rs) => normalizeName(rs.Name))));
  }

  /** ChangeResourceRecordSets: validated all or nothing; PENDING until INSYNC within about a minute. */
  changeResourceRecordSets(zoneId: string | undefined, changes: Change[], comment?: string): ChangeRecord {
    this.checkControlPlane(false);
    const zone = this.requireZone(zoneId);
    // AWS returns PriorRequestNotComplete for a change that arrives before Route 53 has *processed* the previous
    // one for the zone, not while that one is PENDING propagation: back-to-back changes are normally accepted.
    const now = this.kernel.now();
    if (zone.processingUntil !== undefined && now < zone.processingUntil) {
      throw new AwsError(
        'PriorRequestNotComplete',
        'The request was rejected because Route 53 was still processing a prior request.',
        400,
      );
    }
    const records = applyChangeBatch(zone.records, changes, zone.name, (id) => this.healthChecks.has(id));
    zone.records = records;
    const names = new Set(changes.map((c) => normalizeName(c.ResourceRecordSet?.Name ?? '')));
    const snapshot = new Map([...names].map((name) => [name, records.filter((rs) => rs.Name === name)]));
    zone.processingUntil = now + LIMITS.route53ChangeProcessingSeconds * 1000;
    const change = this.newChange(zone.id, summarize(changes), snapshot, comment);
    zone.pending = change;
    return change;
  }

  /** A change that is PENDING until every authoritative server has it: within about a minute. */
  private newChange(
    zoneId: string,
    summary: string,
    snapshot: Map<string, ResourceRecordSet[]>,
    comment?: string,
  ): ChangeRecord {
    const now = this.kernel.now();
    const delay = Math.min(
      LIMITS.route53PropagationSeconds,
      Math.round(LIMITS.route53PropagationSeconds * (0.4 + 0.6 * this.rng.next())),
    );
    const change: ChangeRecord = {
      Id: `C${this.rng.hex(13).toUpperCase()}`,
      Status: 'PENDING',
      SubmittedAt: new Date(now),
      Comment: comment,
      zoneId,
      // Changes to one zone go INSYNC in the order they were made (a later snapshot is never overwritten).
      insyncAt: Math.max(now + delay * 1000, this.zones.get(zoneId)?.lastInsyncAt ?? 0),
      summary,
      snapshot,
    };
    this.changes.set(change.Id, change);
    const zone = this.zones.get(zoneId);
    if (zone) zone.lastInsyncAt = change.insyncAt;
    this.kernel.clock.schedule(change.insyncAt, `route53 ${change.Id} INSYNC`, () => this.insync(change));
    return change;
  }

  /** CreateHostedZone: a new public zone (SOA and NS), its creation a change like any other. */
  createHostedZoneViaApi(name: string, callerReference: string, comment?: string) {
    this.checkControlPlane(false);
    if ([...this.zones.values()].some((z) => z.callerReference === callerReference)) {
      throw new AwsError(
        'HostedZoneAlreadyExists',
        `A hosted zone has already been created with the specified caller reference: ${callerReference}`,
        409,
      );
    }
    const zone = this.createHostedZone({ name, callerReference, comment });
    return { zone, change: this.newChange(zone.id, `CREATE zone ${zone.name}`, new Map(), comment) };
  }

  /** DeleteHostedZone: only a zone holding nothing but its SOA and NS records. */
  deleteHostedZone(idOrPath: string | undefined): ChangeRecord {
    this.checkControlPlane(false);
    const zone = this.requireZone(idOrPath);
    if (zone.records.some((rs) => !(rs.Name === zone.name && (rs.Type === 'SOA' || rs.Type === 'NS')))) {
      throw new AwsError(
        'HostedZoneNotEmpty',
        'The specified hosted zone contains non-required resource record sets and so cannot be deleted.',
        400,
      );
    }
    this.zones.delete(zone.id);
    return this.newChange(zone.id, `DELETE zone ${zone.name}`, new Map());
  }

  private insync(change: ChangeRecord): void {
    change.Status = 'INSYNC';
    const zone = this.zones.get(change.zoneId);
    if (!zone) return;
    if (zone.pending === change) zone.pending = undefined;
    for (const [name, sets] of change.snapshot) this.pushVersion(zone, name, sets, this.kernel.now());
    this.kernel.note('global', 'route53', `change ${change.Id} INSYNC: ${change.summary}`);
  }

  change(id: string): ChangeRecord {
    const change = this.changes.get(bareId(id, 'change'));
    if (!change) throw new AwsError('NoSuchChange', `Could not find resource with ID: ${bareId(id, 'change')}`, 404);
    return change;
  }

  private publish(zone: HostedZone, records: ResourceRecordSet[], at: number, only?: Set<string>): void {
    const names = new Set(records.map((rs) => rs.Name));
    for (const name of only ?? names)
      this.pushVersion(
        zone,
        name,
        records.filter((rs) => rs.Name === name),
        at,
      );
  }

  private pushVersion(zone: HostedZone, name: string, sets: ResourceRecordSet[], at: number): void {
    const versions = zone.published.get(name) ?? [];
    versions.push({ at, sets: structuredClone(sets) });
    while (versions.length > 2 && versions[1]!.at < at - PUBLISHED_KEPT_MS) versions.shift();
    zone.published.set(name, versions);
  }

  // ---- DNS answers -------------------------------------------------------------------------------

  /** The zone whose name is the longest suffix of `name`. */
  private zoneFor(name: string): HostedZone | undefined {
    let best: HostedZone | undefined;
    for (const zone of this.zones.values()) {
      if ((name === zone.name || name.endsWith(`.${zone.name}`)) && (!best || zone.name.length > best.name.length))
        best = zone;
    }
    return best;
  }

  /** What the authoritative servers answer for `recordName` at `at`: share per region (no caching). */
  authoritativeShares(recordName: string, at = this.kernel.now()): Map<string, number> {
    const name = normalizeName(recordName);
    const versions = this.zoneFor(name)?.published.get(name);
    const version = versions ? versionAt(versions, at) : undefined;
    return version ? this.answerAt(version.sets, at) : new Map();
  }

  /**
   * The fraction of clients that resolve `recordName` to each region right now. Resolvers hold an answer
   * for the TTL and their cache expiries are spread evenly over it, so what clients see is the mean of the
   * authoritative answer over the last TTL: a change moves the shares linearly during one TTL after
   * INSYNC. Regions come from SetIdentifier (Ballast names weighted records after their region) or from a
   * region name in the record's value. Unknown record: empty map.
   */
  regionShares(recordName: string): Map<string, number> {
    const name = normalizeName(recordName);
    const versions = this.zoneFor(name)?.published.get(name);
    const now = this.kernel.now();
    const current = versions ? versionAt(versions, now) : undefined;
    if (!versions || !current) return new Map();
    const ttl = ttlOf(current.sets) * 1000;
    const from = now - ttl;
    const points = new Set<number>([from]);
    const ids = new Set<string>();
    for (const v of versions) {
      if (v.at > from && v.at < now) points.add(v.at);
      for (const rs of v.sets) if (rs.HealthCheckId) ids.add(rs.HealthCheckId);
    }
    for (const id of ids) {
      for (const entry of this.healthChecks.get(id)?.history ?? [])
        if (entry.at > from && entry.at < now) points.add(entry.at);
    }
    const cuts = [...points].sort((a, b) => a - b);
    const total = new Map<string, number>();
    let covered = 0;
    cuts.forEach((start, i) => {
      const end = cuts[i + 1] ?? now;
      const version = versionAt(versions, start);
      if (!version || end <= start) return;
      covered += end - start;
      for (const [region, share] of this.answerAt(version.sets, start))
        total.set(region, (total.get(region) ?? 0) + share * (end - start));
    });
    if (covered === 0) return this.answerAt(current.sets, now);
    return new Map([...total].map(([region, weight]) => [region, weight / covered]));
  }

  private answerAt(sets: ResourceRecordSet[], at: number): Map<string, number> {
    return answerShares(
      sets,
      (id) => {
        const check = this.healthChecks.get(id);
        return check ? this.checker.healthyAt(check, at) : true;
      },
      (rs) => this.regionOf(rs),
    );
  }

  /** The region a record set points at: its SetIdentifier when that is a region, else a region in its value. */
  regionOf(rs: ResourceRecordSet): string {
    const regions = [...this.kernel.regionNames].sort((a, b) => b.length - a.length);
    if (rs.SetIdentifier && this.kernel.hasRegion(rs.SetIdentifier)) return rs.SetIdentifier;
    const text = [
      rs.SetIdentifier ?? '',
      rs.AliasTarget?.DNSName ?? '',
      ...(rs.ResourceRecords ?? []).map((r) => r.Value),
    ].join(' ');
    return regions.find((r) => text.includes(r)) ?? rs.SetIdentifier ?? 'unknown';
  }

  // ---- Health checks -----------------------------------------------------------------------------

  createHealthCheck(callerReference: string, config: HealthCheckConfig, target?: HealthCheckTarget): HealthCheck {
    const existing = [...this.healthChecks.values()].find((c) => c.CallerReference === callerReference);
    if (existing) {
      if (JSON.stringify(existing.HealthCheckConfig) === JSON.stringify(withDefaults(config))) return existing;
      throw new AwsError(
        'HealthCheckAlreadyExists',
        `A health check with caller reference ${callerReference} already exists with a different configuration.`,
        409,
      );
    }
    const full = withDefaults(config);
    this.validateWatcher(full);
    if (![10, 30].includes(full.RequestInterval ?? 30))
      throw new AwsError('InvalidInput', 'RequestInterval must be 10 or 30');
    if ((full.FailureThreshold ?? 3) < 1 || (full.FailureThreshold ?? 3) > 10) {
      throw new AwsError('InvalidInput', 'FailureThreshold must be between 1 and 10');
    }
    const id = uuid(this.rng);
    const resolved = target ?? {
      region: this.regionIn(`${full.FullyQualifiedDomainName ?? ''} ${full.ResourcePath ?? ''}`),
    };
    const now = this.kernel.now();
    const check: HealthCheck = {
      Id: id,
      CallerReference: callerReference,
      HealthCheckConfig: full,
      HealthCheckVersion: 1,
      target: resolved,
      measured: true,
      streak: 0,
      lastProbe: true,
      lastCheckedAt: now,
      history: [],
    };
    check.measured = this.checker.probe(check);
    check.lastProbe = check.measured;
    check.history.push({ at: now, healthy: effectiveHealth(check) });
    this.healthChecks.set(id, check);
    this.checker.ensureTicking();
    return check;
  }

  /** A CLOUDWATCH_METRIC check names an alarm in a known region; a CALCULATED one existing children. */
  private validateWatcher(config: HealthCheckConfig): void {
    if (config.Type === 'CLOUDWATCH_METRIC') {
      const alarm = config.AlarmIdentifier;
      if (!alarm?.Name || !alarm.Region)
        throw new AwsError('InvalidInput', 'AlarmIdentifier (Region and Name) is required for CLOUDWATCH_METRIC');
      if (!this.kernel.hasRegion(alarm.Region))
        throw new AwsError('InvalidInput', `AlarmIdentifier.Region ${alarm.Region} is not a region of this cloud`);
      const status = config.InsufficientDataHealthStatus;
      if (status !== undefined && !['Healthy', 'Unhealthy', 'LastKnownStatus'].includes(status))
        throw new AwsError(
          'InvalidInput',
          'InsufficientDataHealthStatus must be Healthy, Unhealthy or LastKnownStatus',
        );
    }
    if (config.Type === 'CALCULATED') {
      const children = config.ChildHealthChecks ?? [];
      if (children.length > 256) throw new AwsError('InvalidInput', 'ChildHealthChecks can hold at most 256 checks');
      const missing = children.filter((id) => !this.healthChecks.has(id));
      if (missing.length > 0)
        throw new AwsError('NoSuchHealthCheck', `A health check with id ${missing[0]} does not exist.`, 404);
      const threshold = config.HealthThreshold ?? 0;
      if (!Number.isInteger(threshold) || threshold < 0 || threshold > 256)
        throw new AwsError('InvalidInput', 'HealthThreshold must be between 0 and 256');
    }
  }

  healthCheck(id: string | undefined): HealthCheck {
    const check = id ? this.healthChecks.get(id) : undefined;
    if (!check) throw new AwsError('NoSuchHealthCheck', `A health check with id ${id ?? ''} does not exist.`, 404);
    return check;
  }

  /** Inverted, Disabled, FailureThreshold and the endpoint fields; HealthCheckVersion guards concurrent edits. */
  updateHealthCheck(
    id: string | undefined,
    update: Partial<HealthCheckConfig> & { HealthCheckVersion?: number },
  ): HealthCheck {
    this.checkControlPlane(false);
    const check = this.healthCheck(id);
    if (update.HealthCheckVersion !== undefined && update.HealthCheckVersion !== check.HealthCheckVersion) {
      throw new AwsError(
        'HealthCheckVersionMismatch',
        `The value of HealthCheckVersion in the request (${update.HealthCheckVersion}) doesn't match the current version (${check.HealthCheckVersion}).`,
        409,
      );
    }
    const { HealthCheckVersion: _version, ...fields } = update;
    const defined = Object.fromEntries(
      Object.entries(fields).filter(([, v]) => v !== undefined),
    ) as Partial<HealthCheckConfig>;
    if (defined.FailureThreshold !== undefined && (defined.FailureThreshold < 1 || defined.FailureThreshold > 10)) {
      throw new AwsError('InvalidInput', 'FailureThreshold must be between 1 and 10');
    }
    const before = effectiveHealth(check);
    const wasDisabled = check.HealthCheckConfig.Disabled;
    check.HealthCheckConfig = { ...check.HealthCheckConfig, ...defined };
    check.HealthCheckVersion++;
    if (wasDisabled && !check.HealthCheckConfig.Disabled) {
      // Re-enabled: checkers start over from what they find now.
      check.measured = this.checker.probe(check);
      check.streak = 0;
    }
    this.checker.recordIfChanged(check, before);
    return check;
  }

  deleteHealthCheck(id: string | undefined): void {
    this.checkControlPlane(false);
    const check = this.healthCheck(id);
    const used = [...this.zones.values()].some((z) => z.records.some((rs) => rs.HealthCheckId === check.Id));
    if (used)
      throw new AwsError(
        'HealthCheckInUse',
        `The health check ${check.Id} is still referenced from a resource record set.`,
        400,
      );
    this.healthChecks.delete(check.Id);
  }

  /** Forces what checkers find at the endpoint (true/false), or back to the region's real state. */
  setHealthCheckOverride(id: string, healthy: boolean | undefined): void {
    const check = this.healthCheck(id);
    check.override = healthy;
  }

  /** Effective health right now (Inverted and Disabled applied). */
  isHealthy(id: string): boolean {
    return effectiveHealth(this.healthCheck(id));
  }

  observations(id: string | undefined): Array<Record<string, unknown>> {
    return this.checker.observations(this.healthCheck(id));
  }

  private regionIn(text: string): string | undefined {
    return [...this.kernel.regionNames].sort((a, b) => b.length - a.length).find((r) => text.includes(r));
  }
}

function withDefaults(config: HealthCheckConfig): HealthCheckConfig {
  if (isWatcherCheck(config)) {
    const out: HealthCheckConfig = {
      ...config,
      Inverted: config.Inverted ?? false,
      Disabled: config.Disabled ?? false,
    };
    if (config.Type === 'CLOUDWATCH_METRIC')
      out.InsufficientDataHealthStatus = config.InsufficientDataHealthStatus ?? 'LastKnownStatus';
    return out;
  }
  return {
    ...config,
    RequestInterval: config.RequestInterval ?? 30,
    FailureThreshold: config.FailureThreshold ?? 3,
    MeasureLatency: config.MeasureLatency ?? false,
    Inverted: config.Inverted ?? false,
    Disabled: config.Disabled ?? false,
    EnableSNI: config.EnableSNI ?? config.Type === 'HTTPS',
  };
}

/** 'Z123', '/hostedzone/Z123' and 'hostedzone/Z123' all name the zone Z123. */
export function bareId(id: string, kind: 'hostedzone' | 'change' | 'healthcheck'): string {
  return id.replace(new RegExp(`^/?${kind}/`), '');
}

function versionAt<T extends { at: number }>(versions: readonly T[], at: number): T | undefined {
  let found: T | undefined;
  for (const v of versions) {
    if (v.at > at) break;
    found = v;
  }
  return found;
}

function ttlOf(sets: readonly ResourceRecordSet[]): number {
  return sets.reduce((max, rs) => Math.max(max, rs.TTL ?? ALIAS_TTL), 0) || ALIAS_TTL;
}

function summarize(changes: Change[]): string {
  const shown = changes.slice(0, 3).map((c) => {
    const rs = c.ResourceRecordSet;
    const id = rs?.SetIdentifier ? ` [${rs.SetIdentifier}]` : '';
    const weight = rs?.Weight !== undefined ? ` weight ${rs.Weight}` : rs?.Failover ? ` ${rs.Failover}` : '';
    return `${c.Action} ${normalizeName(rs?.Name ?? '')}${id}${weight}`;
  });
  return shown.join('; ') + (changes.length > 3 ? `; +${changes.length - 3} more` : '');
}

function uuid(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-b${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
