import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  PutMetricDataCommand,
  paginateDescribeAlarms,
} from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  NoSuchHostedZone,
  PriorRequestNotComplete,
  paginateListHealthChecks,
  paginateListHostedZones,
  Route53Client,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import type { AwsEvent } from '#local/world/world.ts';
import config from '../../../ballast.config.ts';
import { collect, failure } from './helpers.ts';

/**
 * Route 53, CloudWatch and EventBridge through the real SDK v3 clients, against the example fleet: hosted zone
 * Z0EXAMPLE0BALLAST (example.com) with weighted api/www records per region and one health check per region,
 * and the target-tracking alarms of the services' scaling policies. One cloud; the tests run in order.
 */

const ZONE = 'Z0EXAMPLE0BALLAST';

describe('Route 53, CloudWatch and EventBridge through the SDK v3 clients', () => {
  let cloud: LocalCloud;
  let route53: Route53Client;
  let cloudwatch: CloudWatchClient;
  let events: EventBridgeClient;
  let healthCheckIds: string[] = [];
  const emitted: AwsEvent[] = [];

  beforeAll(async () => {
    cloud = await LocalCloud.start({ config, seed: 14, withBallast: false, rateLimits: false });
    cloud.world.onEvent((e) => emitted.push(e));
    route53 = new Route53Client({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
    cloudwatch = new CloudWatchClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
    events = new EventBridgeClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
  });
  afterAll(async () => {
    route53?.destroy();
    cloudwatch?.destroy();
    events?.destroy();
    await cloud?.stop();
  });

  /** Every record set of a zone, following NextRecordName/Type/Identifier as AWS documents. */
  async function allRecords(zoneId: string, pageSize: number) {
    const pages: ListResourceRecordSetsCommandOutput[] = [];
    let next: Partial<ListResourceRecordSetsCommandOutput> = {};
    do {
      const page = await route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          MaxItems: pageSize,
          StartRecordName: next.NextRecordName,
          StartRecordType: next.NextRecordType,
          StartRecordIdentifier: next.NextRecordIdentifier,
        }),
      );
      pages.push(page);
      next = page.IsTruncated ? page : {};
    } while (next.NextRecordName);
    return { pages, records: pages.flatMap((p) => p.ResourceRecordSets ?? []) };
  }

  it('ListHostedZones pages by marker', async () => {
    const created = await route53.send(
      new CreateHostedZoneCommand({ Name: 'second.example.', CallerReference: 'sdk-test-zone' }),
    );
    const pages = await collect(paginateListHostedZones({ client: route53, pageSize: 1 }, {}));

    expect(pages).toHaveLength(2);
    expect(pages[0]!.IsTruncated).toBe(true);
    expect(pages.flatMap((p) => p.HostedZones ?? []).map((z) => [z.Id, z.Name])).toEqual([
      [`/hostedzone/${ZONE}`, 'example.com.'],
      [created.HostedZone!.Id, 'second.example.'],
    ]);
    expect(pages[0]!.HostedZones![0]!.ResourceRecordSetCount).toBe(6);
  });

  it('ListResourceRecordSets pages through the weighted records by next name, type and identifier', async () => {
    const { pages, records } = await allRecords(ZONE, 2);
    const missing = await failure(route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOPE' })));

    expect(pages.map((p) => p.ResourceRecordSets?.length)).toEqual([2, 2, 2]);
    expect(records.map((r) => [r.Name, r.Type, r.SetIdentifier, r.Weight])).toEqual([
      ['example.com.', 'NS', undefined, undefined],
      ['example.com.', 'SOA', undefined, undefined],
      ['api.example.com.', 'CNAME', 'us-east-1', 255],
      ['api.example.com.', 'CNAME', 'us-west-2', 0],
      ['www.example.com.', 'CNAME', 'us-east-1', 255],
      ['www.example.com.', 'CNAME', 'us-west-2', 0],
    ]);
    expect(records[2]).toMatchObject({
      TTL: 60,
      ResourceRecords: [{ Value: 'alb.us-east-1.example.com' }],
      HealthCheckId: expect.any(String),
    });
    expect(missing).toBeInstanceOf(NoSuchHostedZone);
    expect(missing).toMatchObject({
      message: 'No hosted zone found with ID: ZNOPE',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('ListHealthChecks pages; GetHealthCheckStatus reports what the checkers saw', async () => {
    await cloud.runFor(60_000);
    const pages = await collect(paginateListHealthChecks({ client: route53, pageSize: 1 }, {}));
    const checks = pages.flatMap((p) => p.HealthChecks ?? []);
    healthCheckIds = checks.map((c) => c.Id!);
    const status = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckIds[0]! }));

    expect(pages).toHaveLength(2);
    expect(checks.map((c) => c.HealthCheckConfig?.FullyQualifiedDomainName).toSorted()).toEqual([
      'alb.us-east-1.example.com',
      'alb.us-west-2.example.com',
    ]);
    expect(checks[0]).toMatchObject({
      HealthCheckVersion: 1,
      HealthCheckConfig: {
        Type: 'HTTPS',
        Port: 443,
        ResourcePath: '/health',
        RequestInterval: 10,
        FailureThreshold: 3,
      },
    });
    expect(status.HealthCheckObservations!.length).toBeGreaterThan(0);
    expect(status.HealthCheckObservations![0]).toMatchObject({
      Region: expect.any(String),
      StatusReport: { Status: 'Success: HTTP Status Code 200, OK' },
    });
    expect(status.HealthCheckObservations![0]!.StatusReport!.CheckedTime).toBeInstanceOf(Date);
  });

  it('ChangeResourceRecordSets (simple, weighted, failover with health checks); GetChange PENDING then INSYNC', async () => {
    const [east, west] = healthCheckIds as [string, string];
    const changed = await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: ZONE,
        ChangeBatch: {
          Comment: 'sdk test',
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'simple.example.com',
                Type: 'A',
                TTL: 300,
                ResourceRecords: [{ Value: '192.0.2.1' }],
              },
            },
            ...(['blue', 'green'] as const).map((id, i) => ({
              Action: 'CREATE' as const,
              ResourceRecordSet: {
                Name: 'weighted.example.com',
                Type: 'CNAME' as const,
                SetIdentifier: id,
                Weight: i === 0 ? 200 : 55,
                TTL: 60,
                HealthCheckId: i === 0 ? east : west,
                ResourceRecords: [{ Value: `${id}.example.com` }],
              },
            })),
            ...(['PRIMARY', 'SECONDARY'] as const).map((role, i) => ({
              Action: 'CREATE' as const,
              ResourceRecordSet: {
                Name: 'failover.example.com',
                Type: 'CNAME' as const,
                SetIdentifier: role.toLowerCase(),
                Failover: role,
                TTL: 60,
                HealthCheckId: i === 0 ? east : west,
                ResourceRecords: [{ Value: i === 0 ? 'alb.us-east-1.example.com' : 'alb.us-west-2.example.com' }],
              },
            })),
          ],
        },
      }),
    );
    const pending = await route53.send(new GetChangeCommand({ Id: changed.ChangeInfo!.Id! }));
    const busy = await failure(
      route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: ZONE,
          ChangeBatch: {
            Changes: [
              {
                Action: 'UPSERT',
                ResourceRecordSet: {
                  Name: 'other.example.com',
                  Type: 'A',
                  TTL: 60,
                  ResourceRecords: [{ Value: '192.0.2.9' }],
                },
              },
            ],
          },
        }),
      ),
    );
    await cloud.runFor(60_000);
    const insync = await route53.send(new GetChangeCommand({ Id: changed.ChangeInfo!.Id! }));
    const { records } = await allRecords(ZONE, 100);
    const mine = records.filter((r) => /^(simple|weighted|failover)\./.test(r.Name!));
    const duplicate = await failure(
      route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: ZONE,
          ChangeBatch: {
            Changes: [
              {
                Action: 'DELETE',
                ResourceRecordSet: {
                  Name: 'absent.example.com',
                  Type: 'A',
                  TTL: 60,
                  ResourceRecords: [{ Value: '192.0.2.7' }],
                },
              },
            ],
          },
        }),
      ),
    );

    expect(changed.ChangeInfo).toMatchObject({
      Id: expect.stringMatching(/^\/change\/C[0-9A-F]+$/),
      Status: 'PENDING',
      Comment: 'sdk test',
    });
    expect(changed.ChangeInfo!.SubmittedAt).toBeInstanceOf(Date);
    expect(pending.ChangeInfo!.Status).toBe('PENDING');
    expect(busy).toBeInstanceOf(PriorRequestNotComplete);
    expect(insync.ChangeInfo!.Status).toBe('INSYNC');
    expect(
      mine.map((r) => [
        r.Name,
        r.Type,
        r.SetIdentifier ?? null,
        r.Weight ?? r.Failover ?? null,
        r.HealthCheckId ?? null,
      ]),
    ).toEqual([
      ['failover.example.com.', 'CNAME', 'primary', 'PRIMARY', east],
      ['failover.example.com.', 'CNAME', 'secondary', 'SECONDARY', west],
      ['simple.example.com.', 'A', null, null, null],
      ['weighted.example.com.', 'CNAME', 'blue', 200, east],
      ['weighted.example.com.', 'CNAME', 'green', 55, west],
    ]);
    expect(duplicate).toBeInstanceOf(InvalidChangeBatch);
    expect(duplicate.message).toMatch(/absent\.example\.com/);
  });

  it('UpdateHealthCheck inverts and disables a check, bumping its version', async () => {
    const id = healthCheckIds[1]!;
    const inverted = await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, Inverted: true }));
    const disabled = await route53.send(
      new UpdateHealthCheckCommand({ HealthCheckId: id, Disabled: true, HealthCheckVersion: 2 }),
    );
    const stale = await failure(
      route53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, Inverted: false, HealthCheckVersion: 1 })),
    );

    expect(inverted.HealthCheck).toMatchObject({
      Id: id,
      HealthCheckVersion: 2,
      HealthCheckConfig: { Inverted: true },
    });
    expect(disabled.HealthCheck).toMatchObject({
      HealthCheckVersion: 3,
      HealthCheckConfig: { Inverted: true, Disabled: true },
    });
    expect(stale).toMatchObject({
      name: 'HealthCheckVersionMismatch',
      message: "The value of HealthCheckVersion in the request (1) doesn't match the current version (3).",
      $metadata: { httpStatusCode: 409 },
    });
  });

  it('DescribeAlarms pages through the target-tracking alarms and refuses names with a prefix', async () => {
    const pages = await collect(paginateDescribeAlarms({ client: cloudwatch, pageSize: 4 }, {}));
    const alarms = pages.flatMap((p) => p.MetricAlarms ?? []);
    const byPrefix = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: 'TargetTracking-service/web/api-' }),
    );
    const both = await failure(
      cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'TargetTracking' })),
    );

    expect(pages.map((p) => p.MetricAlarms?.length)).toEqual([4, 2]);
    expect(alarms.every((a) => a.AlarmName!.startsWith('TargetTracking-service/'))).toBe(true);
    expect(byPrefix.MetricAlarms!.map((a) => a.AlarmName!.replace(/-[0-9a-f-]+$/, '')).toSorted()).toEqual([
      'TargetTracking-service/web/api-AlarmHigh',
      'TargetTracking-service/web/api-AlarmLow',
    ]);
    expect(byPrefix.MetricAlarms![0]).toMatchObject({
      Namespace: 'AWS/ECS',
      MetricName: 'CPUUtilization',
      Dimensions: expect.arrayContaining([
        { Name: 'ClusterName', Value: 'web' },
        { Name: 'ServiceName', Value: 'api' },
      ]),
    });
    expect(both).toBeInstanceOf(InvalidParameterCombinationException);
    expect(both.message).toBe('AlarmNames and AlarmNamePrefix cannot be specified together.');
  });

  it('PutMetricData then GetMetricData reads the points back; AWS/ namespaces are refused', async () => {
    const start = cloud.world.now();
    for (const value of [10, 30]) {
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'Ballast/SdkTest',
          MetricData: [{ MetricName: 'Drains', Dimensions: [{ Name: 'Region', Value: 'us-east-1' }], Value: value }],
        }),
      );
      await cloud.runFor(60_000);
    }
    const data = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(start - 60_000),
        EndTime: new Date(cloud.world.now()),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          {
            Id: 'drains',
            MetricStat: {
              Metric: {
                Namespace: 'Ballast/SdkTest',
                MetricName: 'Drains',
                Dimensions: [{ Name: 'Region', Value: 'us-east-1' }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const reserved = await failure(
      cloudwatch.send(new PutMetricDataCommand({ Namespace: 'AWS/ECS', MetricData: [{ MetricName: 'X', Value: 1 }] })),
    );

    const result = data.MetricDataResults![0]!;
    expect(result).toMatchObject({ Id: 'drains', Label: 'Drains', StatusCode: 'Complete' });
    expect(result.Values).toEqual([10, 30]);
    expect(result.Timestamps!.every((t) => t instanceof Date)).toBe(true);
    // CloudWatch answers the awsQuery code InvalidParameterValue; the SDK names the modeled shape.
    expect(reserved).toBeInstanceOf(InvalidParameterValueException);
    expect(reserved).toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'The value AWS/ECS for parameter Namespace is invalid.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('PutEvents puts valid entries on the bus, rejects invalid ones per entry, and refuses more than 10', async () => {
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'ballast.sdk-test', DetailType: 'Sdk Test', Detail: JSON.stringify({ n: 1 }) },
          { Source: 'ballast.sdk-test', DetailType: 'Sdk Test', Detail: '[1]' },
          { Source: 'ballast.sdk-test', DetailType: 'Sdk Test', Detail: '{}', EventBusName: 'elsewhere' },
        ],
      }),
    );
    const tooMany = await failure(
      events.send(
        new PutEventsCommand({
          Entries: Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' })),
        }),
      ),
    );
    const seen = emitted.filter((e) => e.source === 'ballast.sdk-test');

    expect(put.FailedEntryCount).toBe(2);
    expect(put.Entries).toEqual([
      { EventId: expect.any(String) },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Event bus elsewhere does not exist.' },
    ]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ id: put.Entries![0]!.EventId, 'detail-type': 'Sdk Test', detail: { n: 1 } });
    expect(tooMany).toMatchObject({
      name: 'ValidationException',
      message: 'Entries must contain between 1 and 10 entries',
    });
  });
});
