import {
  ClientException,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListAttributesCommand,
  ListContainerInstancesCommand,
  ListTasksCommand,
  PutAttributesCommand,
  paginateListAttributes,
  paginateListClusters,
  paginateListContainerInstances,
  paginateListServices,
  paginateListTasks,
  RunTaskCommand,
  ServiceNotFoundException,
  StopTaskCommand,
  UpdateContainerInstancesStateCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import config from '../../../ballast.config.ts';
import { collect } from './helpers.ts';

/**
 * Every ECS operation of the local cloud through the real SDK v3 client, against the example fleet (us-east-1:
 * clusters web and workers, three hosts each; web runs api ×4, frontend ×2 and a log-router daemon).
 * The tests of this file share one cloud and run in order.
 */

describe('ECS through the SDK v3 client', () => {
  let cloud: LocalCloud;
  let ecs: ECSClient;
  let instanceArns: string[] = [];

  beforeAll(async () => {
    cloud = await LocalCloud.start({ config, seed: 11, withBallast: false, rateLimits: false });
    ecs = new ECSClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
  });
  afterAll(async () => {
    ecs?.destroy();
    await cloud?.stop();
  });

  it('ListClusters pages through the clusters; DescribeClusters counts them and reports the missing', async () => {
    const pages = await collect(paginateListClusters({ client: ecs, pageSize: 1 }, {}));
    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['web', 'nope'] }));

    expect(pages).toHaveLength(2);
    expect(pages.flatMap((p) => p.clusterArns ?? [])).toEqual([
      'arn:aws:ecs:us-east-1:123456789012:cluster/web',
      'arn:aws:ecs:us-east-1:123456789012:cluster/workers',
    ]);
    expect(described.clusters).toHaveLength(1);
    expect(described.clusters![0]).toMatchObject({
      clusterName: 'web',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web',
      status: 'ACTIVE',
      registeredContainerInstancesCount: 3,
      runningTasksCount: 9,
      activeServicesCount: 3,
    });
    expect(described.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/nope', reason: 'MISSING' }]);
  });

  it('ListContainerInstances pages, filters by ec2InstanceId; DescribeContainerInstances tells the host', async () => {
    const pages = await collect(paginateListContainerInstances({ client: ecs, pageSize: 2 }, { cluster: 'web' }));
    instanceArns = pages.flatMap((p) => p.containerInstanceArns ?? []);
    const described = await ecs.send(
      new DescribeContainerInstancesCommand({ cluster: 'web', containerInstances: instanceArns }),
    );
    const host = described.containerInstances![1]!;
    const filtered = await ecs.send(
      new ListContainerInstancesCommand({ cluster: 'web', filter: `ec2InstanceId == ${host.ec2InstanceId}` }),
    );
    const badFilter = await ecs
      .send(new ListContainerInstancesCommand({ cluster: 'web', filter: 'runningTasksCount > 1' }))
      .catch((e: unknown) => e);

    expect(pages.map((p) => p.containerInstanceArns?.length)).toEqual([2, 1]);
    expect(instanceArns.every((a) => a.startsWith('arn:aws:ecs:us-east-1:123456789012:container-instance/web/'))).toBe(
      true,
    );
    expect(described.containerInstances!.map((c) => c.containerInstanceArn)).toEqual(instanceArns);
    expect(host).toMatchObject({ status: 'ACTIVE', agentConnected: true, ec2InstanceId: expect.stringMatching(/^i-/) });
    expect(host.registeredAt).toBeInstanceOf(Date);
    expect(host.registeredResources!.find((r) => r.name === 'CPU')?.integerValue).toBe(2048);
    expect(described.containerInstances!.reduce((n, c) => n + (c.runningTasksCount ?? 0), 0)).toBe(9);
    expect(filtered.containerInstanceArns).toEqual([host.containerInstanceArn]);
    expect(badFilter).toBeInstanceOf(InvalidParameterException);
    expect((badFilter as Error).message).toMatch(/^Invalid filter expression/);
  });

  it('ListTasks by container instance, by service and by desired status, page by page', async () => {
    const all = await collect(paginateListTasks({ client: ecs, pageSize: 4 }, { cluster: 'web' }));
    const onHost = await ecs.send(new ListTasksCommand({ cluster: 'web', containerInstance: instanceArns[0]! }));
    const api = await ecs.send(new ListTasksCommand({ cluster: 'web', serviceName: 'api' }));
    const stopped = await ecs.send(new ListTasksCommand({ cluster: 'web', desiredStatus: 'STOPPED' }));
    const missingService = await ecs
      .send(new ListTasksCommand({ cluster: 'web', serviceName: 'nope' }))
      .catch((e: unknown) => e);

    expect(all.map((p) => p.taskArns?.length)).toEqual([4, 4, 1]);
    expect(new Set(all.flatMap((p) => p.taskArns ?? [])).size).toBe(9);
    expect(onHost.taskArns!.length).toBeGreaterThanOrEqual(1);
    expect(api.taskArns).toHaveLength(4);
    expect(stopped.taskArns).toEqual([]);
    expect(missingService).toBeInstanceOf(ServiceNotFoundException);
    expect((missingService as Error).message).toBe('Service not found.');
  });

  it('DescribeTasks describes, reports the missing, and refuses more than 100 tasks', async () => {
    const api = await ecs.send(new ListTasksCommand({ cluster: 'web', serviceName: 'api' }));
    const described = await ecs.send(
      new DescribeTasksCommand({ cluster: 'web', tasks: [...api.taskArns!, '0123456789abcdef0123456789abcdef'] }),
    );
    const tooMany = await ecs
      .send(
        new DescribeTasksCommand({
          cluster: 'web',
          tasks: Array.from({ length: 101 }, (_, i) => `task-${i}`),
        }),
      )
      .catch((e: unknown) => e);

    expect(described.tasks).toHaveLength(4);
    expect(described.tasks!.every((t) => t.lastStatus === 'RUNNING' && t.group === 'service:api')).toBe(true);
    expect(described.tasks![0]!.startedAt).toBeInstanceOf(Date);
    expect(described.tasks![0]!.containerInstanceArn).toMatch(/container-instance\/web\//);
    expect(described.failures).toEqual([
      {
        arn: 'arn:aws:ecs:us-east-1:123456789012:task/web/0123456789abcdef0123456789abcdef',
        reason: 'MISSING',
      },
    ]);
    expect(tooMany).toBeInstanceOf(InvalidParameterException);
    expect((tooMany as Error).message).toBe('tasks can have at most 100 items.');
  });

  it('RunTask starts standalone tasks that ListTasks finds by startedBy; StopTask stops one', async () => {
    const run = await ecs.send(
      new RunTaskCommand({ cluster: 'workers', taskDefinition: 'jobs', count: 2, startedBy: 'sdk-test' }),
    );
    await cloud.runFor(60_000);
    const started = await ecs.send(new ListTasksCommand({ cluster: 'workers', startedBy: 'sdk-test' }));
    const stop = await ecs.send(
      new StopTaskCommand({ cluster: 'workers', task: started.taskArns![0]!, reason: 'sdk test' }),
    );
    await cloud.runFor(60_000);
    const stillRunning = await ecs.send(new ListTasksCommand({ cluster: 'workers', startedBy: 'sdk-test' }));
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'workers', startedBy: 'sdk-test', desiredStatus: 'STOPPED' }),
    );
    const [stoppedTask] = (await ecs.send(new DescribeTasksCommand({ cluster: 'workers', tasks: stopped.taskArns! })))
      .tasks!;
    const noDefinition = await ecs
      .send(new RunTaskCommand({ cluster: 'workers', taskDefinition: 'no-such-family' }))
      .catch((e: unknown) => e);

    expect(run.tasks).toHaveLength(2);
    expect(run.failures).toEqual([]);
    expect(run.tasks!.every((t) => t.startedBy === 'sdk-test' && t.desiredStatus === 'RUNNING')).toBe(true);
    expect(started.taskArns!.toSorted()).toEqual(run.tasks!.map((t) => t.taskArn!).toSorted());
    expect(stop.task).toMatchObject({ taskArn: started.taskArns![0], desiredStatus: 'STOPPED' });
    expect(stillRunning.taskArns).toEqual([started.taskArns![1]]);
    expect(stopped.taskArns).toEqual([started.taskArns![0]]);
    expect(stoppedTask).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'sdk test' });
    expect(noDefinition).toBeInstanceOf(ClientException);
    expect((noDefinition as Error).message).toBe('TaskDefinition not found.');
  });

  it('DescribeTaskDefinition gives the size of a service task definition, and ClientException for an unknown one', async () => {
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['api'] }))).services![0]!;
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition! }));
    const unknown = await ecs
      .send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope:1' }))
      .catch((e: unknown) => e);

    expect(described.taskDefinition).toMatchObject({ taskDefinitionArn: service.taskDefinition, status: 'ACTIVE' });
    expect(Number(described.taskDefinition!.cpu)).toBeGreaterThan(0);
    expect(Number(described.taskDefinition!.memory)).toBeGreaterThan(0);
    expect(unknown).toBeInstanceOf(ClientException);
  });

  it('ListServices pages; DescribeServices describes and reports the missing; UpdateService scales', async () => {
    const pages = await collect(paginateListServices({ client: ecs, pageSize: 2 }, { cluster: 'web' }));
    const arns = pages.flatMap((p) => p.serviceArns ?? []);
    const described = await ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['api', 'nope'] }));
    const updated = await ecs.send(new UpdateServiceCommand({ cluster: 'web', service: 'api', desiredCount: 5 }));
    await cloud.runFor(3 * 60_000);
    const after = await ecs.send(
      new DescribeServicesCommand({ cluster: 'web', services: [arns.find((a) => a.endsWith('/api'))!] }),
    );
    const missing = await ecs
      .send(new UpdateServiceCommand({ cluster: 'web', service: 'nope', desiredCount: 1 }))
      .catch((e: unknown) => e);
    const tooMany = await ecs
      .send(new DescribeServicesCommand({ cluster: 'web', services: Array.from({ length: 11 }, (_, i) => `s${i}`) }))
      .catch((e: unknown) => e);

    expect(pages.map((p) => p.serviceArns?.length)).toEqual([2, 1]);
    expect(arns.map((a) => a.split('/').pop()).toSorted()).toEqual(['api', 'frontend', 'log-router']);
    expect(described.services![0]).toMatchObject({
      serviceName: 'api',
      serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/web/api',
      desiredCount: 4,
      runningCount: 4,
      launchType: 'EC2',
      schedulingStrategy: 'REPLICA',
    });
    expect(described.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:123456789012:service/web/nope', reason: 'MISSING' },
    ]);
    expect(updated.service?.desiredCount).toBe(5);
    expect(after.services![0]).toMatchObject({ desiredCount: 5, runningCount: 5 });
    expect(missing).toBeInstanceOf(ServiceNotFoundException);
    expect((missing as Error).message).toBe('Service not found.');
    expect(tooMany).toBeInstanceOf(InvalidParameterException);
    expect((tooMany as Error).message).toBe('services can have at most 10 items.');
  });

  it('PutAttributes sets custom attributes that ListAttributes finds by name and value', async () => {
    const put = await ecs.send(
      new PutAttributesCommand({
        cluster: 'web',
        attributes: [
          { name: 'sdk.test', value: 'one', targetType: 'container-instance', targetId: instanceArns[0]! },
          { name: 'sdk.test', value: 'two', targetType: 'container-instance', targetId: instanceArns[1]! },
        ],
      }),
    );
    const byName = await collect(
      paginateListAttributes(
        { client: ecs, pageSize: 1 },
        { cluster: 'web', targetType: 'container-instance', attributeName: 'sdk.test' },
      ),
    );
    const byValue = await ecs.send(
      new ListAttributesCommand({
        cluster: 'web',
        targetType: 'container-instance',
        attributeName: 'sdk.test',
        attributeValue: 'two',
      }),
    );
    const filtered = await ecs.send(
      new ListContainerInstancesCommand({ cluster: 'web', filter: 'attribute:sdk.test == one' }),
    );
    const valueWithoutName = await ecs
      .send(new ListAttributesCommand({ cluster: 'web', targetType: 'container-instance', attributeValue: 'one' }))
      .catch((e: unknown) => e);

    expect(put.attributes).toHaveLength(2);
    expect(byName).toHaveLength(2);
    expect(byName.flatMap((p) => p.attributes ?? []).map((a) => [a.value, a.targetId])).toEqual([
      ['one', instanceArns[0]],
      ['two', instanceArns[1]],
    ]);
    expect(byValue.attributes).toEqual([
      { name: 'sdk.test', value: 'two', targetType: 'container-instance', targetId: instanceArns[1] },
    ]);
    expect(filtered.containerInstanceArns).toEqual([instanceArns[0]]);
    expect(valueWithoutName).toBeInstanceOf(InvalidParameterException);
    expect((valueWithoutName as Error).message).toBe('attributeName must be specified when attributeValue is.');
  });

  it('UpdateContainerInstancesState drains and reactivates a host, and refuses more than 10 at once', async () => {
    const drained = await ecs.send(
      new UpdateContainerInstancesStateCommand({
        cluster: 'web',
        containerInstances: [instanceArns[2]!],
        status: 'DRAINING',
      }),
    );
    const draining = await ecs.send(new ListContainerInstancesCommand({ cluster: 'web', status: 'DRAINING' }));
    const reactivated = await ecs.send(
      new UpdateContainerInstancesStateCommand({
        cluster: 'web',
        containerInstances: [instanceArns[2]!],
        status: 'ACTIVE',
      }),
    );
    const tooMany = await ecs
      .send(
        new UpdateContainerInstancesStateCommand({
          cluster: 'web',
          containerInstances: Array.from({ length: 11 }, (_, i) => `instance-${i}`),
          status: 'DRAINING',
        }),
      )
      .catch((e: unknown) => e);

    expect(drained.containerInstances![0]).toMatchObject({ containerInstanceArn: instanceArns[2], status: 'DRAINING' });
    expect(drained.failures).toEqual([]);
    expect(draining.containerInstanceArns).toEqual([instanceArns[2]]);
    expect(reactivated.containerInstances![0]!.status).toBe('ACTIVE');
    expect(tooMany).toBeInstanceOf(InvalidParameterException);
    expect(tooMany).toMatchObject({
      name: 'InvalidParameterException',
      message: 'containerInstances can have at most 10 items.',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
