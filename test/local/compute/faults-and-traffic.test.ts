import { describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../../local/world/world.ts';
import { asg, contextFor, ecs, fleetWorld } from './fixture.ts';

const REGION = 'us-east-1';
const TERMINATE = 'EC2 Instance-terminate Lifecycle Action';

/** Scales web-hosts in by one and returns the instance the group picked, once its terminate hook fired. */
async function scaleInOne(world: ReturnType<typeof fleetWorld>['world']) {
  const ctx = contextFor(world);
  const events: AwsEvent[] = [];
  world.onEvent((e) => events.push(e));
  await asg('SetDesiredCapacity', { AutoScalingGroupName: 'web-hosts', DesiredCapacity: 2 }, ctx);
  await world.clock.runUntilTrue(() => events.some((e) => e['detail-type'] === TERMINATE), 60_000);
  return events.find((e) => e['detail-type'] === TERMINATE)!.detail as {
    EC2InstanceId: string;
    LifecycleActionToken: string;
  };
}

describe('hosts that go away', () => {
  it('cuts connections and fails requests when an undrained host is terminated, and not when it was drained first', async () => {
    // Undrained: the hook is answered at once.
    const undrained = fleetWorld({ seed: 11 });
    const hookA = await scaleInOne(undrained.world);
    const ctxA = contextFor(undrained.world);
    const failedBeforeA = undrained.world.traffic.totals().failed;
    await asg(
      'CompleteLifecycleAction',
      {
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'ballast-drain',
        InstanceId: hookA.EC2InstanceId,
        LifecycleActionResult: 'CONTINUE',
      },
      ctxA,
    );
    await undrained.world.clock.runFor(10 * 60_000);

    // Drained: drain, wait until every task on the host is STOPPED plus the deregistration delay, then answer.
    const drained = fleetWorld({ seed: 11 });
    const hookB = await scaleInOne(drained.world);
    const ctxB = contextFor(drained.world);
    const listed = await ecs(
      'ListContainerInstances',
      { cluster: 'web', filter: `ec2InstanceId == ${hookB.EC2InstanceId}` },
      ctxB,
    );
    const instanceArn = listed.containerInstanceArns[0];
    await ecs(
      'UpdateContainerInstancesState',
      { cluster: 'web', containerInstances: [instanceArn], status: 'DRAINING' },
      ctxB,
    );
    const host = drained.world.region(REGION).ecs.containerInstanceOf(hookB.EC2InstanceId)!;
    const empty = await drained.world.clock.runUntilTrue(() => host.tasks.size === 0, 30 * 60_000);
    await drained.world.clock.runFor(35_000);
    await asg(
      'CompleteLifecycleAction',
      {
        AutoScalingGroupName: 'web-hosts',
        LifecycleHookName: 'ballast-drain',
        InstanceId: hookB.EC2InstanceId,
        LifecycleActionResult: 'CONTINUE',
      },
      ctxB,
    );
    await drained.world.clock.runFor(10 * 60_000);

    expect(hookA.EC2InstanceId).toBe(hookB.EC2InstanceId);
    expect(undrained.world.traffic.totals().failed - failedBeforeA).toBeGreaterThan(0);
    expect(undrained.world.timeline.some((e) => e.kind === 'requests-failed')).toBe(true);
    expect(empty).toBe(true);
    expect(drained.world.traffic.totals().failed).toBe(0);
    expect(drained.world.traffic.totals().total).toBeGreaterThan(0);
  });

  it('gives the Spot warning about two minutes before the instance dies, whatever its hooks say', async () => {
    const { world } = fleetWorld({ spec: { groups: { 'web-hosts': { capacityRebalance: true } } } });
    const events: AwsEvent[] = [];
    world.onEvent((e) => events.push(e));
    const autoscaling = world.region(REGION).autoscaling;
    const id = [...autoscaling.group('web-hosts')!.instances.keys()][0]!;

    autoscaling.spotInterruption(id);
    const warnedAt = world.now();
    await world.clock.runUntilTrue(
      () => world.region(REGION).ecs.containerInstanceOf(id)?.status === 'INACTIVE',
      10 * 60_000,
    );

    const warning = events.find((e) => e['detail-type'] === 'EC2 Spot Instance Interruption Warning')!;
    expect(warning.source).toBe('aws.ec2');
    expect(warning.detail).toEqual({ 'instance-id': id, 'instance-action': 'terminate' });
    expect((world.now() - warnedAt) / 1000).toBeCloseTo(120, 0);
    // Capacity Rebalancing started the terminate hook at the warning; nobody answered it, and the host died anyway.
    expect(events.some((e) => e['detail-type'] === TERMINATE && e.detail.EC2InstanceId === id)).toBe(true);
    expect(autoscaling.instance(id)?.lifecycleState).toBe('Terminating:Wait');
    expect(world.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['spot-warning', 'host-died']));
  });

  it('stops the tasks of a host that dies at once, and the group replaces the host', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const autoscaling = world.region(REGION).autoscaling;
    const ecsRegion = world.region(REGION).ecs;
    const id = [...autoscaling.group('web-hosts')!.instances.keys()][0]!;
    const tasks = [...ecsRegion.containerInstanceOf(id)!.tasks];

    autoscaling.killInstance(id);
    const described = await ecs('DescribeTasks', { cluster: 'web', tasks: tasks.map((t) => t.arn) }, ctx);
    await world.clock.runFor(15 * 60_000);

    expect(described.tasks.every((t: { lastStatus: string }) => t.lastStatus === 'STOPPED')).toBe(true);
    expect(described.tasks[0].stoppedReason).toBe(`Host EC2 (instance ${id}) stopped/terminated.`);
    expect(ecsRegion.containerInstanceOf(id)?.agentConnected).toBe(false);
    const group = autoscaling.group('web-hosts')!;
    expect(group.counted().filter((i) => i.lifecycleState === 'InService')).toHaveLength(3);
    expect(ecsRegion.getService('web', 'api')!.runningCount).toBe(4);
  });

  it('fails the excess of a surge beyond healthy capacity, and everything in a region that is down', async () => {
    const { world } = fleetWorld();
    const start = world.now();
    world.traffic.surge(REGION, 3, start, start + 5 * 60_000);

    await world.clock.runFor(2 * 60_000);
    const utilizationInSurge = world.traffic.utilization(REGION, 'web', 'api');
    await world.clock.runFor(3 * 60_000);
    const afterSurge = world.traffic.byRegion()[REGION]!;
    await world.clock.runFor(5 * 60_000);
    const calm = world.traffic.byRegion()[REGION]!;
    world.region(REGION).down = true;
    await world.clock.runFor(60_000);
    const down = world.traffic.byRegion()[REGION]!;

    // 4 tasks × 100 rps serve 400 rps; 3 × 200 rps offered: a third fails.
    expect(afterSurge.failed / afterSurge.total).toBeCloseTo(1 / 3, 1);
    expect(utilizationInSurge).toBeGreaterThan(1);
    expect(calm.failed).toBe(afterSurge.failed);
    expect(down.failed - calm.failed).toBe(down.total - calm.total);
    expect(world.traffic.utilization(REGION, 'web', 'api')).toBeCloseTo(0.5, 5);
  });

  it('replaces every instance in an instance refresh without going below the minimum healthy percentage', async () => {
    const { world } = fleetWorld({ spec: { heartbeatTimeoutSeconds: 60, hookDefaultResult: 'CONTINUE' } });
    const ctx = contextFor(world);
    const group = world.region(REGION).autoscaling.group('web-hosts')!;
    const before = new Set(group.instances.keys());
    let lowest = Number.POSITIVE_INFINITY;

    const { InstanceRefreshId } = await asg(
      'StartInstanceRefresh',
      { AutoScalingGroupName: 'web-hosts', Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 150 } },
      ctx,
    );
    const done = await world.clock.runUntilTrue(() => {
      lowest = Math.min(lowest, group.counted().filter((i) => i.lifecycleState === 'InService').length);
      return group.refreshes[0]?.status === 'Successful';
    }, 3 * 3600_000);
    const described = await asg('DescribeInstanceRefreshes', { AutoScalingGroupName: 'web-hosts' }, ctx);

    expect(done).toBe(true);
    expect(described.InstanceRefreshes[0]).toMatchObject({
      InstanceRefreshId,
      Status: 'Successful',
      PercentageComplete: 100,
    });
    expect([...group.instances.keys()].some((id) => before.has(id))).toBe(false);
    expect(group.counted()).toHaveLength(3);
    expect(lowest).toBeGreaterThanOrEqual(3);
  });

  it('gives the same timeline for the same seed', async () => {
    const run = async () => {
      const { world } = fleetWorld({ seed: 42, example: true });
      const ctx = contextFor(world);
      const autoscaling = world.region(REGION).autoscaling;
      world.traffic.surge('*', 2, world.now() + 60_000, world.now() + 600_000);
      await asg('SetDesiredCapacity', { AutoScalingGroupName: 'web-hosts', DesiredCapacity: 2 }, ctx);
      await world.clock.runFor(60_000);
      autoscaling.spotInterruption([...autoscaling.group('worker-hosts')!.instances.keys()][0]!);
      await world.clock.runFor(2 * 3600_000);
      return JSON.stringify({ timeline: world.timeline, traffic: world.traffic.totals() });
    };

    const first = await run();
    const second = await run();

    expect(first).toBe(second);
    expect(first.length).toBeGreaterThan(500);
  });
});
