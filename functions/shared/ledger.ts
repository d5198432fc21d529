import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

/**
 * Access to the ledger table (infra/ledger.ts), single-table design. The table name comes from the
 * environment variable BALLAST_LEDGER_TABLE.
 *
 * Keys (all strings):
 *   pk, sk                 the primary key
 *   gsi1pk, gsi1sk         index `byKind`: gsi1pk = `KIND#<kind>`, gsi1sk = ISO time (list records of a kind by time)
 *   expiresAt              TTL, epoch seconds (retentionDays after the record was written)
 *
 * Items:
 *   Drain record           pk `DRAIN#<region>#<instanceId>`  sk `<drainId>`    gsi1pk `KIND#drain`  gsi1sk startedAt
 *                          Created with a conditional put: it is the idempotency lock of one drain (a duplicate or
 *                          late delivery of the same source finds it and changes nothing).
 *   Drain budget           pk `BUDGET#<region>#<cluster>`   sk `BUDGET`       holders: string set of
 *                          `<instanceId>#<drainId>`, added only while `size(holders) < :max`.
 *   Instance claim         pk `INSTANCE#<region>#<instanceId>`  sk `CLAIM`   the one drain that holds the host
 *                          (`drainId`, `execution`, `trigger`, `since`, `supersedes`): taken with a conditional
 *                          write, handed over with a compare-and-swap on `drainId`, let go by its holder at the
 *                          end (or by the reclaim). See functions/host-draining/core/exclusive.ts.
 *   Operations log         pk `OP#<yyyy-mm-dd>`              sk `<iso>#<id>`   who/what/when/why of every operation.
 *   Drain wake             pk `WAKE#<region>#<containerInstanceArn>`  sk `WAKE`   the drain that waits on the host's
 *                          tasks (`drainId`, `execution`), the tasks seen STOPPED since it began (`stopped`, string
 *                          set) and, while the workflow waits, its task `token` and the tasks it waits for
 *                          (`waitFor`). See functions/host-draining/core/wake.ts.
 */
export const LEDGER_INDEX = 'byKind';
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';

export const ledgerKeys = {
  drain: (region: string, instanceId: string, drainId: string) => ({ pk: drainPk(region, instanceId), sk: drainId }),
  drainPartition: (region: string, instanceId: string) => drainPk(region, instanceId),
  budget: (region: string, cluster: string) => ({ pk: `BUDGET#${region}#${cluster}`, sk: 'BUDGET' }),
  instance: (region: string, instanceId: string) => ({ pk: `INSTANCE#${region}#${instanceId}`, sk: 'CLAIM' }),
  wake: (region: string, containerInstanceArn: string) => ({
    pk: `WAKE#${region}#${containerInstanceArn}`,
    sk: 'WAKE',
  }),
  operation: (at: Date, id: string) => ({ pk: `OP#${at.toISOString().slice(0, 10)}`, sk: `${at.toISOString()}#${id}` }),
  kind: (kind: string, at: string) => ({ gsi1pk: `KIND#${kind}`, gsi1sk: at }),
} as const;

function drainPk(region: string, instanceId: string): string {
  return `DRAIN#${region}#${instanceId}`;
}

/** Epoch seconds `days` after `now`: the value of the TTL attribute. */
export function expiresAt(now: Date, days: number): number {
  return Math.floor(now.getTime() / 1000) + Math.round(days * 86_400);
}

/** `refused`: a manual drain of a host another drain holds; it started nothing and may be asked again. */
export type DrainStatus = 'active' | 'finished' | 'released' | 'superseded' | 'refused';

/** One drain, as the ledger keeps it. Extra attributes are allowed (the drain core adds its own). */
export interface DrainRecord {
  readonly region: string;
  readonly instanceId: string;
  readonly drainId: string;
  readonly trigger: string;
  readonly status: DrainStatus;
  readonly startedAt: string;
  readonly [attribute: string]: unknown;
}

export interface LedgerOptions {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Days records are kept (TTL). @default 35 */
  readonly retentionDays?: number;
}

function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** The wake item of a host being drained (see `ledgerKeys.wake`). */
export interface WakeItem {
  readonly drainId: string;
  readonly execution?: string;
  readonly stopped: string[];
  readonly token?: string;
  readonly waitFor: string[];
}

function wakeItem(item: Record<string, unknown> | undefined): WakeItem | undefined {
  if (!item) return undefined;
  const list = (value: unknown) => (value instanceof Set || Array.isArray(value) ? [...value].map(String) : []);
  return {
    drainId: String(item.drainId),
    ...(typeof item.execution === 'string' ? { execution: item.execution } : {}),
    stopped: list(item.stopped),
    ...(typeof item.token === 'string' ? { token: item.token } : {}),
    waitFor: list(item.waitFor),
  };
}

/** The drain that holds an instance (see `ledgerKeys.instance`). */
export interface InstanceClaim {
  readonly drainId: string;
  readonly execution?: string;
  readonly trigger: string;
  readonly since: string;
  /** The drain this one took the instance from (a hook or Spot warning taking over a running drain). */
  readonly supersedes?: string;
}

/** What `claimInstance` found: held (with the item as it was before the write), or held by another drain. */
export type InstanceClaimResult =
  | { readonly held: true; readonly before: InstanceClaim | undefined }
  | { readonly held: false; readonly holder: InstanceClaim | undefined };

function instanceClaim(item: Record<string, unknown> | undefined): InstanceClaim | undefined {
  if (!item || typeof item.drainId !== 'string') return undefined;
  return {
    drainId: item.drainId,
    ...(typeof item.execution === 'string' ? { execution: item.execution } : {}),
    trigger: String(item.trigger),
    since: String(item.since),
    ...(typeof item.supersedes === 'string' ? { supersedes: item.supersedes } : {}),
  };
}

/** A drain budget slot taken; `startAt` when the cluster's starts are paced (LedgerStore.acquireBudget). */
export interface BudgetSlot {
  readonly startAt?: Date;
}

/** What the drain workflow uses of the ledger (tests substitute an in-memory one). */
export type DrainLedger = Pick<
  LedgerStore,
  | 'claimDrain'
  | 'getDrain'
  | 'updateDrain'
  | 'drainsOf'
  | 'claimInstance'
  | 'releaseInstance'
  | 'acquireBudget'
  | 'releaseBudget'
  | 'budgetHolders'
  | 'claimBudgetSweep'
  | 'appendOperation'
  | 'markCompleting'
  | 'openWake'
  | 'parkWake'
  | 'noteTaskStopped'
>;

export class LedgerStore {
  private readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  private readonly retentionDays: number;

  constructor(options: LedgerOptions) {
    this.dynamo = options.dynamo;
    this.tableName = options.tableName;
    this.retentionDays = options.retentionDays ?? 35;
  }

  /**
   * Creates the drain record if no record with the same key exists (or only a `refused` one): 'claimed' the
   * first time, 'exists' for a duplicate or late delivery (the existing record is returned).
   */
  async claimDrain(
    record: DrainRecord,
    now: Date,
  ): Promise<{ result: 'claimed' } | { result: 'exists'; existing: DrainRecord | undefined }> {
    const key = ledgerKeys.drain(record.region, record.instanceId, record.drainId);
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...record,
            ...key,
            ...ledgerKeys.kind('drain', record.startedAt),
            [LEDGER_TTL_ATTRIBUTE]: expiresAt(now, this.retentionDays),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :refused',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':refused': 'refused' },
        }),
      );
      return { result: 'claimed' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return { result: 'exists', existing: await this.getDrain(record.region, record.instanceId, record.drainId) };
    }
  }

  async getDrain(region: string, instanceId: string, drainId: string): Promise<DrainRecord | undefined> {
    const out = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: ledgerKeys.drain(region, instanceId, drainId),
        ConsistentRead: true,
      }),
    );
    return out.Item as DrainRecord | undefined;
  }

  /** Sets the given attributes of a drain record (undefined values are skipped). */
  async updateDrain(
    region: string,
    instanceId: string,
    drainId: string,
    fields: Record<string, unknown>,
  ): Promise<void> {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:v${i}`] = value;
      return `#a${i} = :v${i}`;
    });
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: ledgerKeys.drain(region, instanceId, drainId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * Records that the drain is about to complete its lifecycle action with `result`, and returns the record as
   * it was before (one write: the intent and the read of the record's state in one call).
   */
  async markCompleting(
    region: string,
    instanceId: string,
    drainId: string,
    result: string,
  ): Promise<DrainRecord | undefined> {
    const out = await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: ledgerKeys.drain(region, instanceId, drainId),
        UpdateExpression: 'SET completing = :result',
        ExpressionAttributeValues: { ':result': result },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes as DrainRecord | undefined;
  }

  /** The drain records of one instance, newest first. */
  async drainsOf(region: string, instanceId: string): Promise<DrainRecord[]> {
    const out = await this.dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': ledgerKeys.drainPartition(region, instanceId) },
        ConsistentRead: true,
      }),
    );
    const items = (out.Items ?? []) as DrainRecord[];
    return items.sort((a, b) => String(b.startedAt).localeCompare(String(a.startedAt)));
  }

  /**
   * Makes `claim.drainId` the one drain holding the instance, in one conditional write: when nobody holds it,
   * when it already does (a retried step), or — with `replaces` — when the holder is still `replaces` (a
   * compare-and-swap: of two drains replacing one holder, one wins). Otherwise returns the holder (read after
   * the refused write). `supersedes` is kept from an earlier write of the same holder.
   */
  async claimInstance(
    region: string,
    instanceId: string,
    claim: InstanceClaim,
    now: Date,
    replaces?: string,
  ): Promise<InstanceClaimResult> {
    const key = ledgerKeys.instance(region, instanceId);
    const values: Record<string, unknown> = {
      ':me': claim.drainId,
      ':trigger': claim.trigger,
      ':since': claim.since,
      ':ttl': expiresAt(now, 3),
      ...(claim.execution !== undefined ? { ':execution': claim.execution } : {}),
      ...(claim.supersedes !== undefined ? { ':supersedes': claim.supersedes } : {}),
      ...(replaces !== undefined ? { ':replaces': replaces } : {}),
    };
    const sets = [
      'drainId = :me',
      '#trigger = :trigger',
      'since = if_not_exists(since, :since)',
      `${LEDGER_TTL_ATTRIBUTE} = :ttl`,
      ...(claim.execution !== undefined ? ['execution = :execution'] : []),
      ...(claim.supersedes !== undefined ? ['supersedes = :supersedes'] : []),
    ];
    try {
      const out = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_not_exists(drainId) OR drainId = :me${replaces !== undefined ? ' OR drainId = :replaces' : ''}`,
          ExpressionAttributeNames: { '#trigger': 'trigger' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { held: true, before: instanceClaim(out.Attributes) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const out = await this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return { held: false, holder: instanceClaim(out.Item) };
    }
  }

  /**
   * Lets go of the instance if `drainId` still holds it (a no-op for a drain another one took over). The item
   * stays, holderless, until its TTL: the drain functions update ledger items, they do not delete them.
   */
  async releaseInstance(region: string, instanceId: string, drainId: string): Promise<void> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKeys.instance(region, instanceId),
          UpdateExpression: 'REMOVE drainId, execution, #trigger, since, supersedes',
          ConditionExpression: 'drainId = :me',
          ExpressionAttributeNames: { '#trigger': 'trigger' },
          ExpressionAttributeValues: { ':me': drainId },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Takes a slot of a cluster's drain budget for `holder`: the slot (also when it already was held), or false
   * when `max` other holders have it.
   *
   * With `pace`, the same write also gives the slot its start time: the cluster's drain starts are spaced
   * `spacingMs` apart (each start lists its host's tasks: ECS reads that share the account's rate limits),
   * kept as `nextStartAt` on the budget item, the time the next start may begin. The first write expects the
   * starts idle (`nextStartAt` at or before now): it starts now and sets `nextStartAt` to now plus the
   * spacing. Otherwise the second adds the spacing to `nextStartAt` and starts at its old value. Once the
   * first has failed on that (`nextStartAt` is later than now), the second's condition holds whatever others
   * do meanwhile (`nextStartAt` only grows), so concurrent drains never retry each other out: each takes one
   * write, or two when others are starting.
   */
  async acquireBudget(
    region: string,
    cluster: string,
    holder: string,
    max: number,
    pace?: { readonly now: Date; readonly spacingMs: number },
  ): Promise<BudgetSlot | false> {
    const budget = '(attribute_not_exists(holders) OR size(holders) < :max OR contains(holders, :holder))';
    const values = { ':me': new Set([holder]), ':max': max, ':holder': holder };
    const attempt = async (
      update: string,
      condition: string,
      extra: Record<string, unknown>,
    ): Promise<Record<string, unknown> | undefined> => {
      try {
        const out = await this.dynamo.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: ledgerKeys.budget(region, cluster),
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeValues: { ...values, ...extra },
            ...(pace ? { ReturnValues: 'UPDATED_OLD' as const } : {}),
          }),
        );
        return out.Attributes ?? {};
      } catch (error) {
        if (isConditionalCheckFailed(error)) return undefined;
        throw error;
      }
    };
    if (!pace) return (await attempt('ADD holders :me', budget, {})) ? {} : false;
    const now = pace.now.getTime();
    const idle = await attempt(
      'ADD holders :me SET nextStartAt = :next',
      `${budget} AND (attribute_not_exists(nextStartAt) OR nextStartAt <= :now)`,
      { ':now': now, ':next': now + pace.spacingMs },
    );
    if (idle) return { startAt: new Date(now) };
    const queued = await attempt('ADD holders :me, nextStartAt :spacing', `${budget} AND nextStartAt > :now`, {
      ':now': now,
      ':spacing': pace.spacingMs,
    });
    if (!queued) return false;
    return { startAt: new Date(Number(queued.nextStartAt)) };
  }

  /** Gives a budget slot back (a no-op when `holder` holds none). */
  async releaseBudget(region: string, cluster: string, holder: string): Promise<void> {
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: ledgerKeys.budget(region, cluster),
        UpdateExpression: 'DELETE holders :me',
        ExpressionAttributeValues: { ':me': new Set([holder]) },
      }),
    );
  }

  /**
   * Claims the cluster's sweep of stale budget holders (checking each holder's execution): true for at most
   * one caller per `everySeconds`, so drains waiting on a full budget do not each describe every holder on
   * every retry. A conditional write on the budget item.
   */
  async claimBudgetSweep(region: string, cluster: string, now: Date, everySeconds: number): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKeys.budget(region, cluster),
          UpdateExpression: 'SET sweptAt = :now',
          ConditionExpression: 'attribute_not_exists(sweptAt) OR sweptAt <= :cutoff',
          ExpressionAttributeValues: {
            ':now': now.toISOString(),
            ':cutoff': new Date(now.getTime() - everySeconds * 1000).toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async budgetHolders(region: string, cluster: string): Promise<string[]> {
    const out = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: ledgerKeys.budget(region, cluster), ConsistentRead: true }),
    );
    const holders = out.Item?.holders as Set<string> | string[] | undefined;
    return holders ? [...holders].sort() : [];
  }

  /** Appends to the operations log. */
  async appendOperation(at: Date, id: string, entry: Record<string, unknown>): Promise<void> {
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...entry,
          ...ledgerKeys.operation(at, id),
          ...ledgerKeys.kind('operation', at.toISOString()),
          at: at.toISOString(),
          [LEDGER_TTL_ATTRIBUTE]: expiresAt(at, this.retentionDays),
        },
      }),
    );
  }

  /** Starts the wake item of a drain (replacing an earlier drain's): stops are recorded from now on. */
  async openWake(
    region: string,
    containerInstanceArn: string,
    drainId: string,
    execution: string | undefined,
    now: Date,
  ) {
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...ledgerKeys.wake(region, containerInstanceArn),
          drainId,
          ...(execution ? { execution } : {}),
          [LEDGER_TTL_ATTRIBUTE]: expiresAt(now, 3),
        },
      }),
    );
  }

  /**
   * Records the workflow's task token and the tasks it waits for on the drain's wake item, and returns the
   * item as it is after the write (so the caller sees every stop recorded before it), or undefined when the
   * host has no wake item of this drain.
   */
  async parkWake(
    region: string,
    containerInstanceArn: string,
    drainId: string,
    token: string,
    waitFor: string[],
  ): Promise<WakeItem | undefined> {
    try {
      const out = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKeys.wake(region, containerInstanceArn),
          UpdateExpression: 'SET #token = :token, waitFor = :waitFor',
          ConditionExpression: 'attribute_exists(pk) AND drainId = :drainId',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token, ':waitFor': new Set(waitFor), ':drainId': drainId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return wakeItem(out.Attributes);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /**
   * Adds a STOPPED task to the wake item of its host, if the host is being drained; returns the item as it
   * was before the write (so that exactly one stop sees that it completed the parked set), or undefined when
   * no drain waits on that host.
   */
  async noteTaskStopped(region: string, containerInstanceArn: string, taskArn: string): Promise<WakeItem | undefined> {
    try {
      const out = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKeys.wake(region, containerInstanceArn),
          UpdateExpression: 'ADD stopped :task',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':task': new Set([taskArn]) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return wakeItem(out.Attributes);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}
