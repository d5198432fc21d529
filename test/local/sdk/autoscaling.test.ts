import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  PutLifecycleHookCommand,
  paginateDescribeAutoScalingGroups,
  paginateDescribeAutoScalingInstances,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import type { AwsEvent } from '#local/world/world.ts';
import config from '../../../ballast.config.ts';
import { collect, failure } from './helpers.ts';

/**
 * EC2 Auto Scaling through the real SDK v3 client, against the example fleet
 * without Ballast (so the groups have no lifecycle hooks until these tests put one). One cloud; in order.
 */

describe('EC2 Auto Scaling through the SDK v3 client', () => {
  let cloud: LocalCloud;
  let autoscaling: AutoScalingClient;
  const events: AwsEvent[] = [];

  beforeAll(async () => {
    cloud = await LocalCloud.start({ config, seed: 12, withBallast: false, rateLimits: false });
    cloud.world.onEvent((e) => events.push(e));
    autoscaling = new AutoScalingClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
  });
  afterAll(async () => {
    autoscaling?.destroy();
    await cloud?.stop();
  });

  const group = async (name: string) =>
    (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
      .AutoScalingGroups![0]!;

  it('DescribeAutoScalingGroups pages through the groups and filters by tag', async () => {
    const pages = await collect(paginateDescribeAutoScalingGroups({ client: autoscaling, pageSize: 1 }, {}));
    const tagged = await autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag:ballast:cluster', Values: ['workers'] }] }),
    );
    const web = pages[0]!.AutoScalingGroups![0]!;

    expect(pages.map((p) => p.AutoScalingGroups!.map((g) => g.AutoScalingGroupName))).toEqual([
      ['web-hosts'],
      ['worker-hosts'],
    ]);
    expect(web).toMatchObject({
      MinSize: 1,
      MaxSize: 10,
      DesiredCapacity: 3,
      AvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      AutoScalingGroupARN: expect.stringMatching(
        /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:[0-9a-f-]+:autoScalingGroupName\/web-hosts$/,
      ),
    });
    expect(web.CreatedTime).toBeInstanceOf(Date);
    expect(web.Instances!.map((i) => [i.LifecycleState, i.HealthStatus])).toEqual([
      ['InService', 'Healthy'],
      ['InService', 'Healthy'],
      ['InService', 'Healthy'],
    ]);
    expect(tagged.AutoScalingGroups!.map((g) => g.AutoScalingGroupName)).toEqual(['worker-hosts']);
  });

  it('DescribeAutoScalingInstances pages through every instance and selects by id', async () => {
    const pages = await collect(paginateDescribeAutoScalingInstances({ client: autoscaling, pageSize: 4 }, {}));
    const all = pages.flatMap((p) => p.AutoScalingInstances ?? []);
    const one = await autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [all[4]!.InstanceId!] }));
    const tooMany = await failure(autoscaling.send(new DescribeAutoScalingInstancesCommand({ MaxRecords: 101 })));

    expect(pages.map((p) => p.AutoScalingInstances?.length)).toEqual([4, 2]);
    expect(all.filter((i) => i.AutoScalingGroupName === 'web-hosts')).toHaveLength(3);
    expect(all.every((i) => i.HealthStatus === 'HEALTHY' && i.LifecycleState === 'InService')).toBe(true);
    expect(one.AutoScalingInstances).toEqual([all[4]]);
    expect(tooMany).toMatchObject({ name: 'ValidationError', message: 'MaxRecords must be between 1 and 100' });
  });

  it('PutLifecycleHook and DescribeLifecycleHooks (the groups Ballast would hook have none without it)', async () => {
    const before = await autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'web-hosts' }));
    await autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'sdk-drain',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 600,
        DefaultResult: 'CONTINUE',
        NotificationMetadata: '{"by":"sdk"}',
      }),
    );
    const after = await autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'web-hosts' }));
    const missing = await failure(
      autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'no-such-group' })),
    );

    expect(before.LifecycleHooks).toEqual([]);
    expect(after.LifecycleHooks).toEqual([
      {
        LifecycleHookName: 'sdk-drain',
        AutoScalingGroupName: 'web-hosts',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        NotificationMetadata: '{"by":"sdk"}',
        HeartbeatTimeout: 600,
        GlobalTimeout: 60_000,
        DefaultResult: 'CONTINUE',
      },
    ]);
    expect(missing).toMatchObject({
      name: 'ValidationError',
      message: 'AutoScalingGroup name not found - AutoScalingGroup no-such-group not found',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('a scale-in waits on the hook: RecordLifecycleActionHeartbeat, then CompleteLifecycleAction by token and by id', async () => {
    cloud.world.region('us-east-1').autoscaling.setDesiredCapacity('web-hosts', 1);
    await cloud.runFor(5000);
    const actions = events
      .filter((e) => e['detail-type'] === 'EC2 Instance-terminate Lifecycle Action')
      .map((e) => e.detail as { EC2InstanceId: string; LifecycleActionToken: string; LifecycleHookName: string });
    const waiting = (await group('web-hosts')).Instances!.filter((i) => i.LifecycleState === 'Terminating:Wait');
    const [a, b] = actions as [(typeof actions)[0], (typeof actions)[0]];

    await autoscaling.send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'sdk-drain',
        LifecycleActionToken: a.LifecycleActionToken,
      }),
    );
    await autoscaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'sdk-drain',
        LifecycleActionToken: a.LifecycleActionToken,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    await autoscaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'sdk-drain',
        InstanceId: b.EC2InstanceId,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    const again = await failure(
      autoscaling.send(
        new RecordLifecycleActionHeartbeatCommand({
          AutoScalingGroupName: 'web-hosts',
          LifecycleHookName: 'sdk-drain',
          LifecycleActionToken: a.LifecycleActionToken,
        }),
      ),
    );
    await cloud.runFor(2 * 60_000);
    const after = await group('web-hosts');

    expect(actions).toHaveLength(2);
    expect(waiting.map((i) => i.InstanceId).toSorted()).toEqual([a.EC2InstanceId, b.EC2InstanceId].toSorted());
    expect(a.LifecycleHookName).toBe('sdk-drain');
    expect(again).toMatchObject({
      name: 'ValidationError',
      message: `No active Lifecycle Action found with token ${a.LifecycleActionToken}`,
    });
    expect(after.DesiredCapacity).toBe(1);
    expect(after.Instances!.map((i) => i.InstanceId)).not.toContain(a.EC2InstanceId);
    expect(after.Instances!.map((i) => i.InstanceId)).not.toContain(b.EC2InstanceId);
    expect(after.Instances).toHaveLength(1);
  });

  it('SetDesiredCapacity launches, and refuses a capacity above the maximum', async () => {
    await autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-hosts', DesiredCapacity: 3 }));
    await cloud.runFor(5 * 60_000);
    const after = await group('web-hosts');
    const above = await failure(
      autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-hosts', DesiredCapacity: 11 })),
    );

    expect(after.DesiredCapacity).toBe(3);
    expect(after.Instances!.filter((i) => i.LifecycleState === 'InService')).toHaveLength(3);
    expect(above).toMatchObject({
      name: 'ValidationError',
      message: 'New SetDesiredCapacity value 11 is above max value 10 for the AutoScalingGroup.',
    });
  });

  it('UpdateAutoScalingGroup changes the bounds, and refuses min above max', async () => {
    await autoscaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web-hosts', MinSize: 2, MaxSize: 8 }),
    );
    const after = await group('web-hosts');
    const crossed = await failure(
      autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web-hosts', MinSize: 9 })),
    );

    expect(after).toMatchObject({ MinSize: 2, MaxSize: 8, DesiredCapacity: 3 });
    expect(crossed).toMatchObject({
      name: 'ValidationError',
      message: 'Max bound, 8, must be greater than or equal to min bound, 9',
    });
  });

  it('SetInstanceProtection protects an instance, and refuses one outside the group', async () => {
    const [first] = (await group('web-hosts')).Instances!;
    await autoscaling.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: 'web-hosts',
        InstanceIds: [first!.InstanceId!],
        ProtectedFromScaleIn: true,
      }),
    );
    const after = await group('web-hosts');
    const worker = (await group('worker-hosts')).Instances![0]!.InstanceId!;
    const outside = await failure(
      autoscaling.send(
        new SetInstanceProtectionCommand({
          AutoScalingGroupName: 'web-hosts',
          InstanceIds: [worker],
          ProtectedFromScaleIn: true,
        }),
      ),
    );

    expect(after.Instances!.filter((i) => i.ProtectedFromScaleIn).map((i) => i.InstanceId)).toEqual([
      first!.InstanceId,
    ]);
    expect(outside).toMatchObject({
      name: 'ValidationError',
      message: `The instance ${worker} is not part of Auto Scaling group web-hosts.`,
    });
  });

  it('TerminateInstanceInAutoScalingGroup runs the terminate hook and replaces the instance', async () => {
    const victim = (await group('web-hosts')).Instances!.find((i) => !i.ProtectedFromScaleIn)!.InstanceId!;
    const terminated = await autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: false }),
    );
    await cloud.runFor(5000);
    const waiting = (await group('web-hosts')).Instances!.find((i) => i.InstanceId === victim);
    await autoscaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'sdk-drain',
        InstanceId: victim,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    await cloud.runFor(5 * 60_000);
    const after = await group('web-hosts');
    const unknown = await failure(
      autoscaling.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: 'i-0000000000000000f',
          ShouldDecrementDesiredCapacity: true,
        }),
      ),
    );

    expect(terminated.Activity).toMatchObject({
      AutoScalingGroupName: 'web-hosts',
      Description: `Terminating EC2 instance: ${victim}`,
      StatusCode: 'InProgress',
    });
    expect(terminated.Activity!.StartTime).toBeInstanceOf(Date);
    expect(waiting?.LifecycleState).toBe('Terminating:Wait');
    expect(after.DesiredCapacity).toBe(3);
    expect(after.Instances!.map((i) => i.InstanceId)).not.toContain(victim);
    expect(after.Instances!.filter((i) => i.LifecycleState === 'InService')).toHaveLength(3);
    expect(unknown).toMatchObject({
      name: 'ValidationError',
      message: 'Instance Id not found - No managed instance found for instance ID: i-0000000000000000f',
    });
  });
});
