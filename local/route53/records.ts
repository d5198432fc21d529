import { LIMITS } from '#config/limits.ts';
import { AwsError } from '../core/aws-error.ts';

/**
 * Route 53 record sets: names, ordering, change-batch validation (all or nothing, in order, with AWS's
 * InvalidChangeBatch messages) and the answer a resolver gets for a name given the health of the records.
 */

export interface ResourceRecordSet {
  Name: string;
  Type: string;
  SetIdentifier?: string;
  Weight?: number;
  Region?: string;
  Failover?: 'PRIMARY' | 'SECONDARY';
  MultiValueAnswer?: boolean;
  TTL?: number;
  ResourceRecords?: Array<{ Value: string }>;
  AliasTarget?: { HostedZoneId: string; DNSName: string; EvaluateTargetHealth: boolean };
  HealthCheckId?: string;
}

export interface Change {
  Action?: string;
  ResourceRecordSet?: ResourceRecordSet;
}

/** Lower case with the trailing dot, as Route 53 stores and returns names. */
export function normalizeName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

export function recordKey(rs: Pick<ResourceRecordSet, 'Name' | 'Type' | 'SetIdentifier'>): string {
  return `${normalizeName(rs.Name)}|${rs.Type}|${rs.SetIdentifier ?? ''}`;
}

/** ListResourceRecordSets order: name with its labels reversed, then type, then set identifier. */
export function compareRecords(
  a: Pick<ResourceRecordSet, 'Name' | 'Type' | 'SetIdentifier'>,
  b: Pick<ResourceRecordSet, 'Name' | 'Type' | 'SetIdentifier'>,
): number {
  return (
    cmp(reversedLabels(a.Name), reversedLabels(b.Name)) ||
    cmp(a.Type, b.Type) ||
    cmp(a.SetIdentifier ?? '', b.SetIdentifier ?? '')
  );
}

function reversedLabels(name: string): string {
  return normalizeName(name).replace(/\.$/, '').split('.').reverse().join('.');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(rs: ResourceRecordSet): string {
  const id = rs.SetIdentifier !== undefined ? `, set-identifier='${rs.SetIdentifier}'` : '';
  return `[name='${normalizeName(rs.Name)}', type='${rs.Type}'${id}]`;
}

function changeLabel(action: string, rs: ResourceRecordSet): string {
  return `[Action=${action}, Name=${normalizeName(rs.Name)}, Type=${rs.Type}, SetIdentifier=${rs.SetIdentifier ?? 'null'}]`;
}

const TYPES = new Set(['A', 'AAAA', 'CAA', 'CNAME', 'DS', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'TXT']);

/**
 * Applies `changes` to a copy of `records` in order. Structural problems throw InvalidInput at once (as
 * AWS's request validation does); semantic ones are collected and thrown together as InvalidChangeBatch.
 */
export function applyChangeBatch(
  records: readonly ResourceRecordSet[],
  changes: readonly Change[],
  zoneName: string,
  healthCheckExists: (id: string) => boolean,
): ResourceRecordSet[] {
  if (changes.length === 0) {
    throw new AwsError(
      'InvalidInput',
      "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (changes.length > LIMITS.route53ChangesPerBatch) {
    throw new AwsError(
      'InvalidChangeBatch',
      `Number of changes in the batch (${changes.length}) exceeds the limit of ${LIMITS.route53ChangesPerBatch}`,
    );
  }
  const working = new Map(records.map((rs) => [recordKey(rs), rs]));
  const messages: string[] = [];
  const zone = normalizeName(zoneName);
  for (const change of changes) {
    const action = change.Action;
    const given = change.ResourceRecordSet;
    if (action !== 'CREATE' && action !== 'DELETE' && action !== 'UPSERT') {
      throw new AwsError(
        'InvalidInput',
        `Invalid request: Expected Action to be one of CREATE, DELETE, UPSERT but got ${action}`,
      );
    }
    if (!given?.Name || !given.Type) {
      throw new AwsError('InvalidInput', 'Invalid request: Missing field Name or Type in ResourceRecordSet');
    }
    if (!TYPES.has(given.Type))
      throw new AwsError('InvalidInput', `Invalid request: Unsupported record type ${given.Type}`);
    const rs: ResourceRecordSet = { ...given, Name: normalizeName(given.Name) };
    checkStructure(action, rs);
    if (rs.HealthCheckId !== undefined && !healthCheckExists(rs.HealthCheckId)) {
      throw new AwsError('NoSuchHealthCheck', `A health check with id ${rs.HealthCheckId} does not exist.`, 404);
    }
    if (rs.Name !== zone && !rs.Name.endsWith(`.${zone}`)) {
      messages.push(`RRSet with DNS name ${rs.Name} is not permitted in zone ${zone}`);
      continue;
    }
    if (
      rs.Weight !== undefined &&
      (!Number.isInteger(rs.Weight) || rs.Weight < LIMITS.route53WeightMin || rs.Weight > LIMITS.route53WeightMax)
    ) {
      messages.push(
        `Invalid request: Weight ${rs.Weight} of resource record set ${describe(rs)} must be an integer between ${LIMITS.route53WeightMin} and ${LIMITS.route53WeightMax}`,
      );
      continue;
    }
    if (rs.Type === 'CNAME' && rs.Name === zone) {
      messages.push(`RRSet of type CNAME with DNS name ${rs.Name} is not permitted at apex in zone ${zone}`);
      continue;
    }
    const key = recordKey(rs);
    const current = working.get(key);
    if (action === 'DELETE') {
      if (!current) messages.push(`Tried to delete resource record set ${describe(rs)} but it was not found`);
      else if (!sameValues(current, rs)) {
        messages.push(
          `Tried to delete resource record set ${describe(rs)} but the values provided do not match the current values`,
        );
      } else working.delete(key);
      continue;
    }
    if (action === 'CREATE' && current) {
      messages.push(`Tried to create resource record set ${describe(rs)} but it already exists`);
      continue;
    }
    const conflict = conflictOf(
      rs,
      [...working.values()].filter((other) => recordKey(other) !== key),
      zone,
    );
    if (conflict) {
      messages.push(conflict);
      continue;
    }
    working.set(key, rs);
  }
  if (messages.length > 0) {
    throw Object.assign(new AwsError('InvalidChangeBatch', `[${messages.join(', ')}]`), { messages });
  }
  return [...working.values()].sort(compareRecords);
}

function checkStructure(action: string, rs: ResourceRecordSet): void {
  const hasAlias = rs.AliasTarget !== undefined;
  const hasRecords = rs.TTL !== undefined && (rs.ResourceRecords?.length ?? 0) > 0;
  if (hasAlias === hasRecords || (hasAlias && (rs.TTL !== undefined || rs.ResourceRecords !== undefined))) {
    throw new AwsError(
      'InvalidInput',
      `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found ${hasAlias && hasRecords ? 'more than one' : 'none'} in Change with ${changeLabel(action, rs)}`,
    );
  }
  if (rs.TTL !== undefined && (!Number.isInteger(rs.TTL) || rs.TTL < 0 || rs.TTL > 2_147_483_647)) {
    throw new AwsError(
      'InvalidInput',
      `Invalid request: TTL must be between 0 and 2147483647 in Change with ${changeLabel(action, rs)}`,
    );
  }
  const policies = [rs.Weight, rs.Region, rs.Failover, rs.MultiValueAnswer].filter((v) => v !== undefined).length;
  if (rs.SetIdentifier !== undefined && policies !== 1) {
    throw new AwsError(
      'InvalidInput',
      `Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found ${policies === 0 ? 'none' : 'more than one'} in Change with ${changeLabel(action, rs)}`,
    );
  }
  if (rs.SetIdentifier === undefined && policies > 0) {
    throw new AwsError(
      'InvalidInput',
      `Invalid request: Missing field 'SetIdentifier' in Change with ${changeLabel(action, rs)}`,
    );
  }
  if (rs.Failover !== undefined && rs.Failover !== 'PRIMARY' && rs.Failover !== 'SECONDARY') {
    throw new AwsError(
      'InvalidInput',
      `Invalid request: Failover must be PRIMARY or SECONDARY in Change with ${changeLabel(action, rs)}`,
    );
  }
}

function conflictOf(rs: ResourceRecordSet, others: ResourceRecordSet[], zone: string): string | undefined {
  const sameName = others.filter((o) => o.Name === rs.Name);
  if (rs.Type === 'CNAME' ? sameName.some((o) => o.Type !== 'CNAME') : sameName.some((o) => o.Type === 'CNAME')) {
    return `RRSet of type ${rs.Type} with DNS name ${rs.Name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone}`;
  }
  const sameType = sameName.filter((o) => o.Type === rs.Type);
  if (rs.SetIdentifier === undefined && sameType.some((o) => o.SetIdentifier !== undefined)) {
    return `RRSet with DNS name ${rs.Name}, type ${rs.Type} cannot be created as other RRSets exist with the same name and type.`;
  }
  if (rs.SetIdentifier !== undefined && sameType.some((o) => o.SetIdentifier === undefined)) {
    return `RRSet with DNS name ${rs.Name}, type ${rs.Type}, SetIdentifier ${rs.SetIdentifier} cannot be created as a non-weighted set exists with the same name and type.`;
  }
  const kind = routingOf(rs);
  if (sameType.some((o) => o.SetIdentifier !== undefined && routingOf(o) !== kind)) {
    return `RRSet with DNS name ${rs.Name}, type ${rs.Type}, SetIdentifier ${rs.SetIdentifier} cannot be created because a set with a different routing policy exists with the same name and type.`;
  }
  if (rs.Failover && sameType.some((o) => o.Failover === rs.Failover)) {
    return `RRSet with DNS name ${rs.Name}, type ${rs.Type}, SetIdentifier ${rs.SetIdentifier} cannot be created because another ${rs.Failover} failover set exists with the same name and type.`;
  }
  return undefined;
}

function routingOf(rs: ResourceRecordSet): string {
  if (rs.Weight !== undefined) return 'weighted';
  if (rs.Failover !== undefined) return 'failover';
  if (rs.Region !== undefined) return 'latency';
  if (rs.MultiValueAnswer !== undefined) return 'multivalue';
  return 'simple';
}

function sameValues(a: ResourceRecordSet, b: ResourceRecordSet): boolean {
  const values = (rs: ResourceRecordSet) =>
    (rs.ResourceRecords ?? [])
      .map((r) => r.Value)
      .sort()
      .join('\n');
  return (
    a.TTL === b.TTL &&
    a.Weight === b.Weight &&
    a.Failover === b.Failover &&
    a.Region === b.Region &&
    a.HealthCheckId === b.HealthCheckId &&
    values(a) === values(b) &&
    (a.AliasTarget?.DNSName ?? '').toLowerCase().replace(/\.$/, '') ===
      (b.AliasTarget?.DNSName ?? '').toLowerCase().replace(/\.$/, '')
  );
}

/**
 * The share of answers per label for one name: failover (PRIMARY unless it is unhealthy and SECONDARY is
 * healthy), weighted (w / Σw over healthy non-zero records; weight-0 records only when every non-zero one
 * is unhealthy; fail-open when all are unhealthy) or simple.
 */
export function answerShares(
  sets: readonly ResourceRecordSet[],
  healthy: (healthCheckId: string) => boolean,
  labelOf: (rs: ResourceRecordSet) => string,
): Map<string, number> {
  const out = new Map<string, number>();
  const add = (rs: ResourceRecordSet, share: number) => out.set(labelOf(rs), (out.get(labelOf(rs)) ?? 0) + share);
  const type = ['CNAME', 'A', 'AAAA'].find((t) => sets.some((rs) => rs.Type === t)) ?? sets[0]?.Type;
  const group = sets.filter((rs) => rs.Type === type);
  if (group.length === 0) return out;
  const isHealthy = (rs: ResourceRecordSet) => rs.HealthCheckId === undefined || healthy(rs.HealthCheckId);
  if (group.some((rs) => rs.Failover)) {
    const primary = group.find((rs) => rs.Failover === 'PRIMARY');
    const secondary = group.find((rs) => rs.Failover === 'SECONDARY');
    const chosen =
      primary && isHealthy(primary) ? primary : secondary && isHealthy(secondary) ? secondary : (primary ?? secondary);
    if (chosen) add(chosen, 1);
    return out;
  }
  if (group.some((rs) => rs.Weight !== undefined)) {
    const weighted = group.filter((rs) => rs.Weight !== undefined);
    const up = weighted.filter(isHealthy);
    const pool = up.length > 0 ? up : weighted; // fail-open: all unhealthy answers as if all were healthy
    const nonZero = pool.filter((rs) => (rs.Weight ?? 0) > 0);
    const chosen = nonZero.length > 0 ? nonZero : pool;
    const total = chosen.reduce((sum, rs) => sum + (rs.Weight ?? 0), 0);
    for (const rs of chosen) add(rs, total > 0 ? (rs.Weight ?? 0) / total : 1 / chosen.length);
    return out;
  }
  const up = group.filter(isHealthy);
  const pool = up.length > 0 ? up : group;
  for (const rs of pool) add(rs, 1 / pool.length);
  return out;
}
