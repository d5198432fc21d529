import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEndpoint, startEndpoint } from '#local/server/endpoint.ts';
import { allServices, type CloudWatchCapture, fakeWorld, START } from './fixtures.ts';

/** The same endpoint through botocore (boto3): another SDK's serializers and parsers must agree with ours. */
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
const script = fileURLToPath(new URL('./python/drive_boto3.py', import.meta.url));

describe('the endpoint driven by boto3', () => {
  let endpoint: LocalEndpoint;
  const cloudwatch: CloudWatchCapture = {};

  beforeAll(async () => {
    endpoint = await startEndpoint({
      world: fakeWorld().world,
      services: allServices(undefined, undefined, cloudwatch),
      rateLimits: false,
    });
  });
  afterAll(async () => {
    await endpoint.close();
  });

  async function drive(protocol: string): Promise<Record<string, unknown>> {
    const env = { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const { stdout } = await promisify(execFile)('python3', [script, endpoint.url, protocol], { env });
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  it.skipIf(!hasBoto3)('speaks json 1.1 and 1.0 (ECS, Step Functions)', async () => {
    const out = await drive('json');

    expect(out.clusters).toHaveLength(5);
    expect(out.createdAt).toBe('2026-11-25T01:59:00+00:00');
    expect(out.error).toEqual({ code: 'ClusterNotFoundException', message: 'Cluster not found: nope', status: 400 });
    expect(out.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:drain:py');
    expect(out.startDate).toBe('2026-11-25T02:00:00+00:00');
  });

  it.skipIf(!hasBoto3)('speaks awsQuery (Auto Scaling)', async () => {
    const out = await drive('query');

    expect(out.group).toEqual({
      name: 'web',
      desired: 2,
      zones: ['us-east-1a', 'us-east-1b'],
      created: '2026-11-24T02:00:00+00:00',
      protected: [true, false],
      tagValue: '007',
    });
    expect(out.error).toEqual({ code: 'ValidationError', message: 'MaxRecords must be at most 100', status: 400 });
    expect(endpoint.calls.find((c) => c.action === 'SetDesiredCapacity')?.outcome).toBe('ok');
  });

  it.skipIf(!hasBoto3)('speaks restXml (Route 53)', async () => {
    const out = await drive('rest-xml');

    expect(out.records).toEqual([
      ['a.example.com.', 0, ['10.0.0.1', '10.0.1.1']],
      ['b.example.com.', 10, ['10.0.0.2', '10.0.1.2']],
    ]);
    expect(out.next).toBe('c.example.com.');
    expect(out.change).toEqual({ id: '/change/C1', status: 'PENDING' });
    expect(out.insync).toBe('INSYNC');
    expect(out.error).toEqual({
      code: 'NoSuchHostedZone',
      message: 'No hosted zone found with ID: ZNOPE',
      status: 404,
    });
  });

  it.skipIf(!hasBoto3)('reaches dynalite through the main endpoint', async () => {
    const out = await drive('dynamodb');

    expect(out.item).toEqual({ pk: { S: 'a' }, n: { N: '1' } });
    expect(out.error).toMatchObject({ code: 'ConditionalCheckFailedException', status: 400 });
  });

  it.skipIf(!hasBoto3)('speaks awsJson 1.0 to CloudWatch with its awsQuery-compatible error codes', async () => {
    const out = await drive('cloudwatch');

    expect(out.alarm).toEqual({ name: 'web-cpu-high', threshold: 70.5, updated: '2026-11-25T01:55:00+00:00' });
    expect(cloudwatch.lastPut).toEqual({
      Namespace: 'Ballast',
      MetricData: [{ MetricName: 'Heartbeat', Value: 1, Timestamp: START / 1000 }],
    });
    expect(out.error).toEqual({ code: 'ResourceNotFound', message: 'Alarm nope does not exist', status: 404 });
  });
});
