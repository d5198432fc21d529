import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { OperatorCommand } from '#events/failover-input.ts';
import { expiresAt, LEDGER_TTL_ATTRIBUTE, ledgerKeys } from '#shared/ledger.ts';
import { AlreadyActive, FenceHeld, FenceUnreachable, NoFailoverInProgress } from '../errors.ts';
import type { HeldGroup } from '../state.ts';

/**
 * The region-failover items of the ledger table (same table and key scheme as functions/shared/ledger.ts):
 *
 *   active-region fence   pk `FENCE`                 sk `ACTIVE_REGION`  activeRegion, epoch, holder?, holderDestination?,
 *                         raised? (the groups the last completed failover raised in the active region)
 *   failover record       pk `FAILOVER#<failoverId>` sk `RECORD`         gsi1pk `KIND#failover`, the whole story
 *   operator command      on the failover record: command, commandSeq, commandAt, commandReason
 *   trigger episode       pk `TRIGGER#<active region>` sk `STATE`     badSince?, firedFor? (the automatic trigger)
 *   capacity history      pk `HISTORY#<region>#<cluster>/<service>` sk ISO time (written by emergency scaling's
 *                         sampler; read here until functions/shared/capacity-history.ts is published)
 *
 * The fence is changed only by conditional writes on one item: `acquire` increments the epoch and sets the
 * holder only if the epoch is the one read and no one holds it, so of two failovers racing on the same copy of
 * the item exactly one wins. That is only as strong as the copy: see README "Region failover" (fence).
 */
export const FENCE_KEY = { pk: 'FENCE', sk: 'ACTIVE_REGION' } as const;

export const failoverKeys = {
  record: (failoverId: string) => ({ pk: `FAILOVER#${failoverId}`, sk: 'RECORD' }),
  history: (region: string, cluster: string, service: string) => `HISTORY#${region}#${cluster}/${service}`,
  trigger: (activeRegion: string) => ({ pk: `TRIGGER#${activeRegion}`, sk: 'STATE' }),
} as const;

export interface Fence {
  readonly activeRegion: string;
  readonly epoch: number;
  readonly holder?: string;
  readonly holderDestination?: string;
  readonly since?: string;
  /** The groups whose MinSize the last completed failover raised in `activeRegion` (given back by a scale-down). */
  readonly raised?: { readonly region: string; readonly groups: readonly HeldGroup[] };
}

export interface FailoverCommand {
  readonly command: OperatorCommand;
  readonly seq: number;
  readonly at: string;
  readonly reason?: string;
}

export interface FailoverStoreOptions {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The region whose copy of the table this store talks to (named in errors). */
  readonly region: string;
  /** The active region when the fence item does not exist yet (the configured primary). */
  readonly initialActiveRegion: string;
  /** @default 35 */
  readonly retentionDays?: number;
}

const isConditionalCheckFailed = (error: unknown) =>
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

export class FailoverStore {
  private readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly region: string;
  private readonly initialActiveRegion: string;
  private readonly retentionDays: number;

  constructor(options: FailoverStoreOptions) {
    this.dynamo = options.dynamo;
    this.tableName = options.tableName;
    this.region = options.region;
    this.initialActiveRegion = options.initialActiveRegion;
    this.retentionDays = options.retentionDays ?? 35;
  }

  /** The fence, read strongly consistently (the item's absence means: the primary is active, epoch 0). */
  async readFence(): Promise<Fence> {
    const out = await this.guard(() =>
      this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: FENCE_KEY, ConsistentRead: true })),
    );
    const item = out.Item as Partial<Fence> | undefined;
    return {
      activeRegion: item?.activeRegion ?? this.initialActiveRegion,
      epoch: item?.epoch ?? 0,
      ...(item?.holder !== undefined ? { holder: item.holder } : {}),
      ...(item?.holderDestination !== undefined ? { holderDestination: item.holderDestination } : {}),
      ...(item?.since !== undefined ? { since: item.since } : {}),
      ...(item?.raised !== undefined ? { raised: item.raised } : {}),
    };
  }

  /**
   * Takes the fence for `failoverId` (to `destination`): the new epoch. Idempotent for the same failover.
   * Throws FenceHeld when another failover holds it or won the race, AlreadyActive when the destination is
   * already active.
   */
  async acquire(failoverId: string, destination: string, now: Date): Promise<{ epoch: number; from: string }> {
    const fence = await this.readFence();
    if (fence.holder === failoverId) return { epoch: fence.epoch, from: fence.activeRegion };
    if (fence.holder !== undefined) throw heldBy(fence);
    if (fence.activeRegion === destination) {
      throw new AlreadyActive(
        `${destination} is already the active region (fence epoch ${fence.epoch}): nothing to fail over. To move traffic elsewhere, start the failover in that region.`,
      );
    }
    const epoch = fence.epoch + 1;
    try {
      await this.guard(() =>
        this.dynamo.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: FENCE_KEY,
            UpdateExpression:
              'SET epoch = :epoch, activeRegion = :active, holder = :holder, holderDestination = :dest, since = :now',
            ConditionExpression: '(attribute_not_exists(epoch) OR epoch = :seen) AND attribute_not_exists(holder)',
            ExpressionAttributeValues: {
              ':epoch': epoch,
              ':seen': fence.epoch,
              ':active': fence.activeRegion,
              ':holder': failoverId,
              ':dest': destination,
              ':now': now.toISOString(),
            },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const winner = await this.readFence();
      if (winner.holder === failoverId) return { epoch: winner.epoch, from: winner.activeRegion };
      throw heldBy(winner);
    }
    return { epoch, from: fence.activeRegion };
  }

  /**
   * Names `destination` the active region and releases the fence (only if this failover still holds it), keeping
   * the groups this failover raised there (none: the previous region's are dropped, they are in its record).
   */
  async complete(
    failoverId: string,
    epoch: number,
    destination: string,
    now: Date,
    raisedGroups: readonly HeldGroup[] = [],
  ): Promise<void> {
    await this.release(failoverId, epoch, now, destination, raisedGroups);
  }

  /** Releases the fence without changing the active region (abort, failure). A no-op if not held by us. */
  async release(
    failoverId: string,
    epoch: number,
    now: Date,
    activeRegion?: string,
    raisedGroups: readonly HeldGroup[] = [],
  ): Promise<boolean> {
    const raised = activeRegion && raisedGroups.length > 0 ? { region: activeRegion, groups: raisedGroups } : undefined;
    const set = [
      'since = :now',
      ...(activeRegion ? ['activeRegion = :active'] : []),
      ...(raised ? ['raised = :raised'] : []),
    ];
    const remove = ['holder', 'holderDestination', ...(activeRegion && !raised ? ['raised'] : [])];
    try {
      await this.guard(() =>
        this.dynamo.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: FENCE_KEY,
            UpdateExpression: `REMOVE ${remove.join(', ')} SET ${set.join(', ')}`,
            ConditionExpression: 'holder = :holder AND epoch = :epoch',
            ExpressionAttributeValues: {
              ':holder': failoverId,
              ':epoch': epoch,
              ':now': now.toISOString(),
              ...(activeRegion ? { ':active': activeRegion } : {}),
              ...(raised ? { ':raised': raised } : {}),
            },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Writes (or overwrites) the failover record; keeps the operator command attributes. */
  async putRecord(failoverId: string, record: Record<string, unknown>, now: Date): Promise<void> {
    const entries = Object.entries({
      ...record,
      ...ledgerKeys.kind('failover', String(record.startedAt ?? now.toISOString())),
      updatedAt: now.toISOString(),
      [LEDGER_TTL_ATTRIBUTE]: expiresAt(now, this.retentionDays),
    }).filter(([, v]) => v !== undefined);
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
        Key: failoverKeys.record(failoverId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** The automatic trigger's episode for the active region: since when its signals are bad, which one fired. */
  async readTrigger(activeRegion: string): Promise<{ badSince?: string; firedFor?: string }> {
    const out = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: failoverKeys.trigger(activeRegion), ConsistentRead: true }),
    );
    const item = out.Item ?? {};
    return {
      ...(typeof item.badSince === 'string' ? { badSince: item.badSince } : {}),
      ...(typeof item.firedFor === 'string' ? { firedFor: item.firedFor } : {}),
    };
  }

  /** Overwrites the episode (`{}` ends it). */
  async writeTrigger(activeRegion: string, episode: { badSince?: string; firedFor?: string }): Promise<void> {
    await this.dynamo.send(
      new PutCommand({ TableName: this.tableName, Item: { ...failoverKeys.trigger(activeRegion), ...episode } }),
    );
  }

  async getRecord(failoverId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: failoverKeys.record(failoverId), ConsistentRead: true }),
    );
    return out.Item;
  }

  /**
   * Records an operator command on a failover in progress (its record exists and has no outcome): the new
   * sequence number. Throws NoFailoverInProgress otherwise.
   */
  async recordCommand(failoverId: string, command: OperatorCommand, now: Date, reason?: string): Promise<number> {
    try {
      const out = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: failoverKeys.record(failoverId),
          UpdateExpression: `SET command = :c, commandAt = :now${reason ? ', commandReason = :r' : ''} ADD commandSeq :one`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(outcome)',
          ExpressionAttributeValues: {
            ':c': command,
            ':now': now.toISOString(),
            ':one': 1,
            ...(reason ? { ':r': reason } : {}),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.commandSeq ?? 0);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      throw new NoFailoverInProgress(
        `No failover ${failoverId} is in progress in ${this.region} (finished, or never started here): run 'ballast failover status' to find the current one.`,
      );
    }
  }

  /** The latest operator command of a failover, if any. */
  async latestCommand(failoverId: string): Promise<FailoverCommand | undefined> {
    const item = await this.getRecord(failoverId);
    if (!item?.command) return undefined;
    return {
      command: item.command as OperatorCommand,
      seq: Number(item.commandSeq ?? 0),
      at: String(item.commandAt ?? ''),
      ...(item.commandReason ? { reason: String(item.commandReason) } : {}),
    };
  }

  /**
   * The highest `running` (else `desired`) count sampled for a service since `since` (capacity history written by
   * emergency scaling's sampler): undefined when there is no sample.
   */
  async peakRunning(region: string, cluster: string, service: string, since: Date): Promise<number | undefined> {
    let peak: number | undefined;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk >= :since',
          ExpressionAttributeValues: {
            ':pk': failoverKeys.history(region, cluster, service),
            ':since': since.toISOString(),
          },
          ProjectionExpression: 'running, desired',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const value = typeof item.running === 'number' ? item.running : item.desired;
        if (typeof value === 'number') peak = Math.max(peak ?? 0, value);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return peak;
  }

  /** Appends to the shared operations log. */
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

  /** A call to the fence's copy that fails for a network or service reason becomes FenceUnreachable. */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw error;
      const e = error as { name?: string; $fault?: string; code?: string };
      if (e.$fault === 'server' || e.code !== undefined || e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new FenceUnreachable(
          `The fence in the ${this.region} ledger cannot be reached (${e.name ?? 'error'}): nothing was changed. Retry; if that region is down and the fence lives only there, see README "Region failover" (fence).`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}

function heldBy(fence: Fence): FenceHeld {
  return new FenceHeld(
    `Failover ${fence.holder} to ${fence.holderDestination ?? '?'} holds the fence (epoch ${fence.epoch}, since ${fence.since ?? '?'}); this failover changed nothing. Wait for it, or abort it: {"action": "abort", "failoverId": "${fence.holder}"} in ${fence.holderDestination ?? 'its region'}.`,
  );
}
