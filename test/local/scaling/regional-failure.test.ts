import { performance } from 'node:perf_hooks';
import { CloudWatchClient, GetMetricDataCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  GetHealthCheckCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import example from '../../../ballast.config.ts';

/**
 * The local cloud's pieces a region failover rests on: load balancer metrics per region in CloudWatch, a gray
 * failure that health checks do not see, a standby too small for the full load until it is raised, a region
 * whose APIs time out, a Route 53 control plane that is impaired while answers and health checks keep working,
 * and the health-check kinds Ballast uses (CloudWatch alarm, calculated, inverted), all through the real SDK.
 */
const PRIMARY = 'us-east-1';
const STANDBY = 'us-west-2';
const LB: Record<string, string> = { [PRIMARY]: 'app/web/0123456789abcdef', [STANDBY]: 'app/web/fedcba9876543210' };
const minutes = (n: number) => n * 60_000;
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

/** Sums (or the p99) of one ELB metric per minute over the last `span` minutes, oldest first. */
async function elbSeries(c: LocalCloud, region: string, metric: string, stat: string, span: number) {
  const cw = new CloudWatchClient(c.clientConfig(region));
  const end = new Date(Math.floor(c.world.now() / 60_000) * 60_000);
  const out = await cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(end.getTime() - minutes(span)),
      EndTime: end,
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: metric,
              Dimensions: [{ Name: 'LoadBalancer', Value: LB[region]! }],
            },
            Period: 60,
            Stat: stat,
          },
        },
      ],
    }),
  );
  return out.MetricDataResults?.[0]?.Values ?? [];
}

const total = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Sends every client of both records to `region` (weight 255 there, 0 elsewhere), as one change. */
async function sendAllTo(c: LocalCloud, region: string) {
  const r53 = new Route53Client(c.clientConfig());
  const zone = c.config.dns!.hostedZoneId;
  const { ResourceRecordSets = [] } = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone }));
  const weighted = ResourceRecordSets.filter((rs) => rs.SetIdentifier !== undefined);
  await r53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zone,
      ChangeBatch: {
        Changes: weighted.map((rs) => ({
          Action: 'UPSERT',
          ResourceRecordSet: { ...rs, Weight: rs.SetIdentifier === region ? 255 : 0 },
        })),
      },
    }),
  );
}

describe('the local cloud under a regional failure', () => {
  it('publishes each region load balancer request, 5xx and p99 latency metrics into its CloudWatch', async () => {
    // Arrange
    cloud = await LocalCloud.start({ config: example, seed: 31, withBallast: false });

    // Act
    await cloud.runFor(minutes(5));

    // Assert: the primary serves api + frontend (300 rps by default), the weight-0 standby nothing.
    const requests = await elbSeries(cloud, PRIMARY, 'RequestCount', 'Sum', 3);
    expect(requests).toHaveLength(3);
    for (const perMinute of requests) expect(perMinute).toBeCloseTo(300 * 60, -2);
    expect(await elbSeries(cloud, PRIMARY, 'HTTPCode_Target_5XX_Count', 'Sum', 3)).toEqual([]);
    const p99 = await elbSeries(cloud, PRIMARY, 'TargetResponseTime', 'p99', 3);
    const avg = await elbSeries(cloud, PRIMARY, 'TargetResponseTime', 'Average', 3);
    expect(p99[0]).toBeGreaterThan(avg[0]!);
    expect(p99[0]).toBeLessThan(1);
    expect(await elbSeries(cloud, STANDBY, 'RequestCount', 'Sum', 3)).toEqual([]);
  });

  it('fails a share of requests in a gray failure while every health check keeps passing', async () => {
    // Arrange
    cloud = await LocalCloud.start({ config: example, seed: 32, withBallast: false });
    const c = cloud;
    await c.runFor(minutes(2));
    const failedBefore = c.world.traffic.totals().failed;

    // Act
    c.world.traffic.grayFailure(PRIMARY, 0.3);
    await c.runFor(minutes(4));

    // Assert: 30 % of the requests fail as target 5xx, yet Route 53 and the load balancer see only health.
    const requests = total(await elbSeries(c, PRIMARY, 'RequestCount', 'Sum', 3));
    const errors = total(await elbSeries(c, PRIMARY, 'HTTPCode_Target_5XX_Count', 'Sum', 3));
    expect(errors / requests).toBeCloseTo(0.3, 2);
    expect(c.world.traffic.totals().failed - failedBefore).toBeGreaterThan(0.25 * requests);
    const primaryCheck = [...c.world.route53.healthChecks.values()].find((h) => h.target.region === PRIMARY)!;
    expect(c.world.route53.isHealthy(primaryCheck.Id)).toBe(true);
    expect(c.world.route53.regionShares('api.example.com').get(PRIMARY)).toBe(1);
    const elb = new ElasticLoadBalancingV2Client(c.clientConfig(PRIMARY));
    const tg = c.world.region(PRIMARY).elb.targetGroup('api-tg')!;
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.arn }));
    expect(health.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual(
      Array(tg.targets.size).fill('healthy'),
    );

    c.world.traffic.grayFailure(PRIMARY, 0);
    await c.runFor(minutes(2));
    expect(await elbSeries(c, PRIMARY, 'HTTPCode_Target_5XX_Count', 'Sum', 1)).toEqual([]);
  });

  it('overloads a standby too small for the full load until it is raised', async () => {
    // Arrange: the primary's api carries 600 rps on 8 tasks; the standby runs its floor, 2 tasks (200 rps).
    cloud = await LocalCloud.start({
      config: example,
      seed: 33,
      withBallast: false,
      fleet: { regions: { [PRIMARY]: { services: { 'web/api': { desiredCount: 8, rps: 600 } } } } },
    });
    const c = cloud;
    await c.runFor(minutes(1));

    // Act: every client goes to the standby.
    await sendAllTo(c, STANDBY);
    await c.runFor(minutes(4));
    const small = {
      requests: total(await elbSeries(c, STANDBY, 'RequestCount', 'Sum', 2)),
      elb5xx: total(await elbSeries(c, STANDBY, 'HTTPCode_ELB_5XX_Count', 'Sum', 2)),
      p99: Math.max(...(await elbSeries(c, STANDBY, 'TargetResponseTime', 'p99', 2))),
    };
    const ecs = new ECSClient(c.clientConfig(STANDBY));
    await ecs.send(new UpdateServiceCommand({ cluster: 'web', service: 'api', desiredCount: 8 }));
    await c.runUntil(() => c.world.region(STANDBY).ecs.getService('web', 'api')!.runningCount >= 8, minutes(10));
    await c.runFor(minutes(3));
    const raised = {
      elb5xx: total(await elbSeries(c, STANDBY, 'HTTPCode_ELB_5XX_Count', 'Sum', 2)),
      p99: Math.max(...(await elbSeries(c, STANDBY, 'TargetResponseTime', 'p99', 2))),
    };

    // Assert: two thirds of the api's 600 rps fail while 2 tasks serve them; none once 8 run.
    expect(small.elb5xx / small.requests).toBeGreaterThan(0.5);
    expect(small.p99).toBeGreaterThan(1.5);
    expect(raised.elb5xx).toBe(0);
    expect(raised.p99).toBeLessThan(0.5);
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['api'] }));
    expect(services?.[0]?.runningCount).toBe(8);
  });

  it('holds calls to a region whose APIs time out until the client gives up, and the other region answers', async () => {
    // Arrange
    cloud = await LocalCloud.start({ config: example, seed: 34, withBallast: false });
    const c = cloud;
    const now = c.world.now();
    c.world.faults.push({
      service: '*',
      region: PRIMARY,
      errorRate: 1,
      timeout: true,
      from: now,
      until: now + minutes(60),
    });
    const primary = new ECSClient(c.clientConfig(PRIMARY));
    const standby = new ECSClient(c.clientConfig(STANDBY));

    // Act
    const started = performance.now(); // real time: Date is virtual in the local cloud
    const held = primary.send(new DescribeServicesCommand({ cluster: 'web', services: ['api'] }), {
      abortSignal: AbortSignal.timeout(500),
    });
    const timedOut = await held.then(
      () => 'answered',
      (error: Error) => error.name,
    );
    const waited = performance.now() - started;
    const other = await standby.send(new DescribeServicesCommand({ cluster: 'web', services: ['api'] }));

    // Assert
    expect(timedOut).toBe('AbortError');
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(other.services?.[0]?.serviceName).toBe('api');
    expect(c.endpoint.calls.filter((call) => call.outcome === 'timeout').map((call) => call.region)).toEqual([PRIMARY]);
  });

  it('follows CloudWatch alarms and children in CLOUDWATCH_METRIC and CALCULATED health checks, inverted too', async () => {
    // Arrange: an alarm in the standby on its load balancer's 5xx count; checks on it made through the SDK.
    cloud = await LocalCloud.start({ config: example, seed: 35, withBallast: false });
    const c = cloud;
    const cw = new CloudWatchClient(c.clientConfig(PRIMARY));
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'primary-5xx',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Dimensions: [{ Name: 'LoadBalancer', Value: LB[PRIMARY]! }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 100,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    const r53 = new Route53Client(c.clientConfig());
    const create = async (ref: string, config: Record<string, unknown>) =>
      (await r53.send(new CreateHealthCheckCommand({ CallerReference: ref, HealthCheckConfig: config as never })))
        .HealthCheck!.Id!;
    const onAlarm = await create('on-alarm', {
      Type: 'CLOUDWATCH_METRIC',
      AlarmIdentifier: { Region: PRIMARY, Name: 'primary-5xx' },
      InsufficientDataHealthStatus: 'Healthy',
    });
    const inverted = await create('on-alarm-inverted', {
      Type: 'CLOUDWATCH_METRIC',
      AlarmIdentifier: { Region: PRIMARY, Name: 'primary-5xx' },
      InsufficientDataHealthStatus: 'Healthy',
      Inverted: true,
    });
    const calculated = await create('calculated', {
      Type: 'CALCULATED',
      ChildHealthChecks: [onAlarm, inverted],
      HealthThreshold: 2,
    });
    await c.runFor(minutes(3));
    const health = () => [onAlarm, inverted, calculated].map((id) => c.world.route53.isHealthy(id));
    const before = health();

    // Act
    c.world.traffic.grayFailure(PRIMARY, 0.2);
    await c.runFor(minutes(3));
    const during = health();

    // Assert
    expect(before).toEqual([true, false, false]);
    expect(during).toEqual([false, true, false]);
    const described = await r53.send(new GetHealthCheckCommand({ HealthCheckId: calculated }));
    expect(described.HealthCheck?.HealthCheckConfig).toMatchObject({
      Type: 'CALCULATED',
      ChildHealthChecks: [onAlarm, inverted],
      HealthThreshold: 2,
    });
    await expect(
      create('bad', { Type: 'CALCULATED', ChildHealthChecks: ['00000000-0000-4000-b000-000000000000'] }),
    ).rejects.toMatchObject({ name: 'NoSuchHealthCheck' });
    await expect(create('bad-alarm', { Type: 'CLOUDWATCH_METRIC' })).rejects.toMatchObject({ name: 'InvalidInput' });
  });

  it('refuses record changes while the Route 53 control plane is impaired, and still steers by health checks', async () => {
    // Arrange
    cloud = await LocalCloud.start({ config: example, seed: 36, withBallast: false });
    const c = cloud;
    c.world.route53.impairControlPlane();

    // Act
    const change = sendAllTo(c, STANDBY).then(
      () => 'accepted',
      (e: Error) => e.name,
    );
    c.world.region(PRIMARY).down = true;
    await c.runFor(minutes(3));

    // Assert
    expect(await change).toBe('ServiceUnavailable');
    expect(c.world.route53.regionShares('api.example.com').get(STANDBY)).toBe(1);
    expect(
      c.endpoint.calls.filter((call) => call.action === 'ChangeResourceRecordSets' && call.outcome === 'ok'),
    ).toEqual([]);
  });
});
