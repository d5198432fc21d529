import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import type { DeployedStack } from '#local/deploy/deployer.ts';
import { failoverCli as runFailoverCli, watchShares as watchRecordShares } from '#test/support/failover.ts';
import { grantedActions } from '#test/support/grants.ts';
import { iamAuthorizer } from '#test/support/iam-authorizer.ts';
import example from '../../ballast.config.ts';

/**
 * Region failover end to end in the local cloud: `ballast failover` starts the real state machine from the
 * synthesized template in the destination (us-west-2); its real handlers raise the standby's ECS services and
 * Auto Scaling groups, read target health and the load balancers' metrics from the simulated CloudWatch, steer
 * the weighted records of the simulated Route 53 and take the fence in dynalite, all on virtual time, while the
 * traffic model sends clients where the DNS answers they hold point.
 */
const PRIMARY = 'us-east-1';
const STANDBY = 'us-west-2';
const RECORD = 'api.example.com';
const minutes = (n: number) => n * 60_000;
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

const failoverCli = (c: LocalCloud, args: string[]) => runFailoverCli(c, STANDBY, args);

/** The standby's share of what Route 53 answers for the record, and of what clients hold. */
const watchShares = (c: LocalCloud) => watchRecordShares(c, RECORD, STANDBY);

/** The example fleet with a third region, eu-west-1, a copy of the standby (its own load balancer). */
function threeRegions() {
  const third = 'eu-west-1';
  return {
    ...example,
    regions: { ...example.regions, [third]: example.regions[STANDBY]! },
    policies: {
      ...example.policies,
      failover: {
        ...example.policies!.failover!,
        loadBalancers: { ...example.policies!.failover!.loadBalancers!, [third]: ['app/web/00112233aabbccdd'] },
      },
    },
  };
}

const changeCalls = (c: LocalCloud) =>
  c.endpoint.calls.filter((call) => call.action === 'ChangeResourceRecordSets' && call.caller !== 'deployer');

describe('region failover in the local cloud', () => {
  it('immediate: raises the standby, flips every record once, waits the TTL, fences the old region', async () => {
    // Arrange
    cloud = await LocalCloud.start({ config: example, seed: 41, withBallast: true });
    const c = cloud;
    await c.runFor(minutes(5));
    const standbyApi = () => c.world.region(STANDBY).ecs.getService('web', 'api')!;
    const before = standbyApi().desiredCount;
    const failedBefore = c.world.traffic.totals().failed;

    // Act
    const run = await failoverCli(c, ['start', '--to', STANDBY, '--mode', 'immediate', '--confirm', STANDBY, '--wait']);
    await c.runFor(minutes(2));

    // Assert
    expect(run.code, [...run.out, ...run.err].join('\n')).toBe(0);
    expect(run.last).toMatchObject({ status: 'SUCCEEDED', outcome: 'completed' });
    expect(changeCalls(c)).toHaveLength(1);
    expect(c.world.route53.regionShares(RECORD).get(STANDBY)).toBe(1);
    // The primary's api ran 4 tasks: the standby was raised to 4 (from its floor of 2) before traffic moved.
    expect([before, standbyApi().desiredCount, standbyApi().runningCount]).toEqual([2, 4, 4]);
    expect(c.world.traffic.totals().failed - failedBefore).toBe(0);
  }, 120_000);

  it('ladder: climbs every rung, each held and watched, and ends with all traffic on the standby', async () => {
    // Arrange
    cloud = await LocalCloud.start({ config: example, seed: 42, withBallast: true });
    const c = cloud;
    await c.runFor(minutes(5));
    const shares = watchShares(c);

    // Act
    const run = await failoverCli(c, ['start', '--to', STANDBY, '--confirm', STANDBY, '--wait']);

    // Assert: one change per rung (1, 5, 25, 50, 100 %), the shares answered in that order.
    expect(run.code, [...run.out, ...run.err].join('\n')).toBe(0);
    expect(run.last).toMatchObject({ status: 'SUCCEEDED', outcome: 'completed' });
    expect(changeCalls(c)).toHaveLength(5);
    const steps = [...new Set(shares.map((s) => Math.round(s.authoritative * 1000) / 10))];
    expect(steps).toEqual([0, 1, 5, 25, 50, 100]);
    const rungProgress = run.out.filter((l) => /rung/.test(l));
    expect(rungProgress.length).toBeGreaterThanOrEqual(5);
    expect(c.world.traffic.byRegion()[STANDBY]?.failed ?? 0).toBe(0);
  }, 180_000);

  it('bad standby: a rung over the error threshold is cut back at once; traffic never passed it; failures bounded', async () => {
    // Arrange: the standby fails 30 % of what it serves (gray: its health checks pass).
    cloud = await LocalCloud.start({ config: example, seed: 43, withBallast: true });
    const c = cloud;
    await c.runFor(minutes(5));
    c.world.traffic.grayFailure(STANDBY, 0.3);
    const shares = watchShares(c);
    const rps =
      c.world.traffic.offeredRps(PRIMARY, 'web', 'api') + c.world.traffic.offeredRps(PRIMARY, 'web', 'frontend');

    // Act
    const run = await failoverCli(c, ['start', '--to', STANDBY, '--confirm', STANDBY, '--wait']);
    await c.runFor(minutes(5));

    // Assert: paused after the cut-back (exit 4), back to 0 %, never above the first rung (1 %).
    expect(run.code, [...run.out, ...run.err].join('\n')).toBe(4);
    expect(run.out.join('\n')).toMatch(/cut back/i);
    expect(Math.max(...shares.map((s) => s.authoritative))).toBe(0.01);
    expect(Math.max(...shares.map((s) => s.clients))).toBeLessThanOrEqual(0.01);
    expect(shares.at(-1)?.authoritative).toBe(0);
    expect(changeCalls(c)).toHaveLength(2);
    // One rung's share of the load for one hold time (300 s), at most, fails.
    const failed = c.world.traffic.byRegion()[STANDBY]?.failed ?? 0;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThanOrEqual(0.01 * rps * 300);

    // An operator aborts: the fence is released, the active region unchanged.
    const aborted = await failoverCli(c, ['abort', '--region', STANDBY, '--reason', 'bad standby', '--wait']);
    await c.runFor(minutes(3));
    expect(aborted.code, [...aborted.out, ...aborted.err].join('\n')).toBe(0);
    const failover = c.sfn.executions.find((e) => e.name.startsWith('failover-'));
    expect(failover?.status).toBe('SUCCEEDED');
    expect(c.world.route53.regionShares(RECORD).get(PRIMARY)).toBe(1);
  }, 180_000);

  it('makes every call of a failover and a cut-back within the roles the template grants (IAM enforced)', async () => {
    // Arrange
    const holder: { stacks: DeployedStack[] } = { stacks: [] };
    cloud = await LocalCloud.start({ config: example, seed: 44, withBallast: true, authorize: iamAuthorizer(holder) });
    holder.stacks = cloud.stacks;
    const c = cloud;
    await c.runFor(minutes(5));

    // Act: a ladder that cuts back on a gray standby, an abort, then an immediate failover.
    c.world.traffic.grayFailure(STANDBY, 0.3);
    const ladder = await failoverCli(c, [
      'start',
      '--to',
      STANDBY,
      '--confirm',
      STANDBY,
      '--request-id',
      'a',
      '--wait',
    ]);
    const aborted = await failoverCli(c, ['abort', '--region', STANDBY, '--wait']);
    await c.runFor(minutes(5));
    c.world.traffic.grayFailure(STANDBY, 0);
    await c.runFor(minutes(2));
    const immediate = await failoverCli(c, [
      'start',
      '--to',
      STANDBY,
      '--mode',
      'immediate',
      '--confirm',
      STANDBY,
      '--request-id',
      'b',
      '--wait',
    ]);

    // Assert
    const denied = c.endpoint.calls.filter((call) => call.outcome === 'denied');
    expect(denied.map((d) => `${d.caller} ${d.service}:${d.action} ${d.resources.join(',')}`)).toEqual([]);
    expect([ladder.code, aborted.code, immediate.code]).toEqual([4, 0, 0]);
    const failoverCalls = c.endpoint.calls.filter((call) => /RegionFailover/.test(call.caller));
    const actions = new Set(failoverCalls.map((call) => `${call.service}:${call.action}`));
    for (const action of [
      'route53:ChangeResourceRecordSets',
      'route53:GetChange',
      'route53:ListResourceRecordSets',
      'cloudwatch:GetMetricData',
      'application-autoscaling:RegisterScalableTarget',
      'autoscaling:UpdateAutoScalingGroup',
      'elasticloadbalancing:DescribeTargetHealth',
      'events:PutEvents',
    ])
      expect(actions, action).toContain(action);
    // Every grant of the steps role is used, but the ones these scenarios have no reason to use.
    const steps = c.stacks
      .find((s) => s.region === STANDBY)!
      .roles.find((r) => /RegionFailoverStepsRole/.test(r.logicalId))!;
    const granted = grantedActions(steps);
    const used = new Set(
      c.endpoint.calls
        .filter((call) => call.caller === steps.logicalId || call.caller.includes('RegionFailoverSteps'))
        .map((call) => `${call.service}:${call.action}`),
    );
    // ecs:UpdateService serves services without a scalable target and the scale-down after the bake (off here).
    expect([...granted].filter((a) => !used.has(a)).sort()).toEqual(['ecs:UpdateService']);
  }, 240_000);

  it('split brain: two failovers started at once in two regions, exactly one proceeds, the other is Fence Held', async () => {
    // Arrange
    cloud = await LocalCloud.start({ config: threeRegions(), seed: 45, withBallast: true });
    const c = cloud;
    await c.runFor(minutes(5));

    // Act: one failover to us-west-2 and one to eu-west-1, started in the same virtual instant.
    const started = await Promise.all(
      [STANDBY, 'eu-west-1'].map(async (region) => {
        const sfn = new SFNClient(c.clientConfig(region));
        const input = { action: 'failover', to: region, mode: 'immediate', requestId: `split-${region}` };
        const { executionArn } = await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: c.stateMachineArn(region, 'region-failover'),
            name: `split-${region}`,
            input: JSON.stringify(input),
          }),
        );
        return { sfn, executionArn: executionArn! };
      }),
    );
    const statuses = async () =>
      Promise.all(
        started.map(async ({ sfn, executionArn }) => sfn.send(new DescribeExecutionCommand({ executionArn }))),
      );
    for (let i = 0; i < 60 && (await statuses()).some((d) => d.status === 'RUNNING'); i++) await c.runFor(minutes(1));
    const [west, eu] = await statuses();

    // Assert: one SUCCEEDED with all traffic, the other failed at the fence having changed nothing.
    const outcomes = [west!, eu!].map((d) => d.status).sort();
    expect(outcomes).toEqual(['FAILED', 'SUCCEEDED']);
    const loser = [west!, eu!].find((d) => d.status === 'FAILED')!;
    const winner = [west!, eu!].find((d) => d.status === 'SUCCEEDED')!;
    expect(loser.error).toBe('FenceHeld');
    const winnerRegion = winner.executionArn!.split(':')[3]!;
    const loserRegion = loser.executionArn!.split(':')[3]!;
    expect(c.world.route53.regionShares(RECORD).get(winnerRegion)).toBe(1);
    const loserMutations = c.endpoint.calls.filter(
      (call) =>
        call.region === loserRegion &&
        /RegionFailover/.test(call.caller) &&
        ['RegisterScalableTarget', 'UpdateService', 'UpdateAutoScalingGroup'].includes(call.action),
    );
    expect(loserMutations).toEqual([]);
    expect(changeCalls(c)).toHaveLength(1);
  }, 240_000);

  it('auto trigger: the primary alarm held past the dwell starts the failover from the standby (IAM enforced)', async () => {
    // Arrange: an alarm of yours on the primary's load balancer 5xx; the trigger in auto, dwell 2 minutes.
    const config = {
      ...example,
      policies: {
        ...example.policies,
        failover: {
          ...example.policies!.failover!,
          mode: 'immediate' as const,
          // A gray failure passes the health check: with quorum 1 the alarm alone is enough (a majority of the two
          // signals, 2, would never fire).
          trigger: {
            action: 'auto' as const,
            alarms: { [PRIMARY]: ['api-5xx'] },
            healthChecks: true,
            quorum: 1,
            dwellSeconds: 120,
          },
        },
      },
    };
    const holder: { stacks: DeployedStack[] } = { stacks: [] };
    cloud = await LocalCloud.start({ config, seed: 46, withBallast: true, authorize: iamAuthorizer(holder) });
    holder.stacks = cloud.stacks;
    const c = cloud;
    c.world.region(PRIMARY).cloudwatch.putAlarm({
      AlarmName: 'api-5xx',
      ActionsEnabled: false,
      AlarmActions: [],
      OKActions: [],
      InsufficientDataActions: [],
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: [{ Name: 'LoadBalancer', Value: 'app/web/0123456789abcdef' }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    // The trigger runs from its schedule rule (every minute), as deployed.
    const triggered = () =>
      c.bus.seen.filter((e) => e.source === 'ballast' && e['detail-type'] === 'Failover Triggered');
    const failovers = () =>
      c.sfn.executions.filter(
        (e) => e.stateMachineName === 'ballast-region-failover' && JSON.parse(e.input).action === 'failover',
      );
    await c.runFor(minutes(3));
    const beforeFailure = { triggered: triggered().length, failovers: failovers().length };

    // Act: a gray failure (30 %) in the primary; its health checks pass, the alarm goes off.
    c.world.traffic.grayFailure(PRIMARY, 0.3);
    const failedAt = c.world.now();
    await c.runUntil(() => failovers().some((e) => e.status !== 'RUNNING'), minutes(30));

    // Assert
    expect(beforeFailure).toEqual({ triggered: 0, failovers: 0 });
    expect(triggered()).toHaveLength(1);
    // Not before the alarm had held for the dwell (the alarm needs a minute of data, then 120 s of dwell).
    expect(Date.parse(triggered()[0]!.time) - failedAt).toBeGreaterThanOrEqual(minutes(2));
    expect(failovers()).toHaveLength(1);
    const failover = failovers()[0]!;
    expect(failover.status).toBe('SUCCEEDED');
    await c.runFor(minutes(2));
    expect(c.world.route53.regionShares(RECORD).get(STANDBY)).toBe(1);
    const denied = c.endpoint.calls.filter((call) => call.outcome === 'denied');
    expect(denied.map((d) => `${d.caller} ${d.service}:${d.action} ${d.resources.join(',')}`)).toEqual([]);
    const triggerCalls = new Set(
      c.endpoint.calls
        .filter((call) => /RegionFailoverTrigger/.test(call.caller))
        .map((call) => `${call.service}:${call.action}`),
    );
    expect([...triggerCalls].sort()).toEqual([
      'cloudwatch:DescribeAlarms',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'events:PutEvents',
      'route53:GetHealthCheckStatus',
      'route53:ListResourceRecordSets',
      'states:StartExecution',
    ]);
  }, 240_000);

  it('drill: 1 % to the standby for the hold and back, with evidence measured from the load balancers', async () => {
    // Arrange
    cloud = await LocalCloud.start({ config: example, seed: 47, withBallast: true });
    const c = cloud;
    await c.runFor(minutes(5));
    const shares = watchShares(c);

    // Act
    const run = await failoverCli(c, ['drill', '--to', STANDBY, '--percent', '1', '--hold-seconds', '600', '--wait']);
    await c.runFor(minutes(2));
    const ready = await failoverCli(c, ['readiness', '--region', STANDBY, '--wait']);

    // Assert: the share went to 1 % and came back; the evidence's drain is the measured minute, not the TTL.
    expect(run.code, [...run.out, ...run.err].join('\n')).toBe(0);
    expect(Math.max(...shares.map((s) => s.authoritative))).toBe(0.01);
    expect(c.world.route53.regionShares(RECORD).get(STANDBY) ?? 0).toBe(0);
    const drill = c.sfn.executions.find((e) => e.stateMachineName === 'ballast-region-failover')!;
    const output = JSON.parse(drill.output ?? '{}') as { evidence?: Record<string, unknown> };
    expect(output.evidence).toMatchObject({ withinRto: true, drainSeconds: expect.any(Number) });
    expect(output.evidence?.drainSeconds as number).toBeGreaterThan(0);
    expect(output.evidence?.drainSeconds as number).toBeLessThanOrEqual(240);
    expect(ready.code, [...ready.out, ...ready.err].join('\n')).toBe(0);
    expect(ready.last).toMatchObject({ status: 'SUCCEEDED' });
  }, 180_000);
});
