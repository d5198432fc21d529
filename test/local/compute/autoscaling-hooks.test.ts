import { describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../../local/world/world.ts';
import { asg, contextFor, fleetWorld } from './fixture.ts';

const REGION = 'us-east-1';
const TERMINATE = 'EC2 Instance-terminate Lifecycle Action';

function capture(world: ReturnType<typeof fleetWorld>['world']) {
  const events: AwsEvent[] = [];
  world.onEvent((e) => events.push(e));
  return events;
}

describe('Auto Scaling lifecycle hooks', () => {
  it('emits the terminate lifecycle event as AWS does when the group scales in', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const events = capture(world);
    const group = world.region(REGION).autoscaling.group('web-hosts')!;

    await asg('SetDesiredCapacity', { AutoScalingGroupName: 'web-hosts', DesiredCapacity: 2 }, ctx);
    await world.clock.runFor(10_000);

    const hook = events.find((e) => e['detail-type'] === TERMINATE)!;
    expect(hook.source).toBe('aws.autoscaling');
    expect(hook.resources).toEqual([group.arn]);
    expect(group.arn).toMatch(
      /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName\/web-hosts$/,
    );
    expect(hook.detail).toMatchObject({
      AutoScalingGroupName: 'web-hosts',
      LifecycleHookName: 'ballast-drain',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      Origin: 'AutoScalingGroup',
      Destination: 'EC2',
    });
    expect(hook.detail.LifecycleActionToken).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const described = await asg('DescribeAutoScalingInstances', { InstanceIds: [hook.detail.EC2InstanceId] }, ctx);
    expect(described.AutoScalingInstances[0].LifecycleState).toBe('Terminating:Wait');
  });

  it('applies the DefaultResult when nobody answers before the heartbeat timeout', async () => {
    const { world } = fleetWorld({ spec: { heartbeatTimeoutSeconds: 300, hookDefaultResult: 'CONTINUE' } });
    const ctx = contextFor(world);
    const events = capture(world);

    await asg('SetDesiredCapacity', { AutoScalingGroupName: 'web-hosts', DesiredCapacity: 2 }, ctx);
    await world.clock.runUntilTrue(() => events.some((e) => e['detail-type'] === TERMINATE), 60_000);
    const hookAt = world.now();
    const id = events.find((e) => e['detail-type'] === TERMINATE)!.detail.EC2InstanceId as string;
    await world.clock.runFor(290_000);
    const beforeTimeout = world.region(REGION).autoscaling.instance(id)?.lifecycleState;
    await world.clock.runUntilTrue(
      () => events.some((e) => e['detail-type'] === 'EC2 Instance Terminate Successful'),
      120_000,
    );

    expect(beforeTimeout).toBe('Terminating:Wait');
    const timedOut = world.timeline.find((e) => e.kind === 'hook-timeout')!;
    expect(timedOut.detail).toContain('CONTINUE after 300 s');
    expect(world.now() - hookAt).toBeGreaterThanOrEqual(300_000);
    expect(world.region(REGION).autoscaling.instance(id)).toBeUndefined();
  });

  it('extends the wait with each heartbeat, but never past the global cap of 100 heartbeat timeouts', async () => {
    const { world } = fleetWorld({ spec: { heartbeatTimeoutSeconds: 30, hookDefaultResult: 'ABANDON' } });
    const ctx = contextFor(world);
    const events = capture(world);
    await asg('SetDesiredCapacity', { AutoScalingGroupName: 'web-hosts', DesiredCapacity: 2 }, ctx);
    await world.clock.runUntilTrue(() => events.some((e) => e['detail-type'] === TERMINATE), 60_000);
    const hook = events.find((e) => e['detail-type'] === TERMINATE)!;
    const startedAt = world.now();
    const instance = world.region(REGION).autoscaling.instance(hook.detail.EC2InstanceId as string)!;

    let heartbeats = 0;
    let stillWaitingAfterFirstTimeout = false;
    while (instance.lifecycleState === 'Terminating:Wait' && world.now() - startedAt < 4000_000) {
      await asg(
        'RecordLifecycleActionHeartbeat',
        {
          AutoScalingGroupName: 'web-hosts',
          LifecycleHookName: 'ballast-drain',
          LifecycleActionToken: hook.detail.LifecycleActionToken,
        },
        ctx,
      );
      heartbeats++;
      await world.clock.runFor(20_000);
      if (world.now() - startedAt > 60_000 && instance.lifecycleState === 'Terminating:Wait')
        stillWaitingAfterFirstTimeout = true;
    }
    const waited = (world.now() - startedAt) / 1000;

    expect(stillWaitingAfterFirstTimeout).toBe(true);
    expect(heartbeats).toBeGreaterThan(100);
    expect(waited).toBeGreaterThanOrEqual(3000);
    expect(waited).toBeLessThan(3000 + 25);
    expect(world.timeline.find((e) => e.kind === 'hook-timeout')?.detail).toContain('ABANDON after 3000 s');
  });

  it('waits for every terminate hook of the group, and lets one ABANDON skip the rest', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const events = capture(world);
    await asg(
      'PutLifecycleHook',
      {
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'other-drain',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 600,
      },
      ctx,
    );

    await asg('SetDesiredCapacity', { AutoScalingGroupName: 'web-hosts', DesiredCapacity: 1 }, ctx);
    await world.clock.runFor(10_000);
    const hooks = events.filter((e) => e['detail-type'] === TERMINATE);
    const [first, second] = [...new Set(hooks.map((e) => e.detail.EC2InstanceId as string))];
    const complete = (instanceId: string, hookName: string, result: string) =>
      asg(
        'CompleteLifecycleAction',
        {
          AutoScalingGroupName: 'web-hosts',
          LifecycleHookName: hookName,
          InstanceId: instanceId,
          LifecycleActionResult: result,
        },
        ctx,
      );
    await complete(first!, 'ballast-drain', 'CONTINUE');
    await world.clock.runFor(5_000);
    const afterOne = world.region(REGION).autoscaling.instance(first!)?.lifecycleState;
    await complete(first!, 'other-drain', 'CONTINUE');
    await complete(second!, 'other-drain', 'ABANDON');
    await world.clock.runFor(60_000);

    expect(hooks).toHaveLength(4);
    expect(afterOne).toBe('Terminating:Wait');
    expect(world.region(REGION).autoscaling.instance(first!)).toBeUndefined();
    expect(world.region(REGION).autoscaling.instance(second!)).toBeUndefined();
  });

  it('keeps an ABANDONed instance Retained, out of desired capacity, under a retain lifecycle policy', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const events = capture(world);
    await asg(
      'UpdateAutoScalingGroup',
      {
        AutoScalingGroupName: 'web-hosts',
        InstanceLifecyclePolicy: { RetentionTriggers: { TerminateHookAbandon: 'retain' } },
      },
      ctx,
    );

    await asg('SetDesiredCapacity', { AutoScalingGroupName: 'web-hosts', DesiredCapacity: 2 }, ctx);
    await world.clock.runUntilTrue(() => events.some((e) => e['detail-type'] === TERMINATE), 60_000);
    const hook = events.find((e) => e['detail-type'] === TERMINATE)!;
    await asg(
      'CompleteLifecycleAction',
      {
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'ballast-drain',
        LifecycleActionToken: hook.detail.LifecycleActionToken,
        LifecycleActionResult: 'ABANDON',
      },
      ctx,
    );
    await world.clock.runFor(10 * 60_000);
    const id = hook.detail.EC2InstanceId as string;
    const group = (await asg('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['web-hosts'] }, ctx))
      .AutoScalingGroups[0];

    expect(group.Instances.find((i: { InstanceId: string }) => i.InstanceId === id).LifecycleState).toBe(
      'Terminating:Retained',
    );
    expect(group.DesiredCapacity).toBe(2);
    expect(group.Instances.filter((i: { LifecycleState: string }) => i.LifecycleState === 'InService')).toHaveLength(2);
    expect(world.region(REGION).ecs.containerInstanceOf(id)?.status).toBe('ACTIVE');

    await asg('TerminateInstanceInAutoScalingGroup', { InstanceId: id, ShouldDecrementDesiredCapacity: false }, ctx);
    await world.clock.runFor(60_000);
    expect(world.region(REGION).autoscaling.instance(id)).toBeUndefined();
  });

  it('answers an unknown token with the ValidationError AWS gives', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);

    const answer = asg(
      'CompleteLifecycleAction',
      {
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'ballast-drain',
        LifecycleActionToken: 'f66c3d47-e602-4af0-8edd-d4e4d2fe4620',
        LifecycleActionResult: 'CONTINUE',
      },
      ctx,
    );

    await expect(answer).rejects.toMatchObject({
      code: 'ValidationError',
      message: 'No active Lifecycle Action found with token f66c3d47-e602-4af0-8edd-d4e4d2fe4620',
    });
  });

  it('holds a launching instance in Pending:Wait until its launch hook is answered', async () => {
    const { world } = fleetWorld({ example: true });
    const ctx = contextFor(world);
    const events = capture(world);

    await asg('SetDesiredCapacity', { AutoScalingGroupName: 'web-hosts', DesiredCapacity: 4 }, ctx);
    await world.clock.runFor(10 * 60_000);
    const launch = events.find((e) => e['detail-type'] === 'EC2 Instance-launch Lifecycle Action')!;
    const id = launch.detail.EC2InstanceId as string;
    const waiting = world.region(REGION).autoscaling.instance(id)?.lifecycleState;
    const registered = world.region(REGION).ecs.containerInstanceOf(id)?.status;
    await asg(
      'CompleteLifecycleAction',
      {
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'ballast-launch',
        InstanceId: id,
        LifecycleActionResult: 'CONTINUE',
      },
      ctx,
    );

    expect(launch.detail).toMatchObject({
      Origin: 'EC2',
      Destination: 'AutoScalingGroup',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
    });
    expect(waiting).toBe('Pending:Wait');
    expect(registered).toBe('ACTIVE');
    expect(world.region(REGION).autoscaling.instance(id)?.lifecycleState).toBe('InService');
    expect(
      events.some((e) => e['detail-type'] === 'EC2 Instance Launch Successful' && e.detail.EC2InstanceId === id),
    ).toBe(true);
  });
});
