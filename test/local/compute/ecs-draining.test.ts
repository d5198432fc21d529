import { describe, expect, it } from 'vitest';
import type { SimTask } from '../../../local/ecs/model.ts';
import { contextFor, ecs, fleetWorld } from './fixture.ts';

const REGION = 'us-east-1';

/** The host carrying the most `api` tasks, and its container instance ARN. */
function busiestApiHost(world: ReturnType<typeof fleetWorld>['world']) {
  const cluster = world.region(REGION).ecs.cluster('web')!;
  const instances = [...cluster.instances.values()];
  const apiOn = (arn: string) => [...cluster.instances.get(arn)!.tasks].filter((t) => t.service === 'api').length;
  return instances.sort((a, b) => apiOn(b.arn) - apiOn(a.arn))[0]!;
}

describe('ECS draining', () => {
  it('replaces service tasks off a draining host without dropping below minimumHealthyPercent or exceeding maximumPercent', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const host = busiestApiHost(world);
    const service = world.region(REGION).ecs.getService('web', 'api')!;
    const elb = world.region(REGION).elb;
    const healthy = (t: SimTask) =>
      t.desiredStatus === 'RUNNING' &&
      t.lastStatus === 'RUNNING' &&
      elb.targetGroup('api-tg')!.targets.get(t.arn)?.state === 'healthy';
    let lowestHealthy = Number.POSITIVE_INFINITY;
    let mostTasks = 0;

    await ecs(
      'UpdateContainerInstancesState',
      { cluster: 'web', containerInstances: [host.arn], status: 'DRAINING' },
      ctx,
    );
    const moved = await world.clock.runUntilTrue(() => {
      const tasks = [...service.tasks];
      lowestHealthy = Math.min(lowestHealthy, tasks.filter(healthy).length);
      mostTasks = Math.max(mostTasks, tasks.filter((t) => t.desiredStatus === 'RUNNING').length);
      return (
        ![...host.tasks].some((t) => t.service === 'api') &&
        tasks.filter(healthy).length === 4 &&
        tasks.every((t) => t.containerInstanceArn !== host.arn)
      );
    }, 15 * 60_000);

    expect(moved).toBe(true);
    expect(lowestHealthy).toBeGreaterThanOrEqual(4);
    expect(mostTasks).toBeLessThanOrEqual(8);
    expect(service.runningCount).toBe(4);
    expect(world.timeline.some((e) => e.kind === 'tasks-replaced')).toBe(true);
  });

  it('cannot move a service at 100/100 off a draining host, and reports it', async () => {
    const { world } = fleetWorld({ spec: { services: { api: { minimumHealthyPercent: 100, maximumPercent: 100 } } } });
    const ctx = contextFor(world);
    const host = busiestApiHost(world);
    const stuckBefore = [...host.tasks].filter((t) => t.service === 'api').map((t) => t.arn);

    await ecs(
      'UpdateContainerInstancesState',
      { cluster: 'web', containerInstances: [host.arn], status: 'DRAINING' },
      ctx,
    );
    await world.clock.runFor(30 * 60_000);

    const stillThere = [...host.tasks]
      .filter((t) => t.service === 'api' && t.desiredStatus === 'RUNNING')
      .map((t) => t.arn);
    expect(stuckBefore.length).toBeGreaterThan(0);
    expect(stillThere).toEqual(stuckBefore);
    const described = await ecs('DescribeServices', { cluster: 'web', services: ['api'] }, ctx);
    expect(described.services[0].events.some((e: { message: string }) => e.message.includes('unable to move'))).toBe(
      true,
    );
    expect(world.timeline.filter((e) => e.kind === 'service-stuck')).toHaveLength(1);
  });

  it('leaves standalone tasks running on a draining host', async () => {
    const { world } = fleetWorld({
      spec: { standaloneTasks: [{ cluster: 'web', family: 'report', count: 1, startedBy: 'cron' }] },
    });
    const ctx = contextFor(world);
    const cluster = world.region(REGION).ecs.cluster('web')!;
    const standalone = [...cluster.tasks.values()].find((t) => t.group === 'family:report')!;
    const host = cluster.instances.get(standalone.containerInstanceArn)!;

    await ecs(
      'UpdateContainerInstancesState',
      { cluster: 'web', containerInstances: [host.arn], status: 'DRAINING' },
      ctx,
    );
    await world.clock.runFor(60 * 60_000);

    expect(standalone.lastStatus).toBe('RUNNING');
    const left = await ecs('ListTasks', { cluster: 'web', containerInstance: host.arn }, ctx);
    expect(left.taskArns).toContain(standalone.arn);
  });

  it('stops the daemon task of a draining host last, after every other task there has stopped', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const host = busiestApiHost(world);
    const onHost = [...host.tasks];
    const daemon = onHost.find((t) => t.daemon)!;
    const others = onHost.filter((t) => !t.daemon);

    await ecs(
      'UpdateContainerInstancesState',
      { cluster: 'web', containerInstances: [host.arn], status: 'DRAINING' },
      ctx,
    );
    const done = await world.clock.runUntilTrue(() => daemon.lastStatus === 'STOPPED', 30 * 60_000);

    expect(done).toBe(true);
    expect(others.length).toBeGreaterThan(0);
    const lastOtherStopped = Math.max(...others.map((t) => t.stoppedAt ?? Number.POSITIVE_INFINITY));
    expect(daemon.stoppingAt).toBeGreaterThanOrEqual(lastOtherStopped);
  });

  it('hides stopping tasks from ListTasks and runningTasksCount by default, as AWS does', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const host = busiestApiHost(world);

    await ecs(
      'UpdateContainerInstancesState',
      { cluster: 'web', containerInstances: [host.arn], status: 'DRAINING' },
      ctx,
    );
    const leaving = await world.clock.runUntilTrue(
      () => [...host.tasks].some((t) => t.desiredStatus === 'STOPPED' && t.lastStatus !== 'STOPPED'),
      10 * 60_000,
    );
    const stopping = [...host.tasks].filter((t) => t.desiredStatus === 'STOPPED' && t.lastStatus !== 'STOPPED');
    const byDefault = await ecs('ListTasks', { cluster: 'web', containerInstance: host.arn }, ctx);
    const stopped = await ecs(
      'ListTasks',
      { cluster: 'web', containerInstance: host.arn, desiredStatus: 'STOPPED' },
      ctx,
    );
    const described = await ecs('DescribeContainerInstances', { cluster: 'web', containerInstances: [host.arn] }, ctx);

    expect(leaving).toBe(true);
    for (const task of stopping) {
      expect(byDefault.taskArns).not.toContain(task.arn);
      expect(stopped.taskArns).toContain(task.arn);
    }
    const notStopped = [...host.tasks].length;
    expect(described.containerInstances[0].runningTasksCount + described.containerInstances[0].pendingTasksCount).toBe(
      notStopped - stopping.length,
    );
    const task = (await ecs('DescribeTasks', { cluster: 'web', tasks: [stopping[0]!.arn] }, ctx)).tasks[0];
    expect(['DEACTIVATING', 'STOPPING', 'DEPROVISIONING']).toContain(task.lastStatus);
    expect(task.desiredStatus).toBe('STOPPED');
  });

  it('goes through DEACTIVATING for the deregistration delay before a service task stops', async () => {
    const { world } = fleetWorld();
    const ctx = contextFor(world);
    const service = world.region(REGION).ecs.getService('web', 'api')!;
    const task = [...service.tasks][0]!;
    const seen: string[] = [];
    const stopAskedAt = world.now();

    await ecs('StopTask', { cluster: 'web', task: task.arn, reason: 'test' }, ctx);
    await world.clock.runUntilTrue(() => {
      if (seen[seen.length - 1] !== task.lastStatus) seen.push(task.lastStatus);
      return task.lastStatus === 'STOPPED';
    }, 5 * 60_000);

    expect(seen).toEqual(['DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED']);
    expect(task.stoppingAt! - stopAskedAt).toBeGreaterThanOrEqual(30_000);
    expect(task.stopCode).toBe('UserInitiated');
  });
});
