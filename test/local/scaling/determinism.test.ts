import { describe, expect, it } from 'vitest';
import { route53Service as r53 } from '#local/route53/api.ts';
import { minutes, PRIMARY, RECORD, STANDBY, scalingWorld } from './scaling-world.ts';

const DOMAIN_KINDS = new Set(['scaling', 'alarm', 'cloudwatch', 'route53', 'health-check']);

/** A busy day: a surge, a CloudWatch impairment, a weight change and a regional failure. */
async function busyDay(seed: number) {
  const s = scalingWorld({ seed });
  s.load(150);
  await s.world.clock.runFor(minutes(30));
  s.load(600);
  await s.world.clock.runFor(minutes(60));
  s.world.region(PRIMARY).cloudwatch.impair({ forMs: minutes(90) });
  const { ChangeInfo } = await s.call<{ ChangeInfo: { Id: string } }>(r53, 'ChangeResourceRecordSets', {
    HostedZoneId: 'Z0TESTZONE',
    ChangeBatch: {
      Changes: [
        {
          Action: 'UPSERT',
          ResourceRecordSet: {
            Name: RECORD,
            Type: 'CNAME',
            SetIdentifier: STANDBY,
            Weight: 64,
            TTL: 60,
            ResourceRecords: [{ Value: `alb.${STANDBY}.example.com` }],
            HealthCheckId: s.fleet.healthChecks.get(STANDBY),
          },
        },
      ],
    },
  });
  await s.world.clock.runFor(minutes(180));
  s.world.region(PRIMARY).down = true;
  await s.world.clock.runFor(minutes(20));
  s.world.region(PRIMARY).down = false;
  await s.world.clock.runFor(minutes(20 * 60));
  return {
    changeId: ChangeInfo.Id,
    timeline: s.world.timeline.filter((e) => DOMAIN_KINDS.has(e.kind)),
    shares: Object.fromEntries(s.world.route53.regionShares(RECORD)),
  };
}

describe('determinism of the scaling and DNS domains', () => {
  it('gives the same timeline, change ids and DNS shares for the same seed', async () => {
    // Arrange / Act
    const first = await busyDay(42);
    const second = await busyDay(42);

    // Assert
    expect(first.timeline.length).toBeGreaterThan(10);
    expect(second.timeline).toEqual(first.timeline);
    expect(second.changeId).toBe(first.changeId);
    expect(second.shares).toEqual(first.shares);
    expect(first.timeline.some((e) => e.kind === 'scaling')).toBe(true);
    expect(first.timeline.some((e) => e.kind === 'route53' && e.detail.includes('INSYNC'))).toBe(true);
  });
});
