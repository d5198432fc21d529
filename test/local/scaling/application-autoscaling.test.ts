import { describe, expect, it } from 'vitest';
import { applicationAutoScalingService as aas } from '#local/application-autoscaling/api.ts';
import { AwsError } from '#local/core/aws-error.ts';
import { minutes, PRIMARY, scalingWorld } from './scaling-world.ts';

const API = { ServiceNamespace: 'ecs', ResourceId: 'service/web/api', ScalableDimension: 'ecs:service:DesiredCount' };

interface Activity {
  Description: string;
  Cause: string;
  StatusCode: string;
}

describe('Application Auto Scaling for ECS services', () => {
  it('snaps a desired count set above the maximum back to the maximum when the target is re-registered (the clamp trap)', async () => {
    // Arrange: an operator raises the service above the target's maximum with UpdateService alone.
    const { world, call, desired } = scalingWorld();
    world.region(PRIMARY).ecs.setDesiredCount('web', 'api', 14, 'operator');

    // Act: suspending scaling is a RegisterScalableTarget call, which moves capacity into [min, max].
    await call(aas, 'RegisterScalableTarget', { ...API, SuspendedState: { DynamicScalingInSuspended: true } });

    // Assert
    expect(desired()).toBe(10);
    const { ScalingActivities } = await call<{ ScalingActivities: Activity[] }>(aas, 'DescribeScalingActivities', API);
    expect(ScalingActivities[0]).toMatchObject({
      Description: 'Setting desired count to 10.',
      Cause: 'maximum capacity was set to 10',
      StatusCode: 'Successful',
    });
  });

  it('holds raised capacity when MinCapacity is raised and scale-in suspended in one call', async () => {
    // Arrange: low load, which would normally scale the service in.
    const { world, call, desired, load } = scalingWorld();
    load(20);

    // Act
    await call(aas, 'RegisterScalableTarget', {
      ...API,
      MinCapacity: 6,
      MaxCapacity: 10,
      SuspendedState: { DynamicScalingInSuspended: true },
    });
    await world.clock.runFor(minutes(60));

    // Assert
    expect(desired()).toBe(6);
    const { ScalableTargets } = await call<{ ScalableTargets: Array<Record<string, unknown>> }>(
      aas,
      'DescribeScalableTargets',
      {
        ServiceNamespace: 'ecs',
        ResourceIds: ['service/web/api'],
      },
    );
    expect(ScalableTargets[0]).toMatchObject({
      MinCapacity: 6,
      MaxCapacity: 10,
      SuspendedState: {
        DynamicScalingInSuspended: true,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
      },
    });
  });

  it('scales a loaded service out through its target-tracking policy', async () => {
    // Arrange: two tasks at 90 % CPU against a 60 % target.
    const { world, desired, load } = scalingWorld();
    load(180);

    // Act
    await world.clock.runFor(minutes(6));

    // Assert
    expect(desired()).toBe(3);
    expect(world.timeline.some((e) => e.kind === 'scaling' && e.detail.includes('desired 2 → 3'))).toBe(true);
  });

  it('does not scale out while scale-out is suspended, and fires at once on resume when the alarm is in breach', async () => {
    // Arrange
    const { world, call, desired, load } = scalingWorld();
    await call(aas, 'RegisterScalableTarget', { ...API, SuspendedState: { DynamicScalingOutSuspended: true } });
    load(180);

    // Act
    await world.clock.runFor(minutes(15));
    const whileSuspended = desired();
    await call(aas, 'RegisterScalableTarget', { ...API, SuspendedState: { DynamicScalingOutSuspended: false } });

    // Assert: the resume itself scaled the service, without waiting for the next evaluation.
    expect(whileSuspended).toBe(2);
    expect(desired()).toBe(3);
  });

  it('stops target tracking when CloudWatch is impaired, while scheduled actions keep working', async () => {
    // Arrange
    const { world, call, desired, load } = scalingWorld();
    const cloudwatch = world.region(PRIMARY).cloudwatch;
    await world.clock.runFor(minutes(2));
    cloudwatch.impair();
    load(300);
    const at = new Date(world.now() + minutes(30)).toISOString().slice(0, 19);
    await call(aas, 'PutScheduledAction', {
      ...API,
      ScheduledActionName: 'morning-peak',
      Schedule: `at(${at})`,
      ScalableTargetAction: { MinCapacity: 7 },
    });

    // Act
    await world.clock.runFor(minutes(20));
    const beforeSchedule = desired();
    const states = cloudwatch.alarmCounts('TargetTracking-service/web/api');
    await world.clock.runFor(minutes(15));

    // Assert
    expect(states).toEqual({ OK: 0, ALARM: 0, INSUFFICIENT_DATA: 2 });
    expect(beforeSchedule).toBe(2);
    expect(desired()).toBe(7);
  });

  it('does not replay a scheduled action that came due while scheduled scaling was suspended', async () => {
    // Arrange
    const { world, call, desired } = scalingWorld();
    await call(aas, 'RegisterScalableTarget', { ...API, SuspendedState: { ScheduledScalingSuspended: true } });
    const at = new Date(world.now() + minutes(10)).toISOString().slice(0, 19);
    await call(aas, 'PutScheduledAction', {
      ...API,
      ScheduledActionName: 'raise',
      Schedule: `at(${at})`,
      ScalableTargetAction: { MinCapacity: 5, MaxCapacity: 10 },
    });

    // Act
    await world.clock.runFor(minutes(20));
    await call(aas, 'RegisterScalableTarget', { ...API, SuspendedState: { ScheduledScalingSuspended: false } });
    await world.clock.runFor(minutes(5));

    // Assert
    expect(desired()).toBe(2);
    expect(world.region(PRIMARY).applicationAutoScaling.target('service/web/api')?.MinCapacity).toBe(2);
  });

  it('runs a rate() scheduled action every period', async () => {
    // Arrange
    const { world, call } = scalingWorld();
    await call(aas, 'PutScheduledAction', {
      ...API,
      ScheduledActionName: 'hourly',
      Schedule: 'rate(1 hour)',
      ScalableTargetAction: { MinCapacity: 3 },
    });

    // Act
    await world.clock.runFor(minutes(190));

    // Assert
    const { ScalingActivities } = await call<{ ScalingActivities: Activity[] }>(aas, 'DescribeScalingActivities', API);
    const runs = ScalingActivities.filter((a) => a.Cause === 'scheduled action name hourly was triggered');
    expect(runs).toHaveLength(3);
  });

  it('pages through scalable targets with NextToken', async () => {
    // Arrange
    const { call } = scalingWorld({ extraServices: 3 });

    // Act
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await call<{ ScalableTargets: Array<{ ResourceId: string }>; NextToken?: string }>(
        aas,
        'DescribeScalableTargets',
        {
          ServiceNamespace: 'ecs',
          MaxResults: 1,
          NextToken: token,
        },
      );
      expect(page.ScalableTargets.length).toBeLessThanOrEqual(1);
      seen.push(...page.ScalableTargets.map((t) => t.ResourceId));
      token = page.NextToken;
    } while (token);

    // Assert
    expect(seen).toEqual(['service/web/api', 'service/web/svc0', 'service/web/svc1', 'service/web/svc2']);
  });

  it('answers with AWS error codes for an unknown target and a minimum above the maximum', async () => {
    // Arrange
    const { call } = scalingWorld();

    // Act
    const unknown = call(aas, 'PutScalingPolicy', { ...API, ResourceId: 'service/web/nope', PolicyName: 'p' });
    const inverted = call(aas, 'RegisterScalableTarget', { ...API, MinCapacity: 5, MaxCapacity: 3 });

    // Assert
    await expect(unknown).rejects.toMatchObject({ code: 'ObjectNotFoundException' });
    await expect(inverted).rejects.toBeInstanceOf(AwsError);
    await expect(inverted).rejects.toMatchObject({ code: 'ValidationException' });
  });

  it('names target-tracking alarms like AWS and lists them on the policy', async () => {
    // Arrange
    const { call } = scalingWorld();

    // Act
    const { ScalingPolicies } = await call<{
      ScalingPolicies: Array<{ Alarms: Array<{ AlarmName: string }>; PolicyType: string }>;
    }>(aas, 'DescribeScalingPolicies', { ServiceNamespace: 'ecs', ResourceId: 'service/web/api' });

    // Assert
    expect(ScalingPolicies).toHaveLength(1);
    expect(ScalingPolicies[0]?.PolicyType).toBe('TargetTrackingScaling');
    const names = ScalingPolicies[0]?.Alarms.map((a) => a.AlarmName) ?? [];
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^TargetTracking-service\/web\/api-AlarmHigh-[0-9a-f-]{36}$/);
    expect(names[1]).toMatch(/^TargetTracking-service\/web\/api-AlarmLow-[0-9a-f-]{36}$/);
  });

  it('rejects a second caller changing the same target at the same instant with ConcurrentUpdateException', async () => {
    // Arrange: another function registers the target at this very instant.
    const { world, call } = scalingWorld();
    world
      .region(PRIMARY)
      .applicationAutoScaling.registerScalableTarget({ ...API, MinCapacity: 3 }, 'emergency-scaling');

    // Act
    const racing = call(aas, 'RegisterScalableTarget', { ...API, MinCapacity: 4 });
    await world.clock.runFor(1000);
    const later = call(aas, 'RegisterScalableTarget', { ...API, MinCapacity: 4 });

    // Assert
    await expect(racing).rejects.toMatchObject({ code: 'ConcurrentUpdateException' });
    await expect(later).resolves.toHaveProperty('ScalableTargetARN');
  });
});
