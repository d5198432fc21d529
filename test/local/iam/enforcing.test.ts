import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  AccessDeniedException,
  ECSClient,
  ListContainerInstancesCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import type { DeployedStack } from '#local/deploy/deployer.ts';
import { accessKeyFor } from '#local/deploy/deployer.ts';
import type { CallRecord } from '#local/server/endpoint.ts';
import { iamAuthorizer } from '#test/support/iam-authorizer.ts';
import config from '../../../ballast.config.ts';

/**
 * The local cloud in IAM-enforcing mode: every call signed with a Ballast role's key is evaluated against the
 * role's policies as synthesized (iam-simulate). Ballast doing its job on a real scale-in must never be denied
 * (a denial here is a least-privilege policy that is too tight), and a Ballast role must be denied what its
 * policies do not grant (a policy that is too loose, or an authorizer that allows everything).
 */

const HOUR = 60 * 60_000;
const describeCall = (c: CallRecord) =>
  `${new Date(c.t).toISOString()} ${c.region} ${c.caller} ${c.service}:${c.action} on ${c.resources.join(', ')} → ${c.outcome}${c.errorCode ? ` (${c.errorCode})` : ''}`;

describe('IAM-enforcing local cloud', () => {
  // The roles exist only once the stacks are deployed, inside LocalCloud.start: the authorizer reads them
  // from this holder, filled in right after (until then only the operator and 'cloudformation' call).
  const holder: { stacks: DeployedStack[] } = { stacks: [] };
  const authorize = iamAuthorizer(holder);
  let cloud: LocalCloud;
  let roleNames: Set<string>;

  beforeAll(async () => {
    cloud = await LocalCloud.start({
      config,
      seed: 21,
      withBallast: true,
      authorize,
      fleet: { regions: { 'us-east-1': { groups: { 'web-hosts': { hosts: 6 } } } } },
    });
    holder.stacks = cloud.stacks;
    roleNames = new Set(cloud.stacks.flatMap((s) => s.roles.map((r) => r.logicalId)));
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('deploys with no denial: the deployer calls as cloudformation, which has no role', () => {
    const denied = cloud.endpoint.calls.filter((c) => c.outcome === 'denied');

    expect(cloud.stacks.flatMap((s) => s.roles)).not.toHaveLength(0);
    expect(denied.map(describeCall)).toEqual([]);
  });

  it('a scale-in of web-hosts 6 → 4 runs for an hour with no call by a Ballast role denied', async () => {
    const from = cloud.endpoint.calls.length;
    cloud.world.region('us-east-1').autoscaling.setDesiredCapacity('web-hosts', 4);
    await cloud.runFor(HOUR);
    const calls = cloud.endpoint.calls.slice(from);
    const byBallast = calls.filter((c) => roleNames.has(c.caller));
    const denied = byBallast.filter((c) => c.outcome === 'denied');
    const executions = cloud.sfn.executions.filter((e) => e.region === 'us-east-1');

    // The IAM assertions: Ballast's roles did call the fleet, and none of their calls was refused.
    expect(byBallast.length, 'no call was made with a Ballast role: the drain never ran').toBeGreaterThan(0);
    expect(denied.length, `denied calls by Ballast roles:\n${denied.map(describeCall).join('\n')}`).toBe(0);
    expect(authorize.decisions.some((d) => d.allowed)).toBe(true);
    expect(executions.length).toBeGreaterThanOrEqual(2);

    // NOTE: the drain workflow (functions/host-draining, state-machines/drain-host) is being finished by
    // another engineer. Whether the executions succeed is its business, not this test's: a failure there for
    // reasons in that code must not fail the IAM check above, so it is only reported here.
    const failed = executions.filter((e) => e.status !== 'SUCCEEDED');
    if (failed.length > 0) {
      console.warn(
        `drain-host executions not SUCCEEDED (not an IAM failure):\n${failed.map((e) => `${e.name} ${e.status} ${e.error ?? ''} ${e.cause ?? ''}`).join('\n')}`,
      );
    }
  });

  it("a Ballast role's own key is denied what its policies do not grant, with AccessDeniedException", async () => {
    const stack = cloud.stacks.find((s) => s.region === 'us-east-1')!;
    const drainRole = stack.roles.find((r) => r.logicalId.includes('DrainRole'))!;
    const credentials = { accessKeyId: accessKeyFor(drainRole.arn), secretAccessKey: 'local-cloud-secret' };
    const endpoint = { region: 'us-east-1', endpoint: cloud.endpoint.url, credentials, maxAttempts: 1 };
    const ecs = new ECSClient(endpoint);
    const autoscaling = new AutoScalingClient(endpoint);
    try {
      const allowed = await ecs.send(new ListContainerInstancesCommand({ cluster: 'web' }));
      const foreign = await ecs
        .send(
          new UpdateContainerInstancesStateCommand({
            cluster: 'not-in-the-config',
            containerInstances: ['0123456789abcdef0123456789abcdef'],
            status: 'DRAINING',
          }),
        )
        .catch((e: unknown) => e as Error);
      const notGranted = await autoscaling
        .send(new DescribeAutoScalingGroupsCommand({}))
        .catch((e: unknown) => e as Error);
      const roleName = drainRole.arn.split('/').pop();

      expect(allowed.containerInstanceArns!.length).toBeGreaterThan(0);
      expect(foreign).toBeInstanceOf(AccessDeniedException);
      expect((foreign as Error).message).toBe(
        `User: arn:aws:sts::123456789012:assumed-role/${roleName}/${drainRole.logicalId} is not authorized to perform: ecs:UpdateContainerInstancesState on resource: arn:aws:ecs:us-east-1:123456789012:container-instance/not-in-the-config/0123456789abcdef0123456789abcdef because no identity-based policy allows the ecs:UpdateContainerInstancesState action`,
      );
      expect(notGranted).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      expect(cloud.endpoint.calls.filter((c) => c.caller === drainRole.logicalId).slice(-2)).toMatchObject([
        { action: 'UpdateContainerInstancesState', outcome: 'denied', errorCode: 'AccessDeniedException' },
        { action: 'DescribeAutoScalingGroups', outcome: 'denied', errorCode: 'AccessDenied' },
      ]);
    } finally {
      ecs.destroy();
      autoscaling.destroy();
    }
  });
});
