import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import type { DeployedStack } from '#local/deploy/deployer.ts';
import { dataPlaneConfig } from '#test/fixtures/region-failover-data-plane.ts';
import { failoverCli } from '#test/support/failover.ts';
import { grantedActions } from '#test/support/grants.ts';
import { iamAuthorizer } from '#test/support/iam-authorizer.ts';

/**
 * The `data-plane` mode end to end: the records, health checks and alarms come from the synthesized templates
 * (the local deployer makes them), the Route 53 control plane is impaired (changes and reads fail) while DNS
 * answers and health checks keep working, and the failover moves traffic with PutMetricData in the standby only.
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

/** What Route 53 answers for the record (standby's share, and whether any record is healthy), every 10 s. */
function watchShares(c: LocalCloud) {
  const seen: Array<{ t: number; authoritative: number; clients: number; healthy: number }> = [];
  const sample = () => {
    const zone = c.world.route53.requireZone(c.config.dns!.hostedZoneId);
    const sets = zone.records.filter((rs) => rs.Name === `${RECORD}.` && rs.HealthCheckId);
    seen.push({
      t: c.world.now(),
      authoritative: c.world.route53.authoritativeShares(RECORD).get(STANDBY) ?? 0,
      clients: c.world.route53.regionShares(RECORD).get(STANDBY) ?? 0,
      healthy: sets.filter((rs) => c.world.route53.isHealthy(rs.HealthCheckId!)).length,
    });
    c.world.clock.after(10_000, 'test share sample', sample);
  };
  sample();
  return seen;
}

const round = (x: number) => Math.round(x * 1000) / 10;

describe('region failover, data-plane mode, in the local cloud', () => {
  it('climbs the ladder with the Route 53 control plane impaired, calling no Route 53 API (IAM enforced)', async () => {
    // Arrange
    const holder: { stacks: DeployedStack[] } = { stacks: [] };
    cloud = await LocalCloud.start({
      config: dataPlaneConfig(),
      seed: 48,
      withBallast: true,
      authorize: iamAuthorizer(holder),
    });
    holder.stacks = cloud.stacks;
    const c = cloud;
    await c.runFor(minutes(5));
    const before = c.world.route53.regionShares(RECORD).get(PRIMARY);
    // Readiness (before the impairment: it reads the zone) finds the slot records, their checks and the alarms.
    const ready = await failoverCli(c, STANDBY, ['readiness', '--region', STANDBY, '--wait']);
    c.world.route53.impairControlPlane({ failReads: true });
    const shares = watchShares(c);

    // Act
    const run = await failoverCli(c, STANDBY, [
      'start',
      '--to',
      STANDBY,
      '--mode',
      'data-plane',
      '--confirm',
      STANDBY,
      '--wait',
    ]);
    await c.runFor(minutes(2));

    // Assert: done, every rung answered in order, all traffic on the standby, never a moment without a healthy record.
    expect(run.code, [...run.out, ...run.err].join('\n')).toBe(0);
    expect(run.last).toMatchObject({ status: 'SUCCEEDED', outcome: 'completed' });
    expect(before).toBe(1);
    expect(ready.code, [...ready.out, ...ready.err].join('\n')).toBe(0);
    const steps = [...new Set(shares.map((s) => round(s.authoritative)))];
    expect(steps.filter((p) => [0, 1, 5, 25, 50, 100].includes(p))).toEqual([0, 1, 5, 25, 50, 100]);
    expect(Math.min(...shares.map((s) => s.healthy))).toBeGreaterThan(0);
    expect(c.world.route53.regionShares(RECORD).get(STANDBY)).toBe(1);
    expect(c.world.traffic.byRegion()[STANDBY]?.failed ?? 0).toBe(0);
    // No call to Route 53 at all while the failover ran (any caller), and every call allowed by the roles.
    const failover = c.sfn.executions.find((e) => e.name.startsWith('failover-'))!;
    const during = c.endpoint.calls.filter((call) => call.t >= failover.startDate && call.t <= failover.stopDate!);
    expect(during.filter((call) => call.service === 'route53')).toEqual([]);
    const stepCalls = new Set(
      during.filter((call) => /RegionFailoverSteps/.test(call.caller)).map((call) => `${call.service}:${call.action}`),
    );
    expect(stepCalls).toContain('cloudwatch:PutMetricData');
    expect(stepCalls).toContain('cloudwatch:DescribeAlarms');
    const putRegions = new Set(
      during
        .filter((call) => call.action === 'PutMetricData' && /RegionFailover/.test(call.caller))
        .map((call) => call.region),
    );
    expect([...putRegions]).toEqual([STANDBY]);
    const denied = c.endpoint.calls.filter((call) => call.outcome === 'denied');
    expect(denied.map((d) => `${d.caller} ${d.service}:${d.action} ${d.resources.join(',')}`)).toEqual([]);
    // Every grant of the standby's steps role is used, but UpdateService (services without a scalable target,
    // scale-down after the bake): no Route 53 change grant exists to be unused.
    const role = c.stacks
      .find((st) => st.region === STANDBY)!
      .roles.find((r) => /RegionFailoverStepsRole/.test(r.logicalId))!;
    const granted = grantedActions(role);
    const used = new Set(
      c.endpoint.calls
        // Route 53 is global: its calls are recorded in us-east-1 (only the standby's readiness made one).
        .filter(
          (call) =>
            call.caller.includes('RegionFailoverSteps') && (call.region === STANDBY || call.service === 'route53'),
        )
        .map((call) => `${call.service}:${call.action}`),
    );
    expect([...granted].filter((a) => !used.has(a)).sort()).toEqual(['ecs:UpdateService']);
    expect([...granted].filter((a) => a.startsWith('route53:'))).toEqual(['route53:ListResourceRecordSets']);
  }, 300_000);

  it('drills 1 % to the standby and back through the health checks, with its evidence', async () => {
    // Arrange
    cloud = await LocalCloud.start({ config: dataPlaneConfig(), seed: 51, withBallast: true });
    const c = cloud;
    await c.runFor(minutes(5));
    c.world.route53.impairControlPlane({ failReads: true });
    const shares = watchShares(c);

    // Act
    const run = await failoverCli(c, STANDBY, [
      'drill',
      '--to',
      STANDBY,
      '--percent',
      '1',
      '--hold-seconds',
      '300',
      '--wait',
    ]);
    await c.runFor(minutes(3));

    // Assert
    expect(run.code, [...run.out, ...run.err].join('\n')).toBe(0);
    expect(Math.max(...shares.map((s) => s.authoritative))).toBe(0.01);
    expect(c.world.route53.regionShares(RECORD).get(STANDBY) ?? 0).toBe(0);
    const drill = c.sfn.executions.find((e) => e.name.startsWith('failover-'))!;
    expect(JSON.parse(drill.output ?? '{}').evidence).toMatchObject({ withinRto: true });
    expect(c.endpoint.calls.filter((call) => call.service === 'route53' && call.t >= drill.startDate)).toEqual([]);
  }, 300_000);

  it('cuts a bad rung back, then aborts: release lowered before take, never without a healthy record', async () => {
    // Arrange: the standby fails 30 % of what it serves (its health checks pass).
    cloud = await LocalCloud.start({ config: dataPlaneConfig(), seed: 49, withBallast: true });
    const c = cloud;
    await c.runFor(minutes(5));
    c.world.traffic.grayFailure(STANDBY, 0.3);
    c.world.route53.impairControlPlane({ failReads: true });
    const shares = watchShares(c);

    // Act
    const run = await failoverCli(c, STANDBY, ['start', '--to', STANDBY, '--confirm', STANDBY, '--wait']);
    await c.runFor(minutes(3));
    const aborted = await failoverCli(c, STANDBY, ['abort', '--region', STANDBY, '--reason', 'bad standby', '--wait']);
    await c.runFor(minutes(5));

    // Assert: paused after the cut-back (exit 4), never above the first rung, back on the primary after the abort.
    expect(run.code, [...run.out, ...run.err].join('\n')).toBe(4);
    expect(aborted.code, [...aborted.out, ...aborted.err].join('\n')).toBe(0);
    expect(Math.max(...shares.map((s) => s.authoritative))).toBeLessThanOrEqual(0.01);
    expect(Math.max(...shares.map((s) => s.authoritative))).toBeGreaterThan(0);
    expect(Math.min(...shares.map((s) => s.healthy))).toBeGreaterThan(0);
    const failover = c.sfn.executions.find((e) => e.name.startsWith('failover-'))!;
    expect(failover.status).toBe('SUCCEEDED');
    expect(JSON.parse(failover.output ?? '{}')).toMatchObject({ outcome: 'aborted', percent: 0 });
    expect(c.world.route53.regionShares(RECORD).get(PRIMARY)).toBe(1);
    expect(c.endpoint.calls.filter((call) => call.service === 'route53' && call.t >= failover.startDate)).toEqual([]);
  }, 300_000);

  it('fails back home: the same ladder in reverse, lowering the levels in the region traffic leaves', async () => {
    // Arrange: a completed data-plane failover to the standby, then the primary healthy for the failback window.
    const config = dataPlaneConfig();
    const failover = config.policies!.failover!;
    cloud = await LocalCloud.start({
      config: { ...config, policies: { ...config.policies, failover: { ...failover, failbackHealthySeconds: 600 } } },
      seed: 50,
      withBallast: true,
    });
    const c = cloud;
    await c.runFor(minutes(5));
    const out = await failoverCli(c, STANDBY, [
      'start',
      '--to',
      STANDBY,
      '--rungs',
      '100',
      '--confirm',
      STANDBY,
      '--wait',
    ]);
    expect(out.code, [...out.out, ...out.err].join('\n')).toBe(0);
    await c.runFor(minutes(12));
    expect(c.world.route53.regionShares(RECORD).get(STANDBY)).toBe(1);
    const shares = watchShares(c);

    // Act
    const back = await failoverCli(c, PRIMARY, ['failback', '--region', PRIMARY, '--confirm', PRIMARY, '--wait']);
    await c.runFor(minutes(2));

    // Assert: home's share climbed 50, 75, 95, 99, 100 % (the rungs reversed); all traffic home.
    expect(back.code, [...back.out, ...back.err].join('\n')).toBe(0);
    const home = [...new Set(shares.map((s) => round(1 - s.authoritative)))];
    expect(home.filter((p) => [0, 50, 75, 95, 99, 100].includes(p))).toEqual([0, 50, 75, 95, 99, 100]);
    expect(Math.min(...shares.map((s) => s.healthy))).toBeGreaterThan(0);
    expect(c.world.route53.regionShares(RECORD).get(PRIMARY)).toBe(1);
  }, 300_000);
});
