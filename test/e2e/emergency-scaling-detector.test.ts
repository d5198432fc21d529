import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import type { AwsEvent } from '#local/world/world.ts';
import example from '../../ballast.config.ts';

/**
 * The impairment detector end to end in the local cloud: the scheduled rule from the synthesized template
 * invokes the real handler, which publishes its canary to the simulated CloudWatch, reads the services'
 * target-tracking alarms and ECS, keeps its state in dynalite, and starts the real workflows. The example
 * fleet runs the detector every 2 minutes (dwell 180 s, clear 900 s); critical and standard tiers are `auto`,
 * batch is `recommend`.
 */
const REGION = 'us-east-1';
const MINUTE = 60_000;
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

async function start(seed: number) {
  const c = await LocalCloud.start({ config: example, seed, withBallast: true });
  const events: AwsEvent[] = [];
  c.world.onEvent((e) => {
    if (e.source === 'ballast' && e.region === REGION) events.push(e);
  });
  return { c, events };
}

const ofType = (events: AwsEvent[], type: string) => events.filter((e) => e['detail-type'] === type);
const executionsOf = (c: LocalCloud, machine: string) =>
  c.sfn.executions.filter((e) => e.region === REGION && e.stateMachineName === `ballast-${machine}`);
describe('the emergency-scaling detector in the local cloud', () => {
  it('detects an impairment from the canary and the alarms, raises once, and restores after recovery holds', async () => {
    const { c, events } = await start(21);
    cloud = c;
    await c.runFor(30 * MINUTE);
    c.world.region(REGION).cloudwatch.impair({ forMs: 60 * MINUTE, healthNoticeAfterMs: 40 * MINUTE });
    const impairedAt = c.world.now();
    await c.runFor(60 * MINUTE);
    const duringImpairment = ofType(events, 'Scaling Impairment Detected');
    const aas = c.world.region(REGION).applicationAutoScaling;
    const held = {
      api: aas.target('service/web/api')!.MinCapacity,
      jobsMutatedBy: aas.target('service/workers/jobs')!.lastMutation?.caller,
    };
    await c.runFor(40 * MINUTE);

    expect(duringImpairment).toHaveLength(1);
    const detected = duringImpairment[0]!;
    const detectedAfter = Date.parse(detected.time) - impairedAt;
    expect(detectedAfter).toBeGreaterThanOrEqual(3 * MINUTE); // the dwell
    expect(detectedAfter).toBeLessThanOrEqual(10 * MINUTE);
    expect(detected.detail).toMatchObject({ region: REGION, signals: expect.arrayContaining(['canary']) });
    expect((detected.detail as { signals: string[] }).signals.length).toBeGreaterThanOrEqual(2);
    // One raise for the auto tiers, one plan-only run for batch, nothing twice.
    expect(executionsOf(c, 'emergency-scale').map((e) => e.name)).toEqual([
      expect.stringMatching(/^detector-raise-/),
      expect.stringMatching(/^detector-plan-/),
    ]);
    expect(JSON.parse(executionsOf(c, 'emergency-scale')[0]!.input)).toMatchObject({
      action: 'raise',
      owner: 'ballast-detector',
      scope: { services: ['web/api', 'web/frontend'] },
    });
    expect(ofType(events, 'Scaling Override Applied')).toHaveLength(1);
    expect(ofType(events, 'Scaling Override Planned')).toHaveLength(1);
    // The auto tiers were raised and held; batch is only recommended: its target was never touched by Ballast.
    expect(held.api).toBeGreaterThan(example.regions[REGION]?.services?.[0]?.floor ?? Number.POSITIVE_INFINITY);
    expect(held.jobsMutatedBy ?? 'nobody').not.toMatch(/EmergencyScaling/);
    // Recovery: cleared only after CloudWatch had been back for the clear time, then the detector's restore.
    const cleared = ofType(events, 'Scaling Impairment Cleared');
    expect(cleared).toHaveLength(1);
    expect(Date.parse(cleared[0]!.time) - (impairedAt + 60 * MINUTE)).toBeGreaterThanOrEqual(15 * MINUTE);
    expect(executionsOf(c, 'restore-scaling').map((e) => [e.name.slice(0, 9), e.status])).toEqual([
      ['recovery-', 'SUCCEEDED'],
    ]);
    expect(ofType(events, 'Scaling Override Restored')).toHaveLength(1);
    // The late AWS Health notice reached the ledger through the aws.health rule.
    const health = c.bus.deliveries.filter((d) => d.detailType === 'AWS Health Event' && d.region === REGION);
    expect(health.length).toBe(2);
  }, 240_000);

  it("one service's alarms going INSUFFICIENT_DATA starts nothing", async () => {
    const { c, events } = await start(22);
    cloud = c;
    await c.runFor(20 * MINUTE);
    c.world.region(REGION).cloudwatch.unwatchEcsService('web', 'frontend');
    await c.runFor(60 * MINUTE);

    const { MetricAlarms: alarms } = c.world
      .region(REGION)
      .cloudwatch.describeAlarms({ AlarmNamePrefix: 'TargetTracking-service/web/frontend' }) as {
      MetricAlarms: { StateValue: string }[];
    };
    expect(alarms.length).toBe(2);
    expect(alarms.every((a) => a.StateValue === 'INSUFFICIENT_DATA')).toBe(true);
    expect(ofType(events, 'Scaling Impairment Detected')).toHaveLength(0);
    expect(executionsOf(c, 'emergency-scale')).toHaveLength(0);
  }, 240_000);

  it('a flapping impairment starts one override and neither a second nor an early restore', async () => {
    const { c, events } = await start(23);
    cloud = c;
    await c.runFor(20 * MINUTE);
    const cw = c.world.region(REGION).cloudwatch;
    for (let i = 0; i < 5; i++) {
      cw.impair({ forMs: 10 * MINUTE });
      await c.runFor(14 * MINUTE); // 10 min impaired, 4 min back: shorter than the clear time
    }
    await c.runFor(5 * MINUTE);

    expect(ofType(events, 'Scaling Impairment Detected')).toHaveLength(1);
    expect(executionsOf(c, 'emergency-scale').filter((e) => e.name.startsWith('detector-raise-'))).toHaveLength(1);
    expect(ofType(events, 'Scaling Impairment Cleared')).toHaveLength(0);
    expect(executionsOf(c, 'restore-scaling')).toHaveLength(0);
  }, 240_000);
});
