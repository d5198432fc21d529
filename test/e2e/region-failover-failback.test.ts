import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverStore } from '#functions/region-failover/core/store.ts';
import { LocalCloud } from '#local/cloud.ts';
import type { DeployedStack } from '#local/deploy/deployer.ts';
import { failoverCli, watchShares as watchRecordShares } from '#test/support/failover.ts';
import { iamAuthorizer } from '#test/support/iam-authorizer.ts';
import example from '../../ballast.config.ts';

/**
 * Failback and the scale-down after the bake, end to end in the local cloud: the synthesized state machine in
 * each region, its real handlers and the real SDK. A gray failure in the primary is failed over to the standby;
 * the primary recovers; `ballast failover failback` (started in the primary) is refused until the primary has
 * been out of traffic and healthy long enough, then moves traffic home and flips the fence back; with
 * `scaleDownAfterBakeSeconds` the region traffic left is lowered to its floors after the bake.
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

function configWith(failover: { failbackHealthySeconds: number; scaleDownAfterBakeSeconds?: number }) {
  return { ...example, policies: { ...example.policies, failover: { ...example.policies!.failover!, ...failover } } };
}

/** The primary's share of what Route 53 answers for the record, and of what clients hold. */
const watchHome = (c: LocalCloud) => watchRecordShares(c, RECORD, PRIMARY);

/** The fence and the failover records, read from the ledger with the real SDK (one DynamoDB for all regions). */
function ledgerOf(c: LocalCloud, region: string): FailoverStore {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(c.clientConfig(region)));
  const tableName = c.stacks.find((s) => s.region === region)!.tableNames[0]!;
  return new FailoverStore({ dynamo, tableName, region, initialActiveRegion: PRIMARY });
}

const failbacks = (c: LocalCloud) =>
  c.sfn.executions.filter(
    (e) => e.stateMachineName === 'ballast-region-failover' && JSON.parse(e.input).action === 'failback',
  );

/** Requests each region served in the minute that ended last (the world's own counts). */
function lastMinuteByRegion(c: LocalCloud): Record<string, number> {
  const minute = c.world.traffic.minuteOf(c.world.now()) - 1;
  const out: Record<string, number> = {};
  for (const m of c.world.traffic.perMinute()) if (m.minute === minute) out[m.region] = m.total;
  return out;
}

/** Fails over to the standby on a gray failure of the primary, then lets the primary recover. */
async function failedOverThenRecovered(c: LocalCloud) {
  await c.runFor(minutes(5));
  c.world.traffic.grayFailure(PRIMARY, 0.3);
  const failover = await failoverCli(c, STANDBY, [
    'start',
    '--to',
    STANDBY,
    '--mode',
    'immediate',
    '--confirm',
    STANDBY,
    '--wait',
  ]);
  expect(failover.code, failover.log).toBe(0);
  c.world.traffic.grayFailure(PRIMARY, 0);
  await c.runFor(minutes(2));
  expect(c.world.route53.regionShares(RECORD).get(STANDBY)).toBe(1);
}

describe('region failover: failback and scale-down after the bake, in the local cloud', () => {
  it('refuses a failback until the old region was healthy long enough, then climbs the ladder home', async () => {
    // Arrange: a completed failover to the standby, the primary recovered.
    cloud = await LocalCloud.start({
      config: configWith({ failbackHealthySeconds: 600 }),
      seed: 61,
      withBallast: true,
    });
    const c = cloud;
    await failedOverThenRecovered(c);
    const ledger = ledgerOf(c, PRIMARY);
    const afterFailover = await ledger.readFence();
    const standbyApi = () => c.world.region(STANDBY).ecs.getService('web', 'api')!;
    const raisedStandby = standbyApi().desiredCount;

    // Act: too early (the failover ended about 2 minutes ago).
    const early = await failoverCli(c, PRIMARY, [
      'failback',
      '--region',
      PRIMARY,
      '--confirm',
      PRIMARY,
      '--request-id',
      'early',
      '--wait',
    ]);

    // Assert: refused with the reason, nothing changed anywhere.
    expect(early.code, early.log).toBe(1);
    const refused = failbacks(c)[0]!;
    expect(refused.error).toBe('NotHealthyLongEnough');
    expect(refused.cause).toMatch(/the last failover ended \d+ s ago \(needs 600 s\)/);
    expect(refused.cause).toMatch(/Nothing was changed/);
    const refusedCalls = c.endpoint.calls.filter(
      (call) => /RegionFailover/.test(call.caller) && call.t >= refused.startDate && call.t <= refused.stopDate!,
    );
    expect(refusedCalls.length).toBeGreaterThan(0);
    expect(refusedCalls.filter((call) => !/^(Describe|List|Get|Query)/.test(call.action)).map((c) => c.action)).toEqual(
      [],
    );
    expect(await ledger.readFence()).toEqual(afterFailover);

    // Act: once the primary has been out of traffic and healthy for the window, the ladder home.
    await c.runFor(minutes(10));
    const home = watchHome(c);
    const failedBefore = c.world.traffic.totals().failed;
    const back = await failoverCli(c, PRIMARY, [
      'failback',
      '--region',
      PRIMARY,
      '--confirm',
      PRIMARY,
      '--request-id',
      'later',
      '--wait',
    ]);
    await c.runFor(minutes(2));

    // Assert: home's share climbed the rungs in order; clients and the world's requests are home.
    expect(back.code, back.log).toBe(0);
    expect(JSON.parse(back.out.at(-1) ?? '{}')).toMatchObject({ status: 'SUCCEEDED', outcome: 'completed' });
    const steps = [...new Set(home.map((s) => Math.round(s.authoritative * 1000) / 10))];
    expect(steps).toEqual([0, 1, 5, 25, 50, 100]);
    expect(c.world.route53.regionShares(RECORD).get(PRIMARY)).toBe(1);
    const served = lastMinuteByRegion(c);
    expect(served[PRIMARY]).toBeGreaterThan(0);
    expect(served[STANDBY] ?? 0).toBe(0);
    expect(c.world.traffic.totals().failed - failedBefore).toBe(0);
    // The fence: the primary active again, with a higher epoch, released.
    const fence = await ledger.readFence();
    expect(afterFailover).toMatchObject({ activeRegion: STANDBY, epoch: 1 });
    expect(fence).toMatchObject({ activeRegion: PRIMARY, epoch: 2 });
    expect(fence.holder).toBeUndefined();
    // The event and the ledger record.
    const completed = c.bus.seen.filter((e) => e.source === 'ballast' && e['detail-type'] === 'Failback Completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.detail).toMatchObject({ kind: 'failback', source: STANDBY, destination: PRIMARY, epoch: 2 });
    const failbackId = (completed[0]!.detail as { failoverId: string }).failoverId;
    expect(await ledger.getRecord(failbackId)).toMatchObject({
      kind: 'failback',
      outcome: 'completed',
      source: STANDBY,
      destination: PRIMARY,
      epoch: 2,
      percent: 100,
    });
    // The old region's drain, measured from both regions' request counts: after the last rung (100 %), not before.
    const run = failbacks(c).find((e) => e.status === 'SUCCEEDED')!;
    const record = (await ledger.getRecord(failbackId)) as { drainSeconds?: number; phaseTimes: { traffic: string } };
    const lastRungAt = (run.stopDate! - Date.parse(record.phaseTimes.traffic)) / 1000 - 300;
    expect(record.drainSeconds).toBeGreaterThanOrEqual(lastRungAt - 60);
    expect(record.drainSeconds).toBeLessThanOrEqual((run.stopDate! - Date.parse(record.phaseTimes.traffic)) / 1000);

    // Without scaleDownAfterBakeSeconds nothing is lowered: the standby keeps what the failover raised.
    await c.runFor(minutes(30));
    const done = run;
    const entered = done.history.map((h) => h.stateName);
    expect(entered).not.toContain('Scale Down Old Region');
    expect(standbyApi().desiredCount).toBe(raisedStandby);
    expect(raisedStandby).toBe(4);
    const lowered = c.endpoint.calls.filter(
      (call) =>
        call.region === STANDBY &&
        call.t >= done.startDate &&
        ['RegisterScalableTarget', 'UpdateService', 'UpdateAutoScalingGroup'].includes(call.action) &&
        call.caller !== 'deployer',
    );
    expect(lowered).toEqual([]);
  }, 300_000);
  it('scales the region traffic left down to its floors and hosts after the bake (immediate failback; IAM enforced)', async () => {
    // Arrange: a failover that raised the standby, the primary recovered and healthy for the window.
    const config = configWith({ failbackHealthySeconds: 600, scaleDownAfterBakeSeconds: 900 });
    const holder: { stacks: DeployedStack[] } = { stacks: [] };
    cloud = await LocalCloud.start({ config, seed: 62, withBallast: true, authorize: iamAuthorizer(holder) });
    holder.stacks = cloud.stacks;
    const c = cloud;
    const standby = c.world.region(STANDBY);
    const before = {
      api: standby.ecs.getService('web', 'api')!.desiredCount,
      hosts: standby.autoscaling.group('web-hosts')!.desiredCapacity,
      minSize: standby.autoscaling.group('web-hosts')!.minSize,
    };
    await failedOverThenRecovered(c);
    const raised = {
      api: standby.ecs.getService('web', 'api')!.desiredCount,
      apiMin: standby.applicationAutoScaling.target('service/web/api')!.MinCapacity,
      hosts: standby.autoscaling.group('web-hosts')!.desiredCapacity,
      minSize: standby.autoscaling.group('web-hosts')!.minSize,
    };
    await c.runFor(minutes(10));

    // Act
    const back = await failoverCli(c, PRIMARY, [
      'failback',
      '--region',
      PRIMARY,
      '--mode',
      'immediate',
      '--confirm',
      PRIMARY,
      '--wait',
    ]);
    // The target-tracking policies (scale-in resumed) bring the services down; Ballast's drain the hosts.
    await c.runFor(minutes(40));

    // Assert: the bake came first, then the standby's services went back to their floors.
    expect(back.code, back.log).toBe(0);
    const run = failbacks(c)[0]!;
    const entered = run.history.map((h) => h.stateName).filter(Boolean);
    expect(entered).toContain('Bake');
    expect(entered).toContain('Scale Down Old Region');
    const output = JSON.parse(run.output ?? '{}') as { failoverId?: string; scaledDown?: string[] };
    // The failover raised web-hosts' MinSize (1 -> 5, so 3 hosts became 5): the scale-down gives it back.
    expect(output.scaledDown).toEqual([
      'web/api minimum 4 -> 2, scale-in resumed',
      'web/frontend minimum 2 -> 1, scale-in resumed',
      'workers/jobs minimum 1 -> 0, scale-in resumed',
      'group web-hosts minimum 5 -> 1, desired 5 -> 3',
    ]);
    const failbackId = output.failoverId;
    // An immediate shift completes before a complete minute shows the drain: it is measured after the bake.
    const record = await ledgerOf(c, PRIMARY).getRecord(failbackId!);
    expect(record?.drainSeconds).toBeGreaterThan(0);
    expect(record?.drainSeconds).toBeLessThanOrEqual(240);
    const events = c.bus.seen.filter(
      (e) => e.source === 'ballast' && (e.detail as { failoverId?: string }).failoverId === failbackId,
    );
    const completedAt = Date.parse(events.find((e) => e['detail-type'] === 'Failback Completed')!.time);
    const loweredAt = Date.parse(
      events.find((e) => /after the bake/.test((e.detail as { message: string }).message))!.time,
    );
    expect(loweredAt - completedAt).toBeGreaterThanOrEqual(900_000);
    const lowered = c.endpoint.calls.filter(
      (call) =>
        call.region === STANDBY &&
        call.t >= run.startDate &&
        ['RegisterScalableTarget', 'UpdateAutoScalingGroup'].includes(call.action) &&
        /RegionFailover/.test(call.caller),
    );
    // Three scalable targets and one group, all after the bake.
    expect(lowered.map((call) => call.action).sort()).toEqual([
      'RegisterScalableTarget',
      'RegisterScalableTarget',
      'RegisterScalableTarget',
      'UpdateAutoScalingGroup',
    ]);
    expect(lowered.every((call) => call.t >= loweredAt - 60_000)).toBe(true);
    // The world: the standby's api is back where it was before the failover, its hosts too.
    expect(raised).toMatchObject({ api: 4, apiMin: 4 });
    expect(raised.hosts).toBeGreaterThan(before.hosts);
    expect(raised.minSize).toBeGreaterThan(before.minSize);
    const target = standby.applicationAutoScaling.target('service/web/api')!;
    expect([target.MinCapacity, target.SuspendedState?.DynamicScalingInSuspended ?? false]).toEqual([2, false]);
    expect(standby.ecs.getService('web', 'api')!.desiredCount).toBe(before.api);
    expect(standby.ecs.getService('web', 'api')!.runningCount).toBe(before.api);
    expect(standby.autoscaling.group('web-hosts')!.minSize).toBe(before.minSize);
    expect(standby.autoscaling.group('web-hosts')!.desiredCapacity).toBe(before.hosts);
    // All traffic home, none failed on the way down.
    expect(c.world.route53.regionShares(RECORD).get(PRIMARY)).toBe(1);
    expect(c.world.traffic.byRegion()[STANDBY]?.failed ?? 0).toBe(0);
    // Every call, the old region's scale-down from the primary included, within the roles the template grants.
    const denied = c.endpoint.calls.filter((call) => call.outcome === 'denied');
    expect(denied.map((d) => `${d.caller} ${d.service}:${d.action} ${d.resources.join(',')}`)).toEqual([]);
  }, 300_000);
});
