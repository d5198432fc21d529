import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LIMITS } from '../../config/limits.ts';
import { expiresAt, LEDGER_TTL_ATTRIBUTE } from './ledger.ts';

/**
 * The capacity history in the ledger: running counts sampled on a schedule (functions/emergency-scaling/sample.ts)
 * from ECS and EC2 Auto Scaling only, so a capacity target exists when CloudWatch is down. Emergency scaling
 * and region failover both read it through `readServiceHistory` / `readGroupHistory`.
 *
 * The contract (other capabilities read these items; keep it exactly):
 *   service sample   pk `HISTORY#<region>#<cluster>/<service>`   sk ISO-8601 sample time
 *                    numbers `desired`, `running`, `pending`, `expiresAt` (epoch seconds, TTL)
 *   group sample     pk `HISTORY#<region>#asg/<groupName>`       sk ISO-8601 sample time
 *                    numbers `desired`, `inService`, `expiresAt`
 */
export const historyKeys = {
  service: (region: string, cluster: string, service: string) => `HISTORY#${region}#${cluster}/${service}`,
  group: (region: string, groupName: string) => `HISTORY#${region}#asg/${groupName}`,
} as const;

export interface ServiceSample {
  readonly cluster: string;
  readonly service: string;
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
}

export interface GroupSample {
  readonly group: string;
  readonly desired: number;
  readonly inService: number;
}

export interface HistoryStore {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * Writes one sample per service and group at `at` (BatchWriteItem, 25 a call; unprocessed items are sent
 * again, at most `attempts` times, then the call throws so the scheduled invocation is retried).
 */
export async function writeSamples(
  store: HistoryStore,
  region: string,
  at: Date,
  samples: { services: readonly ServiceSample[]; groups: readonly GroupSample[] },
  retentionDays: number,
  attempts = 5,
): Promise<number> {
  const sk = at.toISOString();
  const ttl = expiresAt(at, retentionDays);
  const items: Record<string, unknown>[] = [
    ...samples.services.map((s) => ({
      pk: historyKeys.service(region, s.cluster, s.service),
      sk,
      desired: s.desired,
      running: s.running,
      pending: s.pending,
      [LEDGER_TTL_ATTRIBUTE]: ttl,
    })),
    ...samples.groups.map((g) => ({
      pk: historyKeys.group(region, g.group),
      sk,
      desired: g.desired,
      inService: g.inService,
      [LEDGER_TTL_ATTRIBUTE]: ttl,
    })),
  ];
  for (let i = 0; i < items.length; i += LIMITS.dynamoBatchWriteMax) {
    let requests = items.slice(i, i + LIMITS.dynamoBatchWriteMax).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; requests.length > 0; attempt++) {
      if (attempt > attempts) {
        throw new Error(
          `BatchWriteItem left ${requests.length} history samples unprocessed after ${attempts} attempts`,
        );
      }
      const out = await store.dynamo.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: requests } }));
      requests = (out.UnprocessedItems?.[store.tableName] ?? []) as typeof requests;
    }
  }
  return items.length;
}

/** What the history says about one service or group over a window. */
export interface CapacitySummary {
  /** Samples found in the window. */
  readonly samples: number;
  /** Highest count in the window (or the current count without history). */
  readonly peak: number;
  /** 95th percentile (nearest rank) of the counts in the window (or the current count without history). */
  readonly p95: number;
  /** Highest count in the same hour one week ago, when samples exist for it. */
  readonly weekAgo?: number;
  /** Count of the newest sample in the window. */
  readonly latest?: number;
  /**
   * True when the window holds no sample (a fresh deployment, or the sampler not running): `peak` and `p95`
   * are then the current counts the caller passed, and callers must say so.
   */
  readonly noHistory: boolean;
}

export interface HistoryQuery {
  readonly region: string;
  /** How far back, in hours (the policy's `historyHours`). */
  readonly hours: number;
  readonly now: Date;
  /** The current count, used when there is no history (the fallback). */
  readonly current: number;
}

export type ServiceMeasure = 'running' | 'desired';
export type GroupMeasure = 'inService' | 'desired';

/** Peak, p95 and week-ago of one service's `running` (default) or `desired` count. */
export function readServiceHistory(
  store: HistoryStore,
  query: HistoryQuery & { readonly cluster: string; readonly service: string; readonly measure?: ServiceMeasure },
): Promise<CapacitySummary> {
  return summarise(
    store,
    historyKeys.service(query.region, query.cluster, query.service),
    query.measure ?? 'running',
    query,
  );
}

/** Peak, p95 and week-ago of one Auto Scaling group's `inService` (default) or `desired` count. */
export function readGroupHistory(
  store: HistoryStore,
  query: HistoryQuery & { readonly group: string; readonly measure?: GroupMeasure },
): Promise<CapacitySummary> {
  return summarise(store, historyKeys.group(query.region, query.group), query.measure ?? 'inService', query);
}

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

async function summarise(store: HistoryStore, pk: string, measure: string, query: HistoryQuery) {
  if (!(query.hours > 0)) throw new Error(`history window must be a positive number of hours, got ${query.hours}`);
  const end = query.now.getTime();
  const window = await values(store, pk, measure, new Date(end - query.hours * HOUR_MS), query.now);
  const weekAgoEnd = end - WEEK_MS;
  const weekAgo = await values(
    store,
    pk,
    measure,
    new Date(weekAgoEnd - HOUR_MS / 2),
    new Date(weekAgoEnd + HOUR_MS / 2),
  );
  const summary: CapacitySummary =
    window.length === 0
      ? { samples: 0, peak: query.current, p95: query.current, noHistory: true }
      : {
          samples: window.length,
          peak: Math.max(...window),
          p95: percentile(window, 95),
          latest: window[window.length - 1],
          noHistory: false,
        };
  return weekAgo.length > 0 ? { ...summary, weekAgo: Math.max(...weekAgo) } : summary;
}

/** The numeric `measure` of every sample with from <= sk <= to, oldest first (all pages). */
async function values(store: HistoryStore, pk: string, measure: string, from: Date, to: Date): Promise<number[]> {
  const out: number[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.dynamo.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': pk, ':from': from.toISOString(), ':to': to.toISOString() },
        ExpressionAttributeNames: { '#m': measure },
        ProjectionExpression: '#m',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const value = item[measure];
      if (typeof value === 'number' && Number.isFinite(value)) out.push(value);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
