import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlreadyActive, FenceHeld, NoFailoverInProgress } from '#functions/region-failover/errors.ts';
import { type LedgerTable, startLedgerTable } from './ledger-table.ts';

const T0 = new Date('2026-12-01T10:00:00.000Z');
let table: LedgerTable;

beforeAll(async () => {
  table = await startLedgerTable();
});
afterAll(async () => {
  await table.close();
});

/** A fresh fence for each test: the fence is one item, so each test gets its own table. */
async function fresh() {
  await table.close();
  table = await startLedgerTable();
  return table;
}

describe('the active-region fence', () => {
  it('starts with the primary active at epoch 0 and gives the first failover epoch 1', async () => {
    // Arrange
    const t = await fresh();
    const store = t.store('us-west-2');
    // Act
    const before = await store.readFence();
    const taken = await store.acquire('failover-aaaaaaaaaaaaaaaaaaaa', 'us-west-2', T0);
    // Assert
    expect(before).toEqual({ activeRegion: 'us-east-1', epoch: 0 });
    expect(taken).toEqual({ epoch: 1, from: 'us-east-1' });
    expect(await store.readFence()).toMatchObject({
      activeRegion: 'us-east-1',
      epoch: 1,
      holder: 'failover-aaaaaaaaaaaaaaaaaaaa',
      holderDestination: 'us-west-2',
    });
  });

  it('lets exactly one of two failovers started at once in two regions through; the other is told who holds it', async () => {
    // Arrange: two destinations, one fence item (as both regions see it under strong consistency)
    const t = await fresh();
    const west = t.store('us-west-2');
    const central = t.store('us-east-2');
    // Act
    const results = await Promise.allSettled([
      west.acquire('failover-1111111111111111aaaa', 'us-west-2', T0),
      central.acquire('failover-2222222222222222bbbb', 'us-east-2', T0),
    ]);
    // Assert
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(FenceHeld);
    const fence = await west.readFence();
    expect(fence.epoch).toBe(1);
    expect(String(lost[0]!.reason.message)).toContain(`Failover ${fence.holder} to ${fence.holderDestination}`);
    expect(String(lost[0]!.reason.message)).toContain('changed nothing');
  });

  it('refuses a second failover while one holds the fence, however the race ran', async () => {
    const t = await fresh();
    const store = t.store('us-west-2');
    await store.acquire('failover-1111111111111111aaaa', 'us-west-2', T0);
    await expect(store.acquire('failover-3333333333333333cccc', 'us-west-2', T0)).rejects.toBeInstanceOf(FenceHeld);
  });

  it('loses cleanly when the epoch moved between its read and its write (another region won in between)', async () => {
    // Arrange: the fence item changes under the reader (a concurrent winner), simulated by a direct write
    const t = await fresh();
    const store = t.store('us-west-2');
    await store.acquire('failover-1111111111111111aaaa', 'us-west-2', T0);
    await store.complete('failover-1111111111111111aaaa', 1, 'us-west-2', T0);
    await t.dynamo.send(
      new PutCommand({
        TableName: t.tableName,
        Item: {
          pk: 'FENCE',
          sk: 'ACTIVE_REGION',
          activeRegion: 'us-west-2',
          epoch: 7,
          holder: 'failover-9999999999999999ffff',
          holderDestination: 'us-east-1',
        },
      }),
    );
    // Act / Assert
    await expect(store.acquire('failover-4444444444444444dddd', 'us-east-1', T0)).rejects.toThrow(
      /failover-9999999999999999ffff to us-east-1 holds the fence \(epoch 7/,
    );
  });

  it('is idempotent for the same failover (a retried step keeps its epoch)', async () => {
    const t = await fresh();
    const store = t.store('us-west-2');
    const first = await store.acquire('failover-1111111111111111aaaa', 'us-west-2', T0);
    const again = await store.acquire('failover-1111111111111111aaaa', 'us-west-2', T0);
    expect(again).toEqual(first);
  });

  it('names the destination active on completion, then refuses a failover to the region already active', async () => {
    const t = await fresh();
    const store = t.store('us-west-2');
    await store.acquire('failover-1111111111111111aaaa', 'us-west-2', T0);
    await store.complete('failover-1111111111111111aaaa', 1, 'us-west-2', T0);
    expect(await store.readFence()).toMatchObject({ activeRegion: 'us-west-2', epoch: 1 });
    expect((await store.readFence()).holder).toBeUndefined();
    await expect(store.acquire('failover-5555555555555555eeee', 'us-west-2', T0)).rejects.toBeInstanceOf(AlreadyActive);
    // failing back is a new failover with a higher epoch
    expect(await store.acquire('failover-6666666666666666ffff', 'us-east-1', T0)).toEqual({
      epoch: 2,
      from: 'us-west-2',
    });
  });

  it('releases only for its holder and epoch, and keeps the active region on release', async () => {
    const t = await fresh();
    const store = t.store('us-west-2');
    await store.acquire('failover-1111111111111111aaaa', 'us-west-2', T0);
    expect(await store.release('failover-7777777777777777aaaa', 1, T0)).toBe(false);
    expect(await store.release('failover-1111111111111111aaaa', 0, T0)).toBe(false);
    expect(await store.release('failover-1111111111111111aaaa', 1, T0)).toBe(true);
    expect(await store.readFence()).toEqual(expect.objectContaining({ activeRegion: 'us-east-1', epoch: 1 }));
    expect((await store.readFence()).holder).toBeUndefined();
  });
});

describe('the failover record and operator commands', () => {
  it('records commands with an increasing sequence on a failover in progress only', async () => {
    const t = await fresh();
    const store = t.store('us-west-2');
    await expect(store.recordCommand('failover-1111111111111111aaaa', 'pause', T0)).rejects.toBeInstanceOf(
      NoFailoverInProgress,
    );
    await store.putRecord('failover-1111111111111111aaaa', { startedAt: T0.toISOString(), phase: 'holding' }, T0);
    expect(await store.recordCommand('failover-1111111111111111aaaa', 'pause', T0, 'looks odd')).toBe(1);
    expect(await store.recordCommand('failover-1111111111111111aaaa', 'resume', T0)).toBe(2);
    expect(await store.latestCommand('failover-1111111111111111aaaa')).toMatchObject({ command: 'resume', seq: 2 });
    // a later record write keeps the command
    await store.putRecord('failover-1111111111111111aaaa', { startedAt: T0.toISOString(), phase: 'shift' }, T0);
    expect((await store.latestCommand('failover-1111111111111111aaaa'))?.seq).toBe(2);
    await store.putRecord('failover-1111111111111111aaaa', { startedAt: T0.toISOString(), outcome: 'completed' }, T0);
    await expect(store.recordCommand('failover-1111111111111111aaaa', 'abort', T0)).rejects.toBeInstanceOf(
      NoFailoverInProgress,
    );
  });
});

describe('the capacity history reader (emergency scaling writes it)', () => {
  it('returns the highest running count since the given time, ignoring older samples and other services', async () => {
    const t = await fresh();
    const put = (pk: string, sk: string, running: number, desired = running) =>
      t.dynamo.send(
        new PutCommand({ TableName: t.tableName, Item: { pk, sk, running, desired, pending: 0, expiresAt: 0 } }),
      );
    await put('HISTORY#us-east-1#web/api', '2026-11-29T10:00:00.000Z', 99); // older than 24 h
    await put('HISTORY#us-east-1#web/api', '2026-12-01T02:00:00.000Z', 12);
    await put('HISTORY#us-east-1#web/api', '2026-12-01T09:00:00.000Z', 8);
    await put('HISTORY#us-east-1#web/frontend', '2026-12-01T09:00:00.000Z', 50);
    const store = t.store('us-west-2');
    const since = new Date(T0.getTime() - 24 * 3_600_000);
    expect(await store.peakRunning('us-east-1', 'web', 'api', since)).toBe(12);
    expect(await store.peakRunning('us-east-1', 'web', 'jobs', since)).toBeUndefined();
  });
});
