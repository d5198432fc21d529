import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import type { DeployedStack } from '#local/deploy/deployer.ts';
import { iamAuthorizer } from '#test/support/iam-authorizer.ts';
import example from '../../ballast.config.ts';

/**
 * Issue 10, defect 4, end to end: the settle after a drain lasts as long as the target groups' real
 * deregistration delay, which the local cloud builds from its own fleet description, here set apart from
 * Ballast's configuration (which says 30 s for api-tg and knows nothing of billing). IAM is enforced, so
 * the drain function's reading of the target groups is allowed by its synthesized policy.
 */
const REGION = 'us-east-1';
const MINUTE = 60_000;
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

describe('the settle reads the real deregistration delays (issue 10, defect 4)', () => {
  it('completes the hook only after the real delay, for a service the configuration does not list', async () => {
    const holder: { stacks: DeployedStack[] } = { stacks: [] };
    cloud = await LocalCloud.start({
      config: example,
      seed: 11,
      withBallast: true,
      authorize: iamAuthorizer(holder),
      fleet: {
        targetGroups: {
          'api-tg': { deregistrationDelaySeconds: 240 },
          'billing-tg': { deregistrationDelaySeconds: 420 },
        },
        unlistedServices: [{ name: 'billing', cluster: 'web', targetGroups: ['billing-tg'], desiredCount: 3 }],
      },
    });
    holder.stacks = cloud.stacks;
    const rw = cloud.world.region(REGION);
    expect(example.regions['us-east-1']!.services!.some((s) => s.name === 'billing')).toBe(false);
    const tasks = () => [...rw.ecs.cluster('web')!.tasks.values()];
    const host = tasks().find((t) => t.service === 'billing')!.ec2InstanceId;

    rw.autoscaling.terminateInstance(host, false);
    await cloud.runFor(60 * MINUTE);

    const hook = rw.autoscaling.endedActions.find((a) => a.instanceId === host);
    expect(hook?.how).toBe('completed');
    const onHost = tasks().filter((t) => t.ec2InstanceId === host);
    expect(onHost.some((t) => t.service === 'billing')).toBe(true);
    expect(onHost.every((t) => t.stoppedAt !== undefined && t.stoppedAt <= hook!.endedAt)).toBe(true);
    const lastStopped = Math.max(...onHost.map((t) => t.stoppedAt!));
    // billing-tg's 420 s (plus the policy's settle extra), not the configuration's 30 s.
    expect(hook!.endedAt - lastStopped).toBeGreaterThanOrEqual(420_000);
    const completed = cloud.bus.seen.find(
      (e) =>
        e.source === 'ballast' &&
        e['detail-type'] === 'Drain Completed' &&
        (e.detail as { instanceId?: string }).instanceId === host,
    );
    expect(JSON.stringify(completed?.detail)).toMatch(/billing-tg 420 s/);
    const reads = cloud.endpoint.calls.filter((c) => c.action === 'DescribeTargetGroupAttributes');
    expect(reads.length).toBeGreaterThan(0);
    expect(cloud.endpoint.calls.filter((c) => c.outcome === 'denied').map((c) => `${c.caller} ${c.action}`)).toEqual(
      [],
    );
  });
});
