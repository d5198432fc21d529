import { LIMITS } from '../../config/limits.ts';
import { AwsError, invalidParameter, required } from '../core/aws-error.ts';
import { lastSegment } from '../core/ids.ts';
import { paginate } from '../core/paginate.ts';
import type { OperationContext, ServiceDefinition } from '../core/service.ts';
import type { EcsRegion, SimCluster, SimContainerInstance, SimTask } from './model.ts';
import { toCluster, toContainerInstance, toService, toTask } from './shapes.ts';

/**
 * Amazon ECS (awsJson1_1) over the simulated world. Inputs and outputs are the SDK v3 command shapes;
 * errors carry ECS's codes and messages (ClusterNotFoundException "Cluster not found.", …).
 */

const ecsOf = (ctx: OperationContext<EcsRegion>): EcsRegion => ctx.model;

function clusterOf(ctx: OperationContext<EcsRegion>, ref: string | undefined): SimCluster {
  const cluster = ecsOf(ctx).cluster(ref ?? 'default');
  if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
  return cluster;
}

function atMost(items: unknown, max: number, field: string): string[] {
  const list = Array.isArray(items) ? items.map(String) : [];
  if (list.length > max) throw invalidParameter(`${field} can have at most ${max} items.`);
  return list;
}

const clusterName = (ref: string | undefined) => lastSegment(ref ?? 'default');

/** ARN of a cluster-scoped resource named by ARN or short id. */
function arnIn(ctx: OperationContext<EcsRegion>, kind: string, cluster: string | undefined, ref: string): string {
  return ref.startsWith('arn:') ? ref : ctx.kernel.arn('ecs', ctx.region, `${kind}/${clusterName(cluster)}/${ref}`);
}

const clusterArn = (input: { cluster?: string }, ctx: OperationContext<EcsRegion>) => [
  input.cluster?.startsWith('arn:')
    ? input.cluster
    : ctx.kernel.arn('ecs', ctx.region, `cluster/${clusterName(input.cluster)}`),
];

/** The minimal cluster query language: `ec2InstanceId == i-…` and `attribute:NAME == VALUE`, joined by `and`. */
function instanceFilter(expression: string | undefined): (i: SimContainerInstance) => boolean {
  if (!expression?.trim()) return () => true;
  const clauses = expression.split(/\s+and\s+/i).map((clause) => {
    const eq = /^\s*([\w:.-]+)\s*(==|!=)\s*(\S+)\s*$/.exec(clause);
    const exists = /^\s*attribute:([\w.-]+)\s+exists\s*$/.exec(clause);
    if (exists) return (i: SimContainerInstance) => i.attributes.has(exists[1]!);
    if (!eq) throw invalidParameter(`Invalid filter expression: ${expression}`);
    const [, field, op, value] = eq as unknown as [string, string, string, string];
    const read = (i: SimContainerInstance) => {
      if (field === 'ec2InstanceId') return i.ec2InstanceId;
      if (field.startsWith('attribute:')) return i.attributes.get(field.slice('attribute:'.length));
      throw invalidParameter(`Invalid filter expression: unsupported field ${field}`);
    };
    return (i: SimContainerInstance) => (read(i) === value) === (op === '==');
  });
  return (i) => clauses.every((c) => c(i));
}

function listTasks(input: Record<string, string | number | undefined>, ctx: OperationContext<EcsRegion>) {
  const ecs = ecsOf(ctx);
  const cluster = clusterOf(ctx, input.cluster as string | undefined);
  const desired = (input.desiredStatus as string | undefined) ?? 'RUNNING';
  let instance: SimContainerInstance | undefined;
  if (input.containerInstance !== undefined) {
    instance = ecs.containerInstance(cluster, String(input.containerInstance));
    if (!instance) throw invalidParameter('The referenced container instance was not found.');
  }
  const serviceName = input.serviceName as string | undefined;
  if (serviceName !== undefined && !cluster.services.has(lastSegment(serviceName))) {
    throw new AwsError('ServiceNotFoundException', 'Service not found.');
  }
  const tasks = [...cluster.tasks.values()].filter(
    (t) =>
      t.desiredStatus === desired &&
      (instance === undefined || t.containerInstanceArn === instance.arn) &&
      (serviceName === undefined || t.service === lastSegment(serviceName)) &&
      (input.family === undefined || t.taskDefinition.family === input.family) &&
      (input.startedBy === undefined || t.startedBy === input.startedBy) &&
      (input.launchType === undefined || input.launchType === 'EC2'),
  );
  const page = paginate(
    tasks.map((t) => t.arn),
    {
      token: input.nextToken as string | undefined,
      max: input.maxResults as number | undefined,
      defaultMax: 100,
      limit: LIMITS.ecsListMaxResults,
      listing: `tasks:${cluster.name}:${desired}:${instance?.id ?? ''}:${serviceName ?? ''}:${input.family ?? ''}:${input.startedBy ?? ''}`,
    },
  );
  return { taskArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
}

function taskOrFail(ecs: EcsRegion, cluster: SimCluster, ref: string): SimTask {
  const task = ecs.task(cluster, ref);
  if (!task) throw invalidParameter('The referenced task was not found.');
  return task;
}

export const ecsService: ServiceDefinition<EcsRegion> = {
  signingName: 'ecs',
  iamPrefix: 'ecs',
  protocol: 'awsJson1_1',
  targetPrefix: 'AmazonEC2ContainerServiceV20141113',
  operations: {
    ListClusters: (input: { nextToken?: string; maxResults?: number }, ctx) => {
      const page = paginate(
        ecsOf(ctx)
          .clusters()
          .map((c) => c.arn),
        { token: input.nextToken, max: input.maxResults, defaultMax: 100, limit: 100, listing: 'clusters' },
      );
      return { clusterArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    },

    DescribeClusters: {
      resources: (input: { clusters?: string[] }, ctx) =>
        (input.clusters ?? ['default']).map((c) => clusterArn({ cluster: c }, ctx)[0]!),
      handler: (input: { clusters?: string[] }, ctx) => {
        const ecs = ecsOf(ctx);
        const clusters: unknown[] = [];
        const failures: unknown[] = [];
        for (const ref of atMost(input.clusters ?? ['default'], 100, 'clusters')) {
          const cluster = ecs.cluster(ref);
          if (cluster) clusters.push(toCluster(ecs, cluster));
          else failures.push({ arn: clusterArn({ cluster: ref }, ctx)[0], reason: 'MISSING' });
        }
        return { clusters, failures };
      },
    },

    ListContainerInstances: {
      resources: clusterArn,
      handler: (
        input: { cluster?: string; filter?: string; status?: string; nextToken?: string; maxResults?: number },
        ctx,
      ) => {
        const cluster = clusterOf(ctx, input.cluster);
        const matches = instanceFilter(input.filter);
        const statusOk = (i: SimContainerInstance) =>
          input.status === undefined ? i.status === 'ACTIVE' || i.status === 'DRAINING' : i.status === input.status;
        const arns = [...cluster.instances.values()].filter((i) => statusOk(i) && matches(i)).map((i) => i.arn);
        const page = paginate(arns, {
          token: input.nextToken,
          max: input.maxResults,
          defaultMax: 100,
          limit: LIMITS.ecsListMaxResults,
          listing: `instances:${cluster.name}:${input.status ?? ''}:${input.filter ?? ''}`,
        });
        return { containerInstanceArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
      },
    },

    DescribeContainerInstances: {
      resources: (input: { cluster?: string; containerInstances?: string[] }, ctx) =>
        (input.containerInstances ?? []).map((ref) => arnIn(ctx, 'container-instance', input.cluster, ref)),
      handler: (input: { cluster?: string; containerInstances?: string[] }, ctx) => {
        const ecs = ecsOf(ctx);
        const cluster = clusterOf(ctx, input.cluster);
        const refs = atMost(
          required(input.containerInstances, 'containerInstances'),
          LIMITS.ecsDescribeContainerInstancesMax,
          'containerInstances',
        );
        const containerInstances: unknown[] = [];
        const failures: unknown[] = [];
        for (const ref of refs) {
          const instance = ecs.containerInstance(cluster, ref);
          if (instance) containerInstances.push(toContainerInstance(ecs, instance));
          else failures.push({ arn: arnIn(ctx, 'container-instance', input.cluster, ref), reason: 'MISSING' });
        }
        return { containerInstances, failures };
      },
    },

    UpdateContainerInstancesState: {
      resources: (input: { cluster?: string; containerInstances?: string[] }, ctx) =>
        (input.containerInstances ?? []).map((ref) => arnIn(ctx, 'container-instance', input.cluster, ref)),
      handler: (input: { cluster?: string; containerInstances?: string[]; status?: string }, ctx) => {
        const ecs = ecsOf(ctx);
        const cluster = clusterOf(ctx, input.cluster);
        const refs = atMost(
          required(input.containerInstances, 'containerInstances'),
          LIMITS.ecsUpdateContainerInstancesStateMax,
          'containerInstances',
        );
        const status = required(input.status, 'status');
        if (status !== 'ACTIVE' && status !== 'DRAINING') {
          throw invalidParameter(
            `Container instance status ${status} is not valid. Valid values are ACTIVE and DRAINING.`,
          );
        }
        const containerInstances: unknown[] = [];
        const failures: unknown[] = [];
        for (const ref of refs) {
          const instance = ecs.containerInstance(cluster, ref);
          if (!instance) {
            failures.push({ arn: arnIn(ctx, 'container-instance', input.cluster, ref), reason: 'MISSING' });
            continue;
          }
          if (instance.status === 'INACTIVE') {
            failures.push({ arn: instance.arn, reason: 'INACTIVE', detail: 'The container instance is not active.' });
            continue;
          }
          ecs.setInstanceStatus(instance, status);
          containerInstances.push(toContainerInstance(ecs, instance));
        }
        return { containerInstances, failures };
      },
    },

    ListTasks: {
      resources: (input: { cluster?: string; containerInstance?: string }, ctx) =>
        input.containerInstance !== undefined
          ? [arnIn(ctx, 'container-instance', input.cluster, input.containerInstance)]
          : clusterArn(input, ctx),
      handler: listTasks,
    },

    DescribeTasks: {
      resources: (input: { cluster?: string; tasks?: string[] }, ctx) =>
        (input.tasks ?? []).map((ref) => arnIn(ctx, 'task', input.cluster, ref)),
      handler: (input: { cluster?: string; tasks?: string[] }, ctx) => {
        const ecs = ecsOf(ctx);
        const cluster = clusterOf(ctx, input.cluster);
        const refs = atMost(required(input.tasks, 'tasks'), LIMITS.ecsDescribeTasksMax, 'tasks');
        const tasks: unknown[] = [];
        const failures: unknown[] = [];
        for (const ref of refs) {
          const task = ecs.task(cluster, ref);
          if (task) tasks.push(toTask(ecs, task));
          else failures.push({ arn: arnIn(ctx, 'task', input.cluster, ref), reason: 'MISSING' });
        }
        return { tasks, failures };
      },
    },

    DescribeTaskDefinition: {
      // AWS: DescribeTaskDefinition supports no resource-level permissions.
      resources: () => [],
      handler: (input: { taskDefinition?: string }, ctx) => {
        const def = ecsOf(ctx).taskDefinition(required(input.taskDefinition, 'taskDefinition'));
        if (!def) throw new AwsError('ClientException', 'Unable to describe task definition.');
        return {
          taskDefinition: {
            taskDefinitionArn: def.arn,
            family: def.family,
            revision: def.revision,
            status: 'ACTIVE',
            cpu: String(def.cpu),
            memory: String(def.memory),
            requiresCompatibilities: ['EC2'],
            containerDefinitions: [
              {
                name: def.containerName,
                cpu: def.cpu,
                memory: def.memory,
                essential: true,
                portMappings: [{ containerPort: def.containerPort, protocol: 'tcp' }],
              },
            ],
          },
        };
      },
    },
    RunTask: {
      resources: (input: { taskDefinition?: string }, ctx) => {
        const ref = input.taskDefinition ?? '';
        return [ref.startsWith('arn:') ? ref : ctx.kernel.arn('ecs', ctx.region, `task-definition/${ref}`)];
      },
      handler: (
        input: {
          cluster?: string;
          taskDefinition?: string;
          count?: number;
          startedBy?: string;
          group?: string;
          launchType?: string;
        },
        ctx,
      ) => {
        const ecs = ecsOf(ctx);
        const cluster = clusterOf(ctx, input.cluster);
        const def = ecs.taskDefinition(required(input.taskDefinition, 'taskDefinition'));
        if (!def) throw new AwsError('ClientException', 'TaskDefinition not found.');
        const count = input.count ?? 1;
        if (!Number.isInteger(count) || count < 1 || count > 10)
          throw invalidParameter('count must be between 1 and 10.');
        if (input.launchType !== undefined && input.launchType !== 'EC2') {
          throw invalidParameter(
            `The local cloud runs EC2 tasks only; launchType ${input.launchType} is not supported.`,
          );
        }
        if (![...cluster.instances.values()].some((i) => i.status !== 'INACTIVE')) {
          throw invalidParameter('No Container Instances were found in your cluster.');
        }
        const result = ecs.runTask(cluster, def, {
          count,
          ...(input.startedBy !== undefined ? { startedBy: input.startedBy } : {}),
          ...(input.group !== undefined ? { group: input.group } : {}),
        });
        return { tasks: result.tasks.map((t) => toTask(ecs, t)), failures: result.failures };
      },
    },

    StopTask: {
      resources: (input: { cluster?: string; task?: string }, ctx) => [
        arnIn(ctx, 'task', input.cluster, input.task ?? ''),
      ],
      handler: (input: { cluster?: string; task?: string; reason?: string }, ctx) => {
        const ecs = ecsOf(ctx);
        const cluster = clusterOf(ctx, input.cluster);
        const task = taskOrFail(ecs, cluster, required(input.task, 'task'));
        ecs.stopTask(task, 'UserInitiated', input.reason ?? 'Task stopped by user');
        return { task: toTask(ecs, task) };
      },
    },

    ListServices: {
      resources: clusterArn,
      handler: (
        input: {
          cluster?: string;
          nextToken?: string;
          maxResults?: number;
          launchType?: string;
          schedulingStrategy?: string;
        },
        ctx,
      ) => {
        const cluster = clusterOf(ctx, input.cluster);
        const arns = [...cluster.services.values()]
          .filter((s) => input.schedulingStrategy === undefined || s.schedulingStrategy === input.schedulingStrategy)
          .filter((_s) => input.launchType === undefined || input.launchType === 'EC2')
          .map((s) => s.arn);
        const page = paginate(arns, {
          token: input.nextToken,
          max: input.maxResults,
          defaultMax: 10,
          limit: LIMITS.ecsListMaxResults,
          listing: `services:${cluster.name}:${input.schedulingStrategy ?? ''}`,
        });
        return { serviceArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
      },
    },

    DescribeServices: {
      resources: (input: { cluster?: string; services?: string[] }, ctx) =>
        (input.services ?? []).map((s) => arnIn(ctx, 'service', input.cluster, lastSegment(s))),
      handler: (input: { cluster?: string; services?: string[] }, ctx) => {
        const cluster = clusterOf(ctx, input.cluster);
        const refs = atMost(required(input.services, 'services'), LIMITS.ecsDescribeServicesMax, 'services');
        const services: unknown[] = [];
        const failures: unknown[] = [];
        for (const ref of refs) {
          const service = cluster.services.get(lastSegment(ref));
          if (service) services.push(toService(service));
          else failures.push({ arn: arnIn(ctx, 'service', input.cluster, lastSegment(ref)), reason: 'MISSING' });
        }
        return { services, failures };
      },
    },

    UpdateService: {
      resources: (input: { cluster?: string; service?: string }, ctx) => [
        arnIn(ctx, 'service', input.cluster, lastSegment(input.service ?? '')),
      ],
      handler: (
        input: {
          cluster?: string;
          service?: string;
          desiredCount?: number;
          deploymentConfiguration?: { minimumHealthyPercent?: number; maximumPercent?: number };
        },
        ctx,
      ) => {
        const ecs = ecsOf(ctx);
        const cluster = clusterOf(ctx, input.cluster);
        const service = cluster.services.get(lastSegment(required(input.service, 'service')));
        if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
        const config = input.deploymentConfiguration;
        if (input.desiredCount !== undefined) {
          if (service.schedulingStrategy === 'DAEMON') {
            throw invalidParameter('The daemon scheduling strategy does not support a desired count for services.');
          }
          if (!Number.isInteger(input.desiredCount) || input.desiredCount < 0)
            throw invalidParameter('desiredCount must be a non-negative integer.');
        }
        if (config) {
          const min = config.minimumHealthyPercent ?? service.minimumHealthyPercent;
          const max = config.maximumPercent ?? service.maximumPercent;
          if (min < 0 || min > 100) throw invalidParameter('minimumHealthyPercent must be between 0 and 100.');
          if (max < 100 && service.schedulingStrategy === 'REPLICA')
            throw invalidParameter('maximumPercent must be at least 100.');
          if (max < min)
            throw invalidParameter('maximumPercent must be greater than or equal to minimumHealthyPercent.');
          service.minimumHealthyPercent = min;
          service.maximumPercent = max;
          service.stuck = false;
          service.updatedAt = ctx.now;
          ecs.poke();
        }
        if (input.desiredCount !== undefined) {
          ecs.setDesiredCount(cluster.name, service.name, input.desiredCount, `UpdateService by ${ctx.caller.name}`);
        }
        return { service: toService(service) };
      },
    },

    PutAttributes: {
      resources: (input: { cluster?: string; attributes?: Array<{ targetId?: string }> }, ctx) =>
        (input.attributes ?? [])
          .filter((a) => a.targetId)
          .map((a) => arnIn(ctx, 'container-instance', input.cluster, a.targetId!)),
      handler: (
        input: {
          cluster?: string;
          attributes?: Array<{ name?: string; value?: string; targetType?: string; targetId?: string }>;
        },
        ctx,
      ) => {
        const ecs = ecsOf(ctx);
        const cluster = clusterOf(ctx, input.cluster);
        const attributes = required(input.attributes, 'attributes');
        if (attributes.length > 10) throw invalidParameter('attributes can have at most 10 items.');
        const resolved = attributes.map((a) => {
          const name = required(a.name, 'attributes.name');
          const instance = ecs.containerInstance(cluster, required(a.targetId, 'attributes.targetId'));
          if (!instance) throw new AwsError('TargetNotFoundException', `Could not find ${a.targetId}.`);
          return { a, name, instance };
        });
        for (const { a, name, instance } of resolved) {
          instance.attributes.set(name, a.value);
          instance.version++;
        }
        return { attributes };
      },
    },

    ListAttributes: {
      resources: clusterArn,
      handler: (
        input: {
          cluster?: string;
          targetType?: string;
          attributeName?: string;
          attributeValue?: string;
          nextToken?: string;
          maxResults?: number;
        },
        ctx,
      ) => {
        const cluster = clusterOf(ctx, input.cluster);
        if (required(input.targetType, 'targetType') !== 'container-instance')
          throw invalidParameter('targetType must be container-instance.');
        if (input.attributeValue !== undefined && input.attributeName === undefined) {
          throw invalidParameter('attributeName must be specified when attributeValue is.');
        }
        const all = [...cluster.instances.values()]
          .filter((i) => i.status !== 'INACTIVE')
          .flatMap((i) =>
            [...i.attributes]
              .filter(
                ([name, value]) =>
                  (input.attributeName === undefined || name === input.attributeName) &&
                  (input.attributeValue === undefined || value === input.attributeValue),
              )
              .map(([name, value]) => ({
                name,
                ...(value !== undefined ? { value } : {}),
                targetType: 'container-instance',
                targetId: i.arn,
              })),
          );
        const page = paginate(all, {
          token: input.nextToken,
          max: input.maxResults,
          defaultMax: 100,
          limit: 100,
          listing: `attributes:${cluster.name}:${input.attributeName ?? ''}:${input.attributeValue ?? ''}`,
        });
        return { attributes: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
      },
    },

    DeleteAttributes: {
      resources: (input: { cluster?: string; attributes?: Array<{ targetId?: string }> }, ctx) =>
        (input.attributes ?? [])
          .filter((a) => a.targetId)
          .map((a) => arnIn(ctx, 'container-instance', input.cluster, a.targetId!)),
      handler: (input: { cluster?: string; attributes?: Array<{ name?: string; targetId?: string }> }, ctx) => {
        const ecs = ecsOf(ctx);
        const cluster = clusterOf(ctx, input.cluster);
        const attributes = required(input.attributes, 'attributes');
        for (const a of attributes) {
          const instance = ecs.containerInstance(cluster, required(a.targetId, 'attributes.targetId'));
          if (!instance) throw new AwsError('TargetNotFoundException', `Could not find ${a.targetId}.`);
          instance.attributes.delete(required(a.name, 'attributes.name'));
          instance.version++;
        }
        return { attributes };
      },
    },
  },
};
