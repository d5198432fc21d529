import type { EcsRegion, SimCluster, SimContainerInstance, SimService, SimTask } from './model.ts';

/**
 * The ECS API's view of the simulated state: objects shaped like the SDK v3 output types (`Task`,
 * `ContainerInstance`, `Service`, `Cluster`), with Date timestamps.
 */

const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

export function toTask(ecs: EcsRegion, task: SimTask): Record<string, unknown> {
  const cluster = ecs.cluster(task.cluster);
  const containerStatus =
    task.lastStatus === 'STOPPED' || task.lastStatus === 'DEPROVISIONING'
      ? 'STOPPED'
      : task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING'
        ? 'PENDING'
        : 'RUNNING';
  const def = task.taskDefinition;
  return {
    taskArn: task.arn,
    clusterArn: cluster?.arn ?? ecs.kernel.arn('ecs', ecs.region, `cluster/${task.cluster}`),
    taskDefinitionArn: def.arn,
    containerInstanceArn: task.containerInstanceArn,
    availabilityZone: task.az,
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    containers: [
      {
        containerArn: ecs.kernel.arn('ecs', ecs.region, `container/${task.cluster}/${task.id}/${def.containerName}`),
        taskArn: task.arn,
        name: def.containerName,
        image: `${ecs.kernel.accountId}.dkr.ecr.${ecs.region}.amazonaws.com/${def.family}:latest`,
        lastStatus: containerStatus,
        ...(containerStatus === 'STOPPED' ? { exitCode: task.stopCode === 'EssentialContainerExited' ? 137 : 0 } : {}),
        networkBindings:
          containerStatus === 'RUNNING'
            ? [{ bindIP: '0.0.0.0', containerPort: def.containerPort, hostPort: task.hostPort, protocol: 'tcp' }]
            : [],
        healthStatus: 'UNKNOWN',
        cpu: String(def.cpu),
        memory: String(def.memory),
      },
    ],
    cpu: String(def.cpu),
    memory: String(def.memory),
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    connectivity: task.lastStatus === 'STOPPED' ? 'DISCONNECTED' : 'CONNECTED',
    connectivityAt: date(task.createdAt),
    createdAt: date(task.createdAt),
    pullStartedAt: date(task.pullStartedAt),
    pullStoppedAt: date(task.pullStoppedAt),
    startedAt: date(task.startedAt),
    stoppingAt: date(task.stoppingAt),
    executionStoppedAt: date(task.executionStoppedAt),
    stoppedAt: date(task.stoppedAt),
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    startedBy: task.startedBy,
    group: task.group,
    launchType: 'EC2',
    healthStatus: 'UNKNOWN',
    enableExecuteCommand: false,
    overrides: { containerOverrides: [{ name: def.containerName }], inferenceAcceleratorOverrides: [] },
    tags: [],
    version: task.version,
  };
}

export function toContainerInstance(ecs: EcsRegion, instance: SimContainerInstance): Record<string, unknown> {
  const counts = ecs.instanceCounts(instance);
  const resources = (cpu: number, memory: number) => [
    { name: 'CPU', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: cpu },
    { name: 'MEMORY', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: memory },
    {
      name: 'PORTS',
      type: 'STRINGSET',
      doubleValue: 0,
      longValue: 0,
      integerValue: 0,
      stringSetValue: ['22', '2375', '2376', '51678', '51679'],
    },
    { name: 'PORTS_UDP', type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: [] },
  ];
  return {
    containerInstanceArn: instance.arn,
    ec2InstanceId: instance.ec2InstanceId,
    version: instance.version,
    versionInfo: { agentVersion: '1.89.2', agentHash: 'ballast0', dockerVersion: 'DockerVersion: 25.0.8' },
    remainingResources: resources(
      instance.registeredCpu - instance.usedCpu,
      instance.registeredMemory - instance.usedMemory,
    ),
    registeredResources: resources(instance.registeredCpu, instance.registeredMemory),
    status: instance.status,
    ...(instance.statusReason !== undefined ? { statusReason: instance.statusReason } : {}),
    agentConnected: instance.agentConnected,
    runningTasksCount: counts.running,
    pendingTasksCount: counts.pending,
    attributes: [...instance.attributes].map(([name, value]) => (value === undefined ? { name } : { name, value })),
    registeredAt: new Date(instance.registeredAt),
    attachments: [],
    tags: [],
  };
}

export function toService(service: SimService): Record<string, unknown> {
  const runningCount = service.runningCount;
  const pendingCount = service.pendingCount;
  const replica = service.schedulingStrategy === 'REPLICA';
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: service.clusterArn,
    loadBalancers: service.targetGroups.map((g) => ({
      targetGroupArn: g.arn,
      containerName: g.containerName,
      containerPort: g.containerPort,
    })),
    serviceRegistries: [],
    status: 'ACTIVE',
    desiredCount: service.desiredCount,
    runningCount,
    pendingCount,
    launchType: 'EC2',
    taskDefinition: service.taskDefinition.arn,
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: false, rollback: false },
      maximumPercent: service.maximumPercent,
      minimumHealthyPercent: service.minimumHealthyPercent,
    },
    deployments: [
      {
        id: service.deploymentId,
        status: 'PRIMARY',
        taskDefinition: service.taskDefinition.arn,
        desiredCount: service.desiredCount,
        pendingCount,
        runningCount,
        failedTasks: 0,
        createdAt: new Date(service.createdAt),
        updatedAt: new Date(service.updatedAt),
        launchType: 'EC2',
        rolloutState: service.steady ? 'COMPLETED' : 'IN_PROGRESS',
        rolloutStateReason: service.steady
          ? 'ECS deployment ecs-svc completed.'
          : 'ECS deployment ecs-svc in progress.',
      },
    ],
    events: service.events.map((e) => ({ id: e.id, createdAt: new Date(e.createdAt), message: e.message })),
    createdAt: new Date(service.createdAt),
    placementConstraints: service.placementConstraints.map((c) => ({ ...c })),
    placementStrategy: replica
      ? [
          { type: 'spread', field: 'attribute:ecs.availability-zone' },
          { type: 'spread', field: 'instanceId' },
        ]
      : [],
    schedulingStrategy: service.schedulingStrategy,
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
    availabilityZoneRebalancing: 'DISABLED',
  };
}

export function toCluster(ecs: EcsRegion, cluster: SimCluster): Record<string, unknown> {
  let registered = 0;
  let running = 0;
  let pending = 0;
  for (const instance of cluster.instances.values()) {
    if (instance.status === 'INACTIVE') continue;
    registered++;
    const counts = ecs.instanceCounts(instance);
    running += counts.running;
    pending += counts.pending;
  }
  return {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: 'ACTIVE',
    registeredContainerInstancesCount: registered,
    runningTasksCount: running,
    pendingTasksCount: pending,
    activeServicesCount: cluster.services.size,
    statistics: [],
    tags: [],
    settings: [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
  };
}
