import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LedgerStore, ledgerKeys } from '#shared/ledger.ts';

/** The ledger's DynamoDB requests: keys, TTL, and the conditions that make locks and budgets safe. */
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const mock = mockClient(dynamo);
const ledger = new LedgerStore({ dynamo, tableName: 'ballast-ledger', retentionDays: 35 });
const NOW = new Date('2026-11-22T02:00:00Z');
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const record = {
  region: 'us-east-1',
  instanceId: 'i-0123456789abcdef0',
  drainId: 'terminate-abc',
  trigger: 'terminate',
  status: 'active' as const,
  startedAt: NOW.toISOString(),
};

beforeEach(() => mock.reset());

describe('the ledger', () => {
  it('claims a drain with a conditional put on its key, indexed by kind and expiring after the retention', async () => {
    mock.on(PutCommand).resolves({});

    const result = await ledger.claimDrain(record, NOW);

    const put = mock.commandCalls(PutCommand)[0]!.args[0].input;
    expect(result).toEqual({ result: 'claimed' });
    // A refused request (a manual drain of a host another drain held) may be asked again.
    expect(put.ConditionExpression).toBe('attribute_not_exists(pk) OR #status = :refused');
    expect(put.Item).toMatchObject({
      pk: 'DRAIN#us-east-1#i-0123456789abcdef0',
      sk: 'terminate-abc',
      gsi1pk: 'KIND#drain',
      gsi1sk: NOW.toISOString(),
      expiresAt: Math.floor(NOW.getTime() / 1000) + 35 * 86_400,
    });
  });

  it('reports a duplicate claim with the existing record instead of overwriting it', async () => {
    mock.on(PutCommand).rejects(conditionFailed());
    mock.on(GetCommand).resolves({ Item: { ...record, status: 'finished' } });

    const result = await ledger.claimDrain(record, NOW);

    expect(result).toMatchObject({ result: 'exists', existing: { status: 'finished' } });
  });

  it('claims an instance with one conditional write: free, already ours, or (to take over) still the holder it replaces', async () => {
    mock.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    mock.on(GetCommand).resolves({
      Item: {
        ...ledgerKeys.instance('us-east-1', 'i-1'),
        drainId: 'manual-drain-a',
        trigger: 'manual-drain',
        since: 'x',
      },
    });
    const claim = { drainId: 'terminate-b', trigger: 'terminate', since: NOW.toISOString() };

    const first = await ledger.claimInstance('us-east-1', 'i-1', claim, NOW, 'manual-drain-a');
    const second = await ledger.claimInstance('us-east-1', 'i-1', claim, NOW);

    const update = mock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.Key).toEqual({ pk: 'INSTANCE#us-east-1#i-1', sk: 'CLAIM' });
    expect(update.ConditionExpression).toBe('attribute_not_exists(drainId) OR drainId = :me OR drainId = :replaces');
    expect(update.ExpressionAttributeValues).toMatchObject({ ':me': 'terminate-b', ':replaces': 'manual-drain-a' });
    expect(first).toEqual({ held: true, before: undefined });
    expect(second).toEqual({
      held: false,
      holder: { drainId: 'manual-drain-a', trigger: 'manual-drain', since: 'x' },
    });
  });

  it('lets go of an instance only for the drain that holds it', async () => {
    mock.on(UpdateCommand).rejects(conditionFailed());

    await ledger.releaseInstance('us-east-1', 'i-1', 'terminate-b');

    const update = mock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ConditionExpression).toBe('drainId = :me');
    expect(update.UpdateExpression).toMatch(/^REMOVE drainId/);
  });

  it('takes a budget slot only while fewer than max hold one (or it already holds one)', async () => {
    mock.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    const first = await ledger.acquireBudget('us-east-1', 'web', 'i-1#d1', 2);
    const second = await ledger.acquireBudget('us-east-1', 'web', 'i-2#d2', 2);

    const update = mock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect([first, second]).toEqual([{}, false]);
    expect(update.Key).toEqual(ledgerKeys.budget('us-east-1', 'web'));
    expect(update.Key).toEqual({ pk: 'BUDGET#us-east-1#web', sk: 'BUDGET' });
    expect(update.ConditionExpression).toBe(
      '(attribute_not_exists(holders) OR size(holders) < :max OR contains(holders, :holder))',
    );
    expect(update.ExpressionAttributeValues).toMatchObject({ ':max': 2, ':me': new Set(['i-1#d1']) });
  });

  it('propagates errors other than a failed condition (so Step Functions retries them)', async () => {
    const throttled = new Error('slow down');
    throttled.name = 'ProvisionedThroughputExceededException';
    mock.on(UpdateCommand).rejects(throttled);

    await expect(ledger.acquireBudget('us-east-1', 'web', 'i-1#d1', 2)).rejects.toThrow('slow down');
  });

  it('writes the operations log under the day of the operation', async () => {
    mock.on(PutCommand).resolves({});

    await ledger.appendOperation(NOW, 'terminate-abc', { operation: 'drain-host' });

    expect(mock.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
      pk: 'OP#2026-11-22',
      sk: `${NOW.toISOString()}#terminate-abc`,
      operation: 'drain-host',
    });
  });
});
