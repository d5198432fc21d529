import type { TimerHandle } from '../core/clock.ts';

/** The data model of the simulated ECS: what the API describes and the scheduler acts on. */
export type TaskStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'RUNNING'
  | 'DEACTIVATING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED';
export type ContainerInstanceStatus = 'ACTIVE' | 'DRAINING' | 'INACTIVE';
export type StopCode = 'TaskFailedToStart' | 'EssentialContainerExited' | 'UserInitiated' | 'ServiceSchedulerInitiated';

/** Timings of the simulated ECS (seconds). */
export const ECS_TIMINGS = {
  schedulerIntervalSeconds: 15,
  /** The scheduler reacts to a change after about this long. */
  schedulerReactionSeconds: 2,
  provisioningSeconds: [1, 3],
  /** Image pull and container start. */
  startSeconds: [10, 40],
  /** The container's stopTimeout: SIGKILL after this long. */
  stopTimeoutSeconds: 30,
  deprovisioningSeconds: [1, 2],
  /** STOPPED tasks and INACTIVE container instances stay visible this long. */
  retentionSeconds: 3600,
} as const;

export interface TaskDefinition {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  readonly cpu: number;
  readonly memory: number;
  readonly containerName: string;
  readonly containerPort: number;
}

export interface SimTask {
  readonly arn: string;
  readonly id: string;
  readonly cluster: string;
  readonly containerInstanceArn: string;
  readonly ec2InstanceId: string;
  readonly az: string;
  readonly taskDefinition: TaskDefinition;
  readonly group: string;
  readonly startedBy?: string;
  /** The service name for service tasks. */
  readonly service?: string;
  readonly daemon: boolean;
  readonly hostPort: number;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  readonly createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
  stopCode?: StopCode;
  stoppedReason?: string;
  version: number;
  timer?: TimerHandle;
}

export interface SimContainerInstance {
  readonly arn: string;
  readonly id: string;
  readonly cluster: string;
  readonly ec2InstanceId: string;
  readonly az: string;
  readonly instanceType: string;
  status: ContainerInstanceStatus;
  statusReason?: string;
  agentConnected: boolean;
  readonly registeredCpu: number;
  readonly registeredMemory: number;
  usedCpu: number;
  usedMemory: number;
  readonly attributes: Map<string, string | undefined>;
  readonly registeredAt: number;
  deregisteredAt?: number;
  /** Tasks placed here that are not STOPPED yet. */
  readonly tasks: Set<SimTask>;
  version: number;
}

export interface ServiceEvent {
  readonly id: string;
  readonly createdAt: number;
  readonly message: string;
}

export interface ServiceTargetGroup {
  readonly name: string;
  readonly arn: string;
  readonly containerName: string;
  readonly containerPort: number;
}

/** An ECS placement constraint: `memberOf` with a cluster query expression, or `distinctInstance`. */
export interface PlacementConstraint {
  readonly type: 'memberOf' | 'distinctInstance';
  readonly expression?: string;
}

export class SimService {
  desiredCount: number;
  placementConstraints: readonly PlacementConstraint[] = [];
  minimumHealthyPercent: number;
  maximumPercent: number;
  updatedAt: number;
  readonly events: ServiceEvent[] = [];
  /** Tasks of the service that are not STOPPED yet. */
  readonly tasks = new Set<SimTask>();
  /** The scheduler found it cannot move tasks off draining instances (reported once per episode). */
  stuck = false;
  steady = true;
  lastPlacementFailureAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly cluster: string,
    readonly clusterArn: string,
    public taskDefinition: TaskDefinition,
    readonly schedulingStrategy: 'REPLICA' | 'DAEMON',
    readonly targetGroups: readonly ServiceTargetGroup[],
    readonly deploymentId: string,
    readonly createdAt: number,
    options: { desiredCount: number; minimumHealthyPercent: number; maximumPercent: number },
  ) {
    this.desiredCount = options.desiredCount;
    this.minimumHealthyPercent = options.minimumHealthyPercent;
    this.maximumPercent = options.maximumPercent;
    this.updatedAt = createdAt;
  }

  get runningCount(): number {
    let n = 0;
    for (const task of this.tasks) if (task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING') n++;
    return n;
  }

  get pendingCount(): number {
    let n = 0;
    for (const task of this.tasks) {
      if (task.desiredStatus === 'RUNNING' && (task.lastStatus === 'PENDING' || task.lastStatus === 'PROVISIONING'))
        n++;
    }
    return n;
  }
}

export interface SimCluster {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly instances: Map<string, SimContainerInstance>;
  readonly services: Map<string, SimService>;
  /** Every task, STOPPED ones included until retention expires; in creation order. */
  readonly tasks: Map<string, SimTask>;
}

export interface StartTaskOptions {
  readonly startedBy?: string;
  readonly group?: string;
  readonly service?: SimService;
  /** Already RUNNING (and its targets healthy): a fleet built at t=0. */
  readonly runningNow?: boolean;
}
