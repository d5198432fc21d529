import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import config from '../../../ballast.config.ts';

/**
 * CloudWatch through both of its wire protocols with the real SDK v3 client: awsJson 1.0 (the SDK's default)
 * and awsQuery (what the AWS CLI v2 and older SDKs speak; the SDK is told to use it). The query side is where
 * a model-less decoder went wrong: two `put-metric-data --value 1.5` summed to the string '1.51.5', and an
 * `AlarmDescription` of 42 came back as a number. Both protocols must store and answer the same values.
 */
describe.each([
  ['awsJson 1.0', {}],
  ['awsQuery', { protocol: AwsQueryProtocol }],
] as const)('CloudWatch over %s', (protocolName, protocolConfig) => {
  let cloud: LocalCloud;
  let cloudwatch: CloudWatchClient;
  const contentTypes: string[] = [];

  beforeAll(async () => {
    cloud = await LocalCloud.start({ config, seed: 3, withBallast: false, rateLimits: false });
    cloudwatch = new CloudWatchClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1, ...protocolConfig });
    cloudwatch.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        contentTypes.push(request.headers?.['content-type'] ?? '');
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordContentType' },
    );
  });
  afterAll(async () => {
    cloudwatch?.destroy();
    await cloud?.stop();
  });

  it('went over the wire protocol it names', async () => {
    await cloudwatch.send(new DescribeAlarmsCommand({ MaxRecords: 1 }));

    expect(cloud.endpoint.calls.at(-1)).toMatchObject({
      service: 'cloudwatch',
      action: 'DescribeAlarms',
      outcome: 'ok',
    });
    expect(contentTypes.at(-1)).toContain(
      protocolName === 'awsQuery' ? 'application/x-www-form-urlencoded' : 'application/x-amz-json-1.0',
    );
  });

  it('two data points of 1.5 in one minute sum to 3, and Values/Counts are numbers', async () => {
    const minute = Math.floor(cloud.world.now() / 60_000) * 60_000;
    const at = new Date(minute + 10_000);
    const metric = { MetricName: 'Latency', Dimensions: [{ Name: 'Stage', Value: '42' }] };
    await cloudwatch.send(
      new PutMetricDataCommand({ Namespace: 'Ballast/Cli', MetricData: [{ ...metric, Value: 1.5, Timestamp: at }] }),
    );
    await cloudwatch.send(
      new PutMetricDataCommand({ Namespace: 'Ballast/Cli', MetricData: [{ ...metric, Value: 1.5, Timestamp: at }] }),
    );
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'Ballast/Cli',
        MetricData: [{ ...metric, Values: [0.25, 2], Counts: [2, 1], Timestamp: new Date(minute + 70_000) }],
      }),
    );
    const query = (stat: string, id: string) => ({
      Id: id,
      MetricStat: { Metric: { Namespace: 'Ballast/Cli', ...metric }, Period: 60, Stat: stat },
    });
    const data = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(minute),
        EndTime: new Date(minute + 120_000),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [query('Sum', 'sum'), query('SampleCount', 'count')],
      }),
    );

    expect(data.MetricDataResults?.map((r) => [r.Id, r.Values])).toEqual([
      ['sum', [3, 2.5]],
      ['count', [2, 3]],
    ]);
  });

  it('an AlarmDescription of "42" and a numeric-looking dimension value stay strings', async () => {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'cli-42',
        AlarmDescription: '42',
        Namespace: 'Ballast/Cli',
        MetricName: 'Latency',
        Dimensions: [{ Name: 'Stage', Value: '007' }],
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 1.25,
        ComparisonOperator: 'GreaterThanThreshold',
        ActionsEnabled: false,
      }),
    );
    // Read back over JSON, which shows the stored type (XML answers would hide it: the SDK types them by shape).
    const reader = new CloudWatchClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
    const out = await reader.send(new DescribeAlarmsCommand({ AlarmNames: ['cli-42'] }));
    reader.destroy();

    expect(out.MetricAlarms?.[0]).toMatchObject({
      AlarmName: 'cli-42',
      AlarmDescription: '42',
      Dimensions: [{ Name: 'Stage', Value: '007' }],
      Threshold: 1.25,
      EvaluationPeriods: 2,
      ActionsEnabled: false,
    });
    expect(typeof out.MetricAlarms?.[0]?.AlarmDescription).toBe('string');
  });
});

describe('CloudWatch over awsQuery, a malformed request', () => {
  let cloud: LocalCloud;
  let cloudwatch: CloudWatchClient;

  beforeAll(async () => {
    cloud = await LocalCloud.start({ config, seed: 3, withBallast: false, rateLimits: false });
    cloudwatch = new CloudWatchClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
  });
  afterAll(async () => {
    cloudwatch?.destroy();
    await cloud?.stop();
  });

  it('a value that does not fit its shape is refused with a 400 naming the parameter, and stores nothing', async () => {
    const { accessKeyId } = cloud.clientConfig('us-east-1').credentials;
    const response = await fetch(cloud.endpoint.url, {
      method: 'POST',
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261125/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=00`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'Action=PutMetricData&Version=2010-08-01&Namespace=Ballast%2FCli&MetricData.member.1.MetricName=Bad&MetricData.member.1.Value=fast',
    });
    const text = await response.text();
    const data = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(cloud.world.now() - 3_600_000),
        EndTime: new Date(cloud.world.now() + 60_000),
        MetricDataQueries: [
          {
            Id: 'bad',
            MetricStat: { Metric: { Namespace: 'Ballast/Cli', MetricName: 'Bad' }, Period: 60, Stat: 'Sum' },
          },
        ],
      }),
    );

    expect(response.status).toBe(400);
    expect(text).toContain('<Code>InvalidParameterValue</Code>');
    expect(text).toContain(
      'Value &apos;fast&apos; for parameter MetricData.member.1.Value is invalid: it must be a number.',
    );
    expect(data.MetricDataResults?.[0]?.Values).toEqual([]);
  });
});
