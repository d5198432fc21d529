import { describe, expect, it } from 'vitest';
import { autoScalingService } from '../../../local/autoscaling/api.ts';
import { ecsService } from '../../../local/ecs/api.ts';
import { asg, boundOperation, contextFor, ecs, fleetWorld } from './fixture.ts';

describe('the ECS API', () => {
  it('answers a missing cluster and a missing service with the exceptions AWS uses', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);

    await expect(ecs('ListTasks', { cluster: 'nope' }, ctx)).rejects.toMatchObject({
      code: 'ClusterNotFoundException',
      message: 'Cluster not found.',
    });
    await expect(ecs('UpdateService', { cluster: 'web', service: 'nope', desiredCount: 1 }, ctx)).rejects.toMatchObject(
      {
        code: 'ServiceNotFoundException',
      },
    );
    const described = await ecs('DescribeServices', { cluster: 'web', services: ['api', 'nope'] }, ctx);
    expect(described.services.map((s: { serviceName: string }) => s.serviceName)).toEqual(['api']);
    expect(described.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:123456789012:service/web/nope', reason: 'MISSING' },
    ]);
  });

  it('refuses more items than AWS accepts in one call', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const eleven = Array.from({ length: 11 }, (_, i) => `x${i}`);

    await expect(ecs('DescribeServices', { cluster: 'web', services: eleven }, ctx)).rejects.toMatchObject({
      code: 'InvalidParameterException',
    });
    await expect(
      ecs('UpdateContainerInstancesState', { cluster: 'web', containerInstances: eleven, status: 'DRAINING' }, ctx),
    ).rejects.toMatchObject({
      code: 'InvalidParameterException',
    });
    await expect(
      ecs('DescribeTasks', { cluster: 'web', tasks: Array.from({ length: 101 }, (_, i) => `t${i}`) }, ctx),
    ).rejects.toMatchObject({
      code: 'InvalidParameterException',
    });
  });

  it('finds a container instance by its EC2 instance id with the cluster query language', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const host = [...world.region('us-east-1').ecs.cluster('web')!.instances.values()][1]!;

    const found = await ecs(
      'ListContainerInstances',
      { cluster: 'web', filter: `ec2InstanceId == ${host.ec2InstanceId}` },
      ctx,
    );
    const draining = await ecs('ListContainerInstances', { cluster: 'web', status: 'DRAINING' }, ctx);

    expect(found.containerInstanceArns).toEqual([host.arn]);
    expect(draining.containerInstanceArns).toEqual([]);
  });

  it('pages ListTasks with nextToken and lists every task once', async () => {
    const { world } = fleetWorld({ example: true });
    const ctx = contextFor(world);
    const seen: string[] = [];
    let nextToken: string | undefined;

    do {
      const page = await ecs('ListTasks', { cluster: 'web', maxResults: 2, ...(nextToken ? { nextToken } : {}) }, ctx);
      seen.push(...page.taskArns);
      nextToken = page.nextToken;
    } while (nextToken);

    expect(seen).toHaveLength(new Set(seen).size);
    expect(seen).toHaveLength([...world.region('us-east-1').ecs.cluster('web')!.tasks.values()].length);
  });

  it('keeps custom attributes set with PutAttributes until they are deleted', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const host = [...world.region('us-east-1').ecs.cluster('web')!.instances.values()][0]!;
    const attribute = { name: 'ballast.drain', value: 'op-1', targetType: 'container-instance', targetId: host.arn };

    await ecs('PutAttributes', { cluster: 'web', attributes: [attribute] }, ctx);
    const listed = await ecs(
      'ListAttributes',
      { cluster: 'web', targetType: 'container-instance', attributeName: 'ballast.drain' },
      ctx,
    );
    await ecs('DeleteAttributes', { cluster: 'web', attributes: [attribute] }, ctx);
    const after = await ecs(
      'ListAttributes',
      { cluster: 'web', targetType: 'container-instance', attributeName: 'ballast.drain' },
      ctx,
    );

    expect(listed.attributes).toEqual([attribute]);
    expect(after.attributes).toEqual([]);
  });

  it('runs standalone tasks that start as family groups, and stops them on request', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    world.region('us-east-1').ecs.registerTaskDefinition({ family: 'report', cpu: 256, memory: 512 });

    const run = await ecs('RunTask', { cluster: 'web', taskDefinition: 'report', count: 2, startedBy: 'cron' }, ctx);
    await world.clock.runFor(60_000);
    const running = await ecs('ListTasks', { cluster: 'web', startedBy: 'cron' }, ctx);
    await ecs('StopTask', { cluster: 'web', task: run.tasks[0].taskArn, reason: 'done' }, ctx);
    await world.clock.runFor(60_000);
    const described = await ecs('DescribeTasks', { cluster: 'web', tasks: [run.tasks[0].taskArn] }, ctx);

    expect(run.tasks.map((t: { group: string }) => t.group)).toEqual(['family:report', 'family:report']);
    expect(running.taskArns).toHaveLength(2);
    expect(described.tasks[0]).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'done',
    });
    await expect(ecs('RunTask', { cluster: 'web', taskDefinition: 'missing' }, ctx)).rejects.toMatchObject({
      code: 'ClientException',
    });
  });

  it('moves a service to a new desired count with UpdateService', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);

    const updated = await ecs('UpdateService', { cluster: 'web', service: 'api', desiredCount: 6 }, ctx);
    await world.clock.runFor(3 * 60_000);
    const described = await ecs('DescribeServices', { cluster: 'web', services: ['api'] }, ctx);

    expect(updated.service.desiredCount).toBe(6);
    expect(described.services[0]).toMatchObject({ desiredCount: 6, runningCount: 6, pendingCount: 0 });
    expect(described.services[0].events[0].message).toBe('(service api) has reached a steady state.');
  });

  it('names the resources each call acts on, for IAM', () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const group = world.region('us-east-1').autoscaling.group('web-hosts')!;

    const update = boundOperation(ecsService, 'UpdateContainerInstancesState', ctx);
    const updateState = update.op.resources!({ cluster: 'web', containerInstances: ['abc'] }, update.ctx);
    const lifecycle = boundOperation(autoScalingService, 'CompleteLifecycleAction', ctx);
    const complete = lifecycle.op.resources!({ AutoScalingGroupName: 'web-hosts' }, lifecycle.ctx);

    expect(updateState).toEqual(['arn:aws:ecs:us-east-1:123456789012:container-instance/web/abc']);
    expect(complete).toEqual([group.arn]);
  });
});

describe('the Auto Scaling API', () => {
  it('refuses a desired capacity outside the group bounds with the message AWS gives', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);

    await expect(
      asg('SetDesiredCapacity', { AutoScalingGroupName: 'web-hosts', DesiredCapacity: 99 }, ctx),
    ).rejects.toMatchObject({
      code: 'ValidationError',
      message: 'New SetDesiredCapacity value 99 is above max value 10 for the AutoScalingGroup.',
    });
  });

  it('describes hooks with their global timeout, and refuses a heartbeat timeout out of range', async () => {
    const { world } = fleetWorld({ spec: { heartbeatTimeoutSeconds: 1728 } });
    const ctx = contextFor(world);

    const hooks = await asg('DescribeLifecycleHooks', { AutoScalingGroupName: 'web-hosts' }, ctx);
    const tooShort = asg(
      'PutLifecycleHook',
      { AutoScalingGroupName: 'web-hosts', LifecycleHookName: 'ballast-drain', HeartbeatTimeout: 10 },
      ctx,
    );

    expect(hooks.LifecycleHooks).toEqual([
      expect.objectContaining({
        LifecycleHookName: 'ballast-drain',
        HeartbeatTimeout: 1728,
        GlobalTimeout: 172_800,
        DefaultResult: 'ABANDON',
      }),
    ]);
    await expect(tooShort).rejects.toMatchObject({ code: 'ValidationError' });
  });

  it('skips scale-in protected instances when it chooses which to terminate', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const ids = [...world.region('us-east-1').autoscaling.group('web-hosts')!.instances.keys()];

    await asg(
      'SetInstanceProtection',
      { AutoScalingGroupName: 'web-hosts', InstanceIds: ids.slice(0, 2), ProtectedFromScaleIn: true },
      ctx,
    );
    await asg('SetDesiredCapacity', { AutoScalingGroupName: 'web-hosts', DesiredCapacity: 1 }, ctx);
    await world.clock.runFor(60_000);
    const described = await asg('DescribeAutoScalingInstances', { InstanceIds: ids }, ctx);

    const states = Object.fromEntries(
      described.AutoScalingInstances.map((i: { InstanceId: string; LifecycleState: string }) => [
        i.InstanceId,
        i.LifecycleState,
      ]),
    );
    expect(states[ids[0]!]).toBe('InService');
    expect(states[ids[1]!]).toBe('InService');
    expect(states[ids[2]!]).toBe('Terminating:Wait');
  });

  it('keeps the capacity when an instance is terminated without decrementing, and shrinks it otherwise', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const group = world.region('us-east-1').autoscaling.group('web-hosts')!;
    const [first, second] = [...group.instances.keys()];

    const activity = await asg(
      'TerminateInstanceInAutoScalingGroup',
      { InstanceId: first, ShouldDecrementDesiredCapacity: false },
      ctx,
    );
    await asg('TerminateInstanceInAutoScalingGroup', { InstanceId: second, ShouldDecrementDesiredCapacity: true }, ctx);
    await world.clock.runFor(5 * 60_000);

    expect(activity.Activity).toMatchObject({ AutoScalingGroupName: 'web-hosts', StatusCode: 'InProgress' });
    expect(group.desiredCapacity).toBe(2);
    expect(group.counted()).toHaveLength(2);
    expect(world.region('us-east-1').autoscaling.instance(first!)?.lifecycleState).toBe('Terminating:Wait');
  });
});

describe('the simulated day', () => {
  // How fast is measured by `npm run bench`, never by a timed test that would flake on a busy machine.
  it('runs 24 hours of a two-region fleet to the end with every request served', async () => {
    const { world } = fleetWorld({ example: true });

    await world.clock.runFor(24 * 3600_000);

    expect(world.now() - world.startMs).toBe(24 * 3600_000);
    expect(world.traffic.totals().total).toBeGreaterThan(1e7);
    expect(world.traffic.totals().failed).toBe(0);
  });
});
