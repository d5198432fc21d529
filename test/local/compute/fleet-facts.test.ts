import { describe, expect, it } from 'vitest';
import { elbService } from '../../../local/elb/api.ts';
import { asg, call, contextFor, fleetWorld } from './fixture.ts';

/**
 * The facts Ballast must discover (deregistration delays, hook timeouts, which target groups a service is
 * behind) come from the fleet description, which can differ from Ballast's configuration (issue 10).
 */
const REGION = 'us-east-1';

async function delayOf(world: ReturnType<typeof fleetWorld>['world'], name: string): Promise<string | undefined> {
  const arn = world.region(REGION).elb.targetGroup(name)!.arn;
  const out = await call<{ Attributes: Array<{ Key: string; Value: string }> }>(
    elbService,
    'DescribeTargetGroupAttributes',
    { TargetGroupArn: arn },
    contextFor(world),
  );
  return out.Attributes.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
}

describe('the fleet description, not the configuration, sets what Ballast must discover', () => {
  it('gives a target group the delay the description says, whatever the configuration declares', async () => {
    const { world, config } = fleetWorld({ spec: { targetGroups: { 'api-tg': { deregistrationDelaySeconds: 900 } } } });
    expect(config.regions[REGION]!.services[0]!.targetGroups[0]!.deregistrationDelaySeconds).toBe(30);
    expect(await delayOf(world, 'api-tg')).toBe('900');
  });

  it('runs services the configuration does not list, behind their own target groups (ELB default delay)', async () => {
    const { world } = fleetWorld({
      spec: { unlistedServices: [{ name: 'billing', cluster: 'web', targetGroups: ['billing-tg'], desiredCount: 2 }] },
    });
    const billing = world.region(REGION).ecs.getService('web', 'billing')!;
    expect(billing.runningCount).toBe(2);
    expect(billing.targetGroups.map((g) => g.name)).toEqual(['billing-tg']);
    expect(await delayOf(world, 'billing-tg')).toBe('300');
  });

  it('refuses an unlisted service that the configuration lists', () => {
    expect(() => fleetWorld({ spec: { unlistedServices: [{ name: 'api', cluster: 'web' }] } })).toThrow(
      /unlisted service api: it is in the configuration/,
    );
  });

  it('gives one group’s hooks their own heartbeat timeout', async () => {
    const { world } = fleetWorld({
      spec: { heartbeatTimeoutSeconds: 3600, groups: { 'web-hosts': { heartbeatTimeoutSeconds: 90 } } },
    });
    const out = await asg('DescribeLifecycleHooks', { AutoScalingGroupName: 'web-hosts' }, contextFor(world));
    expect(out.LifecycleHooks.map((h: { HeartbeatTimeout: number }) => h.HeartbeatTimeout)).toEqual([90]);
  });
});
