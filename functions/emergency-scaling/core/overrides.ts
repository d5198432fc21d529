import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expiresAt, LEDGER_TTL_ATTRIBUTE, ledgerKeys } from '#shared/ledger.ts';
import type { Snapshot } from '../state.ts';
import type { ScalingDeps } from './deps.ts';

/**
 * The override lock and record in the ledger.
 *   lock      pk `LOCK#emergency-scale#<region>`  sk `LOCK`          overrideId, owner, holdUntil, status, expiresAt
 *             One override per region: created with a condition; a second raise finds it and joins (extends).
 *   override  pk `OVERRIDE#<region>`              sk `<overrideId>`   snapshot, plan, actions with request ids,
 *             owner, reason, holdUntil, status, restore diff; gsi1pk `KIND#override`.
 * The lock's TTL is a day after the hold ends, so a lock whose restore never ran still expires.
 */
export const overrideKeys = {
  lock: (region: string) => ({ pk: `LOCK#emergency-scale#${region}`, sk: 'LOCK' }),
  record: (region: string, overrideId: string) => ({ pk: `OVERRIDE#${region}`, sk: overrideId }),
} as const;

export type OverrideStatus = 'raising' | 'holding' | 'restoring' | 'restored' | 'failed';

export interface OverrideLock {
  readonly overrideId: string;
  readonly owner: string;
  readonly reason?: string;
  readonly holdUntil: string;
  readonly status: OverrideStatus;
  readonly startedAt: string;
}

type Deps = Pick<ScalingDeps, 'history' | 'config'>;

const isConditionFailed = (error: unknown) =>
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

const lockTtl = (holdUntil: string) => expiresAt(new Date(holdUntil), 1);

/** Takes the region's lock for a new override: 'acquired', or 'held' with the active lock. */
export async function acquireLock(
  deps: Deps,
  lock: OverrideLock,
): Promise<{ result: 'acquired' } | { result: 'held'; lock: OverrideLock }> {
  try {
    await deps.history.dynamo.send(
      new PutCommand({
        TableName: deps.history.tableName,
        Item: { ...overrideKeys.lock(deps.config.region), ...lock, [LEDGER_TTL_ATTRIBUTE]: lockTtl(lock.holdUntil) },
        // Free when absent, restored, or when a previous holder's lock is its own (a retried step).
        ConditionExpression: 'attribute_not_exists(pk) OR #s = :restored OR overrideId = :me',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':restored': 'restored', ':me': lock.overrideId },
      }),
    );
    return { result: 'acquired' };
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    const held = await readLock(deps);
    if (!held) return acquireLock(deps, lock);
    return { result: 'held', lock: held };
  }
}

export async function readLock(deps: Deps): Promise<OverrideLock | undefined> {
  const out = await deps.history.dynamo.send(
    new GetCommand({
      TableName: deps.history.tableName,
      Key: overrideKeys.lock(deps.config.region),
      ConsistentRead: true,
    }),
  );
  return out.Item as OverrideLock | undefined;
}

/** Moves the hold of the active override to `holdUntil` if that is later (never shortens it). */
export async function extendLock(deps: Deps, overrideId: string, holdUntil: string): Promise<OverrideLock | undefined> {
  try {
    const out = await deps.history.dynamo.send(
      new UpdateCommand({
        TableName: deps.history.tableName,
        Key: overrideKeys.lock(deps.config.region),
        UpdateExpression: 'SET holdUntil = :h, #ttl = :ttl',
        ConditionExpression: 'overrideId = :id AND holdUntil < :h AND #s IN (:raising, :holding)',
        ExpressionAttributeNames: { '#s': 'status', '#ttl': LEDGER_TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':h': holdUntil,
          ':ttl': lockTtl(holdUntil),
          ':id': overrideId,
          ':raising': 'raising',
          ':holding': 'holding',
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes as OverrideLock;
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    return readLock(deps);
  }
}

/** Sets the lock's status, only while it belongs to `overrideId` (false when it does not). */
export async function setLockStatus(deps: Deps, overrideId: string, status: OverrideStatus): Promise<boolean> {
  try {
    await deps.history.dynamo.send(
      new UpdateCommand({
        TableName: deps.history.tableName,
        Key: overrideKeys.lock(deps.config.region),
        UpdateExpression: 'SET #s = :s',
        ConditionExpression: 'overrideId = :id',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': status, ':id': overrideId },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

export interface OverrideRecord {
  readonly overrideId: string;
  readonly region: string;
  readonly status: OverrideStatus;
  readonly owner: string;
  readonly reason?: string;
  readonly startedAt: string;
  readonly holdUntil: string;
  readonly snapshot: Snapshot;
  readonly [attribute: string]: unknown;
}

/** Writes the override record with its snapshot, once (a retried step finds it and keeps the first snapshot). */
export async function putOverride(deps: Deps, record: OverrideRecord, now: Date): Promise<OverrideRecord> {
  try {
    await deps.history.dynamo.send(
      new PutCommand({
        TableName: deps.history.tableName,
        Item: {
          ...record,
          ...overrideKeys.record(record.region, record.overrideId),
          ...ledgerKeys.kind('override', record.startedAt),
          [LEDGER_TTL_ATTRIBUTE]: expiresAt(now, deps.config.retentionDays),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return record;
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    const existing = await getOverride(deps, record.overrideId);
    if (!existing) throw error;
    return existing;
  }
}

export async function getOverride(deps: Deps, overrideId: string): Promise<OverrideRecord | undefined> {
  const out = await deps.history.dynamo.send(
    new GetCommand({
      TableName: deps.history.tableName,
      Key: overrideKeys.record(deps.config.region, overrideId),
      ConsistentRead: true,
    }),
  );
  return out.Item as OverrideRecord | undefined;
}

/** Sets attributes of the override record (undefined values skipped). */
export async function updateOverride(deps: Deps, overrideId: string, fields: Record<string, unknown>): Promise<void> {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = entries.map(([name, value], i) => {
    names[`#a${i}`] = name;
    values[`:v${i}`] = value;
    return `#a${i} = :v${i}`;
  });
  await deps.history.dynamo.send(
    new UpdateCommand({
      TableName: deps.history.tableName,
      Key: overrideKeys.record(deps.config.region, overrideId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}
