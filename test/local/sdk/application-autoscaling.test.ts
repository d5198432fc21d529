import {
  ApplicationAutoScalingClient,
  DeleteScheduledActionCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScheduledActionsCommand,
  ObjectNotFoundException,
  PutScheduledActionCommand,
  paginateDescribeScalableTargets,
  paginateDescribeScalingPolicies,
  RegisterScalableTargetCommand,
  ValidationException,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import config from '../../../ballast.config.ts';
import { collect, failure } from './helpers.ts';

/**
 * Application Auto Scaling through the real SDK v3 client, against the example fleet's scalable targets (one
 * per configured service, each with a CPU target-tracking policy). One cloud; the tests run in order.
 */

describe('Application Auto Scaling through the SDK v3 client', () => {
  let cloud: LocalCloud;
  let aas: ApplicationAutoScalingClient;
  let ecs: ECSClient;
  const ecsKey = { ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount' } as const;

  beforeAll(async () => {
    cloud = await LocalCloud.start({ config, seed: 13, withBallast: false, rateLimits: false });
    aas = new ApplicationAutoScalingClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
    ecs = new ECSClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
  });
  afterAll(async () => {
    aas?.destroy();
    ecs?.destroy();
    await cloud?.stop();
  });

  const apiDesired = async () =>
    (await ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['api'] }))).services![0]!.desiredCount;

  it('DescribeScalableTargets pages through one target per configured service', async () => {
    const pages = await collect(
      paginateDescribeScalableTargets({ client: aas, pageSize: 2 }, { ServiceNamespace: 'ecs' }),
    );
    const targets = pages.flatMap((p) => p.ScalableTargets ?? []);
    const one = await aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/web/api'] }),
    );

    expect(pages.map((p) => p.ScalableTargets?.length)).toEqual([2, 1]);
    expect(targets.map((t) => [t.ResourceId, t.MinCapacity, t.MaxCapacity]).toSorted()).toEqual([
      ['service/web/api', 4, 40],
      ['service/web/frontend', 2, 20],
      ['service/workers/jobs', 1, 10],
    ]);
    expect(one.ScalableTargets![0]).toMatchObject({
      ...ecsKey,
      ResourceId: 'service/web/api',
      SuspendedState: {
        DynamicScalingInSuspended: false,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
      },
      ScalableTargetARN: expect.stringMatching(
        /^arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target\/[0-9a-z]+$/,
      ),
    });
    expect(one.ScalableTargets![0]!.CreationTime).toBeInstanceOf(Date);
  });

  it('DescribeScalingPolicies pages through the target-tracking policies', async () => {
    const pages = await collect(
      paginateDescribeScalingPolicies({ client: aas, pageSize: 1 }, { ServiceNamespace: 'ecs' }),
    );
    const policies = pages.flatMap((p) => p.ScalingPolicies ?? []);
    const api = policies.find((p) => p.ResourceId === 'service/web/api')!;

    expect(pages).toHaveLength(3);
    expect(policies.map((p) => p.PolicyName).toSorted()).toEqual([
      'ballast-api-cpu60',
      'ballast-frontend-cpu60',
      'ballast-jobs-cpu60',
    ]);
    expect(api).toMatchObject({
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 60,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      },
    });
    expect(api.Alarms!.length).toBe(2);
  });

  it('RegisterScalableTarget suspends dynamic scaling, and its clamp moves the desired count into the bounds', async () => {
    const before = await apiDesired();
    await aas.send(
      new RegisterScalableTargetCommand({
        ...ecsKey,
        ResourceId: 'service/web/api',
        MinCapacity: 6,
        SuspendedState: { DynamicScalingInSuspended: true },
      }),
    );
    const target = (
      await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/web/api'] }))
    ).ScalableTargets![0]!;
    const activities = await aas.send(
      new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/web/api' }),
    );
    const crossed = await failure(
      aas.send(new RegisterScalableTargetCommand({ ...ecsKey, ResourceId: 'service/web/api', MaxCapacity: 5 })),
    );

    expect(before).toBe(4);
    expect(await apiDesired()).toBe(6);
    expect(target).toMatchObject({
      MinCapacity: 6,
      MaxCapacity: 40,
      SuspendedState: {
        DynamicScalingInSuspended: true,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
      },
    });
    expect(activities.ScalingActivities![0]).toMatchObject({
      Description: 'Setting desired count to 6.',
      Cause: 'minimum capacity was set to 6',
      StatusCode: 'Successful',
    });
    expect(crossed).toBeInstanceOf(ValidationException);
    expect(crossed.message).toBe('Minimum capacity (6) cannot be greater than maximum capacity (5)');
  });

  it('PutScheduledAction, DescribeScheduledActions, the action running on virtual time, DeleteScheduledAction', async () => {
    const at = new Date(cloud.world.now() + 10 * 60_000).toISOString().slice(0, 19);
    await aas.send(
      new PutScheduledActionCommand({
        ...ecsKey,
        ResourceId: 'service/web/frontend',
        ScheduledActionName: 'sdk-evening',
        Schedule: `at(${at})`,
        ScalableTargetAction: { MinCapacity: 3, MaxCapacity: 12 },
      }),
    );
    await aas.send(
      new PutScheduledActionCommand({
        ...ecsKey,
        ResourceId: 'service/web/frontend',
        ScheduledActionName: 'sdk-nightly',
        Schedule: 'cron(0 3 * * ? *)',
        ScalableTargetAction: { MinCapacity: 2 },
      }),
    );
    const described = await aas.send(
      new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/web/frontend' }),
    );
    await cloud.runFor(11 * 60_000);
    const frontend = (
      await aas.send(
        new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/web/frontend'] }),
      )
    ).ScalableTargets![0]!;
    const activities = await aas.send(
      new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/web/frontend' }),
    );
    await aas.send(
      new DeleteScheduledActionCommand({
        ...ecsKey,
        ResourceId: 'service/web/frontend',
        ScheduledActionName: 'sdk-nightly',
      }),
    );
    const remaining = await aas.send(
      new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs', ScheduledActionNames: ['sdk-nightly'] }),
    );
    const gone = await failure(
      aas.send(
        new DeleteScheduledActionCommand({
          ...ecsKey,
          ResourceId: 'service/web/frontend',
          ScheduledActionName: 'sdk-nightly',
        }),
      ),
    );

    expect(described.ScheduledActions!.map((a) => [a.ScheduledActionName, a.Schedule])).toEqual([
      ['sdk-evening', `at(${at})`],
      ['sdk-nightly', 'cron(0 3 * * ? *)'],
    ]);
    expect(described.ScheduledActions![0]!.ScalableTargetAction).toEqual({ MinCapacity: 3, MaxCapacity: 12 });
    expect(described.ScheduledActions![0]!.CreationTime).toBeInstanceOf(Date);
    expect(frontend).toMatchObject({ MinCapacity: 3, MaxCapacity: 12 });
    expect(activities.ScalingActivities!.map((a) => a.Cause)).toContain(
      'scheduled action name sdk-evening was triggered',
    );
    expect(remaining.ScheduledActions).toEqual([]);
    expect(gone).toBeInstanceOf(ObjectNotFoundException);
    expect(gone.message).toBe('No scheduled action found for name: sdk-nightly');
  });
});
