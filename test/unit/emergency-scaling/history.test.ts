import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '#config/schema.ts';
import { scalingConfigFor } from '#functions/emergency-scaling/config-schema.ts';
import { sampleCapacity } from '#functions/emergency-scaling/core/sample.ts';
import {
  historyKeys,
  percentile,
  readGroupHistory,
  readServiceHistory,
  writeSamples,
} from '#shared/capacity-history.ts';

/** The capacity history: the sampler's writes (the contract region failover reads) and the reader's figures. */
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamoMock = mockClient(dynamo);
const ecs = new ECSClient({ region: 'us-east-1' });
const ecsMock = mockClient(ecs);
const autoScaling = new AutoScalingClient({ region: 'us-east-1' });
const asgMock = mockClient(autoScaling);
const store = { dynamo, tableName: 'ballast-ledger' };
const NOW = new Date('2026-11-25T13:00:00.000Z');
const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** An in-memory partition that answers Query with BETWEEN on sk, in pages of `pageSize`. */
function table(items: Record<string, unknown>[], pageSize = 1000) {
  dynamoMock.on(QueryCommand).callsFake((input) => {
    const pk = input.ExpressionAttributeValues[':pk'];
    const from = input.ExpressionAttributeValues[':from'];
    const to = input.ExpressionAttributeValues[':to'];
    const matching = items
      .filter((i) => i.pk === pk && String(i.sk) >= from && String(i.sk) <= to)
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    const start = input.ExclusiveStartKey ? matching.findIndex((i) => i.sk === input.ExclusiveStartKey.sk) + 1 : 0;
    const page = matching.slice(start, start + pageSize);
    const more = start + pageSize < matching.length;
    return { Items: page, ...(more ? { LastEvaluatedKey: { pk, sk: page[page.length - 1]!.sk } } : {}) };
  });
}

const minutesAgo = (m: number, from = NOW) => new Date(from.getTime() - m * 60_000).toISOString();
const apiPk = historyKeys.service('us-east-1', 'web', 'api');

beforeEach(() => {
  dynamoMock.reset();
  ecsMock.reset();
  asgMock.reset();
});

describe('the capacity history keys', () => {
  it('follow the contract region failover reads', () => {
    expect(historyKeys.service('us-east-1', 'web', 'api')).toBe('HISTORY#us-east-1#web/api');
    expect(historyKeys.group('us-west-2', 'web-hosts')).toBe('HISTORY#us-west-2#asg/web-hosts');
  });
});

describe('the history reader', () => {
  it('gives the peak, the nearest-rank p95 and the same hour a week ago of running counts', async () => {
    // Arrange: 20 samples in the last 24 h (running 1..20), and a week-ago hour with a peak of 33.
    const items = Array.from({ length: 20 }, (_, i) => ({
      pk: apiPk,
      sk: minutesAgo(60 * i + 5),
      running: 20 - i,
      desired: 30,
    }));
    const weekAgo = new Date(NOW.getTime() - 7 * 86_400_000);
    items.push({ pk: apiPk, sk: minutesAgo(10, weekAgo), running: 33, desired: 33 });
    items.push({ pk: apiPk, sk: minutesAgo(-20, weekAgo), running: 31, desired: 31 });
    items.push({ pk: apiPk, sk: minutesAgo(90, weekAgo), running: 99, desired: 99 }); // outside the hour
    table(items);

    // Act
    const summary = await readServiceHistory(store, {
      region: 'us-east-1',
      cluster: 'web',
      service: 'api',
      hours: 24,
      now: NOW,
      current: 3,
    });

    // Assert
    expect(summary).toEqual({ samples: 20, peak: 20, p95: 19, latest: 20, weekAgo: 33, noHistory: false });
  });

  it('reads every page of a long window', async () => {
    const items = Array.from({ length: 250 }, (_, i) => ({
      pk: apiPk,
      sk: minutesAgo(i + 1),
      running: i === 200 ? 77 : 5,
    }));
    table(items, 100);

    const summary = await readServiceHistory(store, {
      region: 'us-east-1',
      cluster: 'web',
      service: 'api',
      hours: 24,
      now: NOW,
      current: 5,
    });

    expect(summary.samples).toBe(250);
    expect(summary.peak).toBe(77);
    expect(dynamoMock.commandCalls(QueryCommand).length).toBeGreaterThanOrEqual(3);
  });

  it('falls back to the current count and says so when there is no history', async () => {
    table([{ pk: apiPk, sk: minutesAgo(60 * 48), running: 50 }]); // older than the window

    const summary = await readServiceHistory(store, {
      region: 'us-east-1',
      cluster: 'web',
      service: 'api',
      hours: 24,
      now: NOW,
      current: 6,
    });

    expect(summary).toEqual({ samples: 0, peak: 6, p95: 6, noHistory: true });
  });

  it('reads a group by its InService count, or by desired when asked', async () => {
    const pk = historyKeys.group('us-east-1', 'web-hosts');
    table([
      { pk, sk: minutesAgo(5), inService: 4, desired: 6 },
      { pk, sk: minutesAgo(3), inService: 5, desired: 6 },
    ]);

    const inService = await readGroupHistory(store, {
      region: 'us-east-1',
      group: 'web-hosts',
      hours: 1,
      now: NOW,
      current: 0,
    });
    const desired = await readGroupHistory(store, {
      region: 'us-east-1',
      group: 'web-hosts',
      hours: 1,
      now: NOW,
      current: 0,
      measure: 'desired',
    });

    expect([inService.peak, desired.peak]).toEqual([5, 6]);
  });

  it('rejects a window that is not a positive number of hours', async () => {
    table([]);
    await expect(
      readServiceHistory(store, {
        region: 'us-east-1',
        cluster: 'web',
        service: 'api',
        hours: 0,
        now: NOW,
        current: 1,
      }),
    ).rejects.toThrow(/positive number of hours/);
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 50)).toBe(5);
  });
});

describe('the capacity sampler', () => {
  const config = scalingConfigFor(
    parseConfig({
      primaryRegion: 'us-east-1',
      standbyRegion: 'us-west-2',
      regions: {
        'us-east-1': {
          clusters: [{ name: 'web' }],
          autoScalingGroups: [{ name: 'web-hosts', cluster: 'web' }],
          services: Array.from({ length: 12 }, (_, i) => ({ name: `svc-${i}`, cluster: 'web', floor: 1, ceiling: 10 })),
        },
        'us-west-2': { clusters: [{ name: 'web' }] },
      },
    }),
    'us-east-1',
  );
  const deps = () => ({
    clients: { ecs, autoScaling } as never,
    history: store,
    clock: () => NOW,
    config,
    logger: silent,
  });

  it('describes services ten at a time and writes one sample per service and group with the TTL', async () => {
    // Arrange
    ecsMock.on(DescribeServicesCommand).callsFake((input) => ({
      services: input.services
        .filter((name: string) => name !== 'svc-11')
        .map((name: string, i: number) => ({
          serviceName: name,
          status: 'ACTIVE',
          desiredCount: 4,
          runningCount: 3 + i,
          pendingCount: 1,
        })),
    }));
    asgMock.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'web-hosts',
          DesiredCapacity: 3,
          Instances: [{ LifecycleState: 'InService' }, { LifecycleState: 'InService' }, { LifecycleState: 'Pending' }],
        } as never,
      ],
    });
    dynamoMock.on(BatchWriteCommand).resolves({});

    // Act
    const result = await sampleCapacity(deps());

    // Assert
    const describes = ecsMock.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services?.length);
    expect(describes).toEqual([10, 2]);
    expect(result).toMatchObject({ services: 11, groups: 1, missingServices: ['web/svc-11'], missingGroups: [] });
    const written = dynamoMock
      .commandCalls(BatchWriteCommand)
      .flatMap((c) => c.args[0].input.RequestItems!['ballast-ledger']!.map((r) => r.PutRequest!.Item!));
    expect(written).toHaveLength(12);
    expect(written).toContainEqual({
      pk: 'HISTORY#us-east-1#web/svc-0',
      sk: NOW.toISOString(),
      desired: 4,
      running: 3,
      pending: 1,
      expiresAt: Math.floor(NOW.getTime() / 1000) + 35 * 86_400,
    });
    expect(written).toContainEqual({
      pk: 'HISTORY#us-east-1#asg/web-hosts',
      sk: NOW.toISOString(),
      desired: 3,
      inService: 2,
      expiresAt: Math.floor(NOW.getTime() / 1000) + 35 * 86_400,
    });
  });

  it('sends unprocessed items again, 25 a call, and throws when DynamoDB keeps refusing', async () => {
    const services = Array.from({ length: 30 }, (_, i) => ({
      cluster: 'web',
      service: `s${i}`,
      desired: 1,
      running: 1,
      pending: 0,
    }));
    let first = true;
    dynamoMock.on(BatchWriteCommand).callsFake((input) => {
      const requests = input.RequestItems['ballast-ledger'];
      if (first) {
        first = false;
        return { UnprocessedItems: { 'ballast-ledger': requests.slice(0, 2) } };
      }
      return {};
    });

    const count = await writeSamples(store, 'us-east-1', NOW, { services, groups: [] }, 35);

    const sizes = dynamoMock
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems!['ballast-ledger']!.length);
    expect(count).toBe(30);
    expect(sizes).toEqual([25, 2, 5]);

    dynamoMock.reset();
    dynamoMock.on(BatchWriteCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
    await expect(writeSamples(store, 'us-east-1', NOW, { services, groups: [] }, 35, 3)).rejects.toThrow(
      /unprocessed after 3 attempts/,
    );
  });
});
