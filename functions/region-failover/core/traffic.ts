import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { LIMITS } from '#config/limits.ts';
import { RecordsMissing } from '../errors.ts';
import type { FailoverClients, FailoverDeps } from './deps.ts';

/**
 * Traffic through Route 53 weighted records: every record Ballast steers has one weighted set per region, whose
 * SetIdentifier is the region name. A share of p % to the destination is the weights
 *   destination = round(p x 2), source = 200 - destination, every other region 0
 * (out of 200: 0.5 % steps, inside Route 53's 0-255). The values, TTLs and health checks of the sets are read
 * from the zone and kept as they are; only weights change, in one change batch.
 */
export function weightsFor(
  regions: readonly string[],
  source: string,
  destination: string,
  percent: number,
): Record<string, number> {
  const total = LIMITS.route53WeightTotal;
  const dest = Math.round((percent * total) / 100);
  return Object.fromEntries(regions.map((r) => [r, r === destination ? dest : r === source ? total - dest : 0]));
}

const normalise = (name: string) => `${name.replace(/\.$/, '').toLowerCase()}.`;

/** The weighted sets of every steered record, by record name then region; RecordsMissing names what is absent. */
export async function steeredRecords(
  deps: FailoverDeps,
  aws: Pick<FailoverClients, 'route53'>,
  mustHave: readonly string[],
): Promise<Map<string, Map<string, ResourceRecordSet>>> {
  const dns = deps.config.dns;
  if (!dns) throw new RecordsMissing('The configuration has no dns section: add dns.hostedZoneId and dns.records');
  const out = new Map<string, Map<string, ResourceRecordSet>>();
  const missing: string[] = [];
  for (const record of dns.records) {
    const sets = new Map<string, ResourceRecordSet>();
    let start: { name?: string; type?: string; id?: string } = { name: normalise(record.name), type: record.type };
    for (;;) {
      const page = await aws.route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: dns.hostedZoneId,
          StartRecordName: start.name,
          StartRecordType: start.type as never,
          ...(start.id ? { StartRecordIdentifier: start.id } : {}),
        }),
      );
      let past = false;
      for (const rs of page.ResourceRecordSets ?? []) {
        if (normalise(rs.Name ?? '') !== normalise(record.name) || rs.Type !== record.type) {
          past = true;
          break;
        }
        if (rs.SetIdentifier !== undefined && rs.Weight !== undefined) sets.set(rs.SetIdentifier, rs);
      }
      if (past || !page.IsTruncated) break;
      start = { name: page.NextRecordName, type: page.NextRecordType, id: page.NextRecordIdentifier };
    }
    for (const region of mustHave) {
      if (!sets.has(region)) missing.push(`${record.name} ${record.type} SetIdentifier=${region}`);
    }
    out.set(record.name, sets);
  }
  if (missing.length > 0) {
    throw new RecordsMissing(
      `Weighted records Ballast steers are missing from zone ${dns.hostedZoneId}: ${missing.join(', ')}. Create one weighted set per region (SetIdentifier = region name) and start again; nothing was changed.`,
    );
  }
  return out;
}

/** One ChangeResourceRecordSets that sets the weights of every steered record: the change id. */
export async function setWeights(
  deps: FailoverDeps,
  source: string,
  destination: string,
  percent: number,
): Promise<string> {
  const aws = deps.clientsFor(destination);
  const records = await steeredRecords(deps, aws, [source, destination]);
  const changes = [];
  for (const sets of records.values()) {
    const weights = weightsFor([...sets.keys()], source, destination, percent);
    for (const [region, rs] of sets) {
      if (rs.Weight === weights[region]) continue;
      changes.push({ Action: 'UPSERT' as const, ResourceRecordSet: { ...rs, Weight: weights[region] } });
    }
  }
  if (changes.length === 0) return 'unchanged';
  if (changes.length > LIMITS.route53ChangesPerBatch) {
    throw new Error(`${changes.length} record changes exceed Route 53's ${LIMITS.route53ChangesPerBatch} per batch`);
  }
  const out = await aws.route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: deps.config.dns!.hostedZoneId,
      ChangeBatch: { Comment: `Ballast failover: ${percent}% to ${destination}`, Changes: changes },
    }),
  );
  return out.ChangeInfo?.Id ?? 'unknown';
}

/** Whether a change is INSYNC (on every authoritative server). */
export async function changeInSync(aws: Pick<FailoverClients, 'route53'>, changeId: string): Promise<boolean> {
  if (changeId === 'unchanged') return true;
  const out = await aws.route53.send(new GetChangeCommand({ Id: changeId }));
  return out.ChangeInfo?.Status === 'INSYNC';
}
