import type { TimerHandle } from '../core/clock.ts';
import type { Kernel } from '../core/kernel.ts';
import type { Rng } from '../core/rng.ts';

/** The data model of the simulated EC2 Auto Scaling: groups and their instances. */
export type AsgLifecycleState =
  | 'Pending'
  | 'Pending:Wait'
  | 'Pending:Proceed'
  | 'InService'
  | 'Standby'
  | 'Terminating'
  | 'Terminating:Wait'
  | 'Terminating:Proceed'
  | 'Terminating:Retained'
  | 'Terminated';

/** Timings of the simulated EC2 and Auto Scaling (seconds). */
export const AUTOSCALING_TIMINGS = {
  /** From launch to the ECS agent registering the instance. */
  bootSeconds: [60, 120],
  /** The group reacts to a capacity change after about this long. */
  reactionSeconds: 2,
  /** From Terminating:Proceed to the instance going down (its tasks die then). */
  shutdownStartSeconds: 2,
  /** EC2 shutdown until Terminated. */
  shutdownSeconds: 30,
  /** A dead instance is found by the EC2 status checks after this long. */
  healthCheckDetectSeconds: [20, 60],
  /** Notice of a Spot interruption. */
  spotNoticeSeconds: 120,
} as const;

export const COUNTED: ReadonlySet<AsgLifecycleState> = new Set([
  'Pending',
  'Pending:Wait',
  'Pending:Proceed',
  'InService',
]);

export interface SimAsgInstance {
  readonly id: string;
  readonly group: string;
  readonly az: string;
  readonly instanceType: string;
  readonly launchTemplateVersion: number;
  readonly launchedAt: number;
  readonly spot: boolean;
  lifecycleState: AsgLifecycleState;
  healthStatus: 'Healthy' | 'Unhealthy';
  protectedFromScaleIn: boolean;
  /** EC2 is running it (false once shut down or dead). */
  running: boolean;
  booted: boolean;
  inServiceAt?: number;
  /** Lifecycle actions of the current transition still waiting for an answer, by hook name. */
  readonly actions: Map<string, LifecycleAction>;
  cause?: string;
  timer?: TimerHandle;
}

export interface GroupSpec {
  readonly name: string;
  /** The ECS cluster the group's instances join. */
  readonly cluster?: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly availabilityZones: readonly string[];
  /** @default 'm5.large' */
  readonly instanceType?: string;
  /** CPU units and MiB the ECS agent registers. @default 2048 / 4096 */
  readonly instanceCpu?: number;
  readonly instanceMemory?: number;
  readonly tags?: Readonly<Record<string, string>>;
  /** @default false */
  readonly capacityRebalance?: boolean;
  /** Instance lifecycle policy: keep an instance whose terminate hook was abandoned. @default false */
  readonly retainOnTerminateHookAbandon?: boolean;
  /** @default false */
  readonly spot?: boolean;
  /** Launch the desired instances already InService and registered (a fleet built at t=0). */
  readonly instancesNow?: boolean;
}

export class SimAutoScalingGroup {
  readonly instances = new Map<string, SimAsgInstance>();
  readonly hooks = new Map<string, LifecycleHook>();
  readonly refreshes: InstanceRefresh[] = [];
  /** Extra instances an instance refresh may run above desired (MaxHealthyPercentage). */
  refreshSurge = 0;
  launchTemplateVersion = 1;
  reconcileTimer: TimerHandle | undefined;

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly spec: GroupSpec,
    public minSize: number,
    public maxSize: number,
    public desiredCapacity: number,
    public retainOnTerminateHookAbandon: boolean,
    readonly createdAt: number,
  ) {}

  get cluster(): string | undefined {
    return this.spec.cluster;
  }

  /** Instances that count toward desired capacity. */
  counted(): SimAsgInstance[] {
    return [...this.instances.values()].filter((i) => COUNTED.has(i.lifecycleState));
  }

  activeRefresh(): InstanceRefresh | undefined {
    return this.refreshes.find((r) => r.status === 'Pending' || r.status === 'InProgress');
  }
}

export type LifecycleTransition = 'autoscaling:EC2_INSTANCE_LAUNCHING' | 'autoscaling:EC2_INSTANCE_TERMINATING';
export type LifecycleResult = 'CONTINUE' | 'ABANDON';

export interface LifecycleHook {
  readonly name: string;
  readonly groupName: string;
  readonly transition: LifecycleTransition;
  /** Seconds. @default 3600 */
  readonly heartbeatTimeout: number;
  readonly defaultResult: LifecycleResult;
  readonly notificationMetadata?: string;
  readonly notificationTargetArn?: string;
  readonly roleArn?: string;
}

export interface LifecycleAction {
  readonly token: string;
  readonly hookName: string;
  readonly groupName: string;
  readonly instanceId: string;
  readonly transition: LifecycleTransition;
  readonly startedAt: number;
  readonly heartbeatTimeoutMs: number;
  heartbeatDeadline: number;
  readonly globalDeadline: number;
  timer?: TimerHandle;
}

/** A lifecycle action named by its token or by the instance id. */
export interface ActionRef {
  readonly token?: string;
  readonly instanceId?: string;
}

export interface RefreshPreferences {
  /** @default 90 */
  readonly MinHealthyPercentage?: number;
  /** @default 100 */
  readonly MaxHealthyPercentage?: number;
  /** Seconds after InService before a new instance counts as healthy. @default 0 */
  readonly InstanceWarmup?: number;
}

export type RefreshStatus = 'Pending' | 'InProgress' | 'Successful' | 'Failed' | 'Cancelling' | 'Cancelled';

export interface InstanceRefresh {
  readonly id: string;
  readonly groupName: string;
  status: RefreshStatus;
  statusReason?: string;
  readonly startTime: number;
  endTime?: number;
  readonly minHealthyPercentage: number;
  readonly maxHealthyPercentage: number;
  readonly instanceWarmupSeconds: number;
  /** The instances to replace (InService when the refresh started). */
  readonly toReplace: ReadonlySet<string>;
  percentageComplete: number;
  instancesToUpdate: number;
  timer?: TimerHandle;
}

export interface EndedLifecycleAction {
  readonly group: string;
  readonly hookName: string;
  readonly instanceId: string;
  readonly transition: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly result: 'CONTINUE' | 'ABANDON';
  readonly how: 'completed' | 'timed out';
}

/**
 * What the lifecycle-hook and instance-refresh helpers need of the region's Auto Scaling model
 * (`AutoScalingRegion` implements it); they take this instead of the class, so they do not import it.
 */
export interface GroupHost {
  readonly kernel: Kernel;
  readonly region: string;
  readonly rng: Rng;
  readonly endedActions: EndedLifecycleAction[];
  /** Records an ended lifecycle action (in `endedActions`) and tells whoever listens for it. */
  actionEnded(action: EndedLifecycleAction): void;
  afterHooks(
    group: SimAutoScalingGroup,
    instance: SimAsgInstance,
    transition: LifecycleTransition,
    result: 'CONTINUE' | 'ABANDON',
  ): void;
  beginTermination(group: SimAutoScalingGroup, instance: SimAsgInstance, cause: string, withHooks?: boolean): void;
  reconcileSoon(group: SimAutoScalingGroup): void;
}
