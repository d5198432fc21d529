import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  ClusterNotFoundException,
  DescribeContainerInstancesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListContainerInstancesCommand,
  ListTasksCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoScalingService } from '../../../local/autoscaling/api.ts';
import { ecsService } from '../../../local/ecs/api.ts';
import { type LocalEndpoint, startEndpoint } from '../../../local/server/endpoint.ts';
import { bindToWorld } from '../../../local/world/services.ts';
import type { AwsEvent } from '../../../local/world/world.ts';
import { fleetWorld } from './fixture.ts';

const client = (url: string) => ({
  endpoint: url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
  maxAttempts: 1,
});

describe('the compute services through the real SDK clients', () => {
  const { world } = fleetWorld();
  const events: AwsEvent[] = [];
  world.onEvent((e) => events.push(e));
  let endpoint: LocalEndpoint;
  let ecs: ECSClient;
  let autoscaling: AutoScalingClient;

  beforeAll(async () => {
    endpoint = await startEndpoint({
      world,
      services: [bindToWorld(world, ecsService), bindToWorld(world, autoScalingService)],
      rateLimits: false,
    });
    ecs = new ECSClient(client(endpoint.url));
    autoscaling = new AutoScalingClient(client(endpoint.url));
  });
  afterAll(async () => {
    ecs.destroy();
    autoscaling.destroy();
    await endpoint.close();
  });

  it('drains the host a terminate hook names and completes the hook, as a drainer would', async () => {
    await autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-hosts', DesiredCapacity: 2 }));
    await world.clock.runFor(10_000);
    const hook = events.find((e) => e['detail-type'] === 'EC2 Instance-terminate Lifecycle Action')!.detail as {
      EC2InstanceId: string;
      LifecycleHookName: string;
      LifecycleActionToken: string;
    };

    const listed = await ecs.send(
      new ListContainerInstancesCommand({ cluster: 'web', filter: `ec2InstanceId == ${hook.EC2InstanceId}` }),
    );
    const arn = listed.containerInstanceArns![0]!;
    const updated = await ecs.send(
      new UpdateContainerInstancesStateCommand({ cluster: 'web', containerInstances: [arn], status: 'DRAINING' }),
    );
    await world.clock.runUntilTrue(
      () => world.region('us-east-1').ecs.containerInstanceOf(hook.EC2InstanceId)!.tasks.size === 0,
      30 * 60_000,
    );
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'web', containerInstance: arn, desiredStatus: 'STOPPED' }),
    );
    const tasks = await ecs.send(new DescribeTasksCommand({ cluster: 'web', tasks: stopped.taskArns! }));
    const instance = await ecs.send(
      new DescribeContainerInstancesCommand({ cluster: 'web', containerInstances: [arn] }),
    );
    await autoscaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: hook.LifecycleHookName,
        LifecycleActionToken: hook.LifecycleActionToken,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    await world.clock.runFor(2 * 60_000);
    const group = await autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-hosts'] }),
    );

    expect(updated.containerInstances![0]!.status).toBe('DRAINING');
    expect(tasks.tasks!.length).toBeGreaterThan(0);
    expect(tasks.tasks!.every((t) => t.lastStatus === 'STOPPED' && t.stoppedAt instanceof Date)).toBe(true);
    expect(instance.containerInstances![0]!.runningTasksCount).toBe(0);
    expect(group.AutoScalingGroups![0]!.Instances!.map((i) => i.InstanceId)).not.toContain(hook.EC2InstanceId);
    expect(group.AutoScalingGroups![0]!.DesiredCapacity).toBe(2);
    expect(world.traffic.totals().failed).toBe(0);
  });

  it('raises the SDK exception classes for AWS error codes', async () => {
    const missing = await ecs.send(new ListTasksCommand({ cluster: 'nope' })).catch((e: unknown) => e);
    const invalid = await autoscaling
      .send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: 'web-hosts',
          LifecycleHookName: 'ballast-drain',
          InstanceId: 'i-0000',
          LifecycleActionResult: 'CONTINUE',
        }),
      )
      .catch((e: unknown) => e);
    const described = await autoscaling.send(new DescribeAutoScalingInstancesCommand({}));

    expect(missing).toBeInstanceOf(ClusterNotFoundException);
    expect(invalid).toMatchObject({
      name: 'ValidationError',
      message: 'No active Lifecycle Action found with instance ID i-0000',
    });
    expect(described.AutoScalingInstances!.every((i) => i.HealthStatus === 'HEALTHY')).toBe(true);
  });
});
