import { AwsError, validationError } from '../core/aws-error.ts';
import { instanceIdOf, seconds, uuidOf } from '../core/ids.ts';
import type { Kernel } from '../core/kernel.ts';
import type { Rng } from '../core/rng.ts';
import {
  type ActionRef,
  cancelActions,
  completeAction,
  findAction,
  type LifecycleAction,
  type LifecycleHook,
  type LifecycleTransition,
  recordHeartbeat,
  startLifecycleActions,
} from './hooks.ts';
import { type InstanceRefresh, type RefreshPreferences, startRefresh } from './refresh.ts';
import {
  AUTOSCALING_TIMINGS,
  COUNTED,
  type EndedLifecycleAction,
  type GroupSpec,
  type SimAsgInstance,
  SimAutoScalingGroup,
} from './types.ts';

export type { LifecycleAction, LifecycleHook, LifecycleTransition } from './hooks.ts';
export type { InstanceRefresh, RefreshPreferences } from './refresh.ts';
export * from './types.ts';

/**
 * EC2 Auto Scaling in one region: groups, their instances' lifecycle, lifecycle hooks, scale-in, instance
 * refresh, Spot interruptions and hosts that die. A booted instance of a group mapped to an ECS cluster
 * registers as a container instance there; a terminated one takes its tasks down with it.
 */

/**
 * What EC2 Auto Scaling's instances do to ECS, the only way this model reaches it: a booted instance's ECS
 * agent registers it in the group's cluster; an instance that stops running takes its tasks with it.
 */
export interface ContainerHosts {
  registerContainerInstance(
    cluster: string,
    host: { ec2InstanceId: string; az: string; instanceType: string; cpu: number; memory: number },
  ): unknown;
  instanceLost(ec2InstanceId: string): void;
}

export class AutoScalingRegion {
  private readonly groupMap = new Map<string, SimAutoScalingGroup>();
  private readonly byInstance = new Map<string, SimAutoScalingGroup>();
  readonly rng: Rng;
  /** Every lifecycle action that ended, how and when: what scenarios check their invariants against. */
  readonly endedActions: EndedLifecycleAction[] = [];
  private readonly actionListeners: Array<(action: EndedLifecycleAction) => void> = [];

  constructor(
    readonly kernel: Kernel,
    readonly region: string,
    private readonly hosts: ContainerHosts,
  ) {
    this.rng = kernel.rng.fork(`autoscaling:${region}`);
  }

  // ---- groups -----------------------------------------------------------------------------------------

  createGroup(spec: GroupSpec): SimAutoScalingGroup {
    if (this.groupMap.has(spec.name))
      throw new AwsError(
        'AlreadyExists',
        `AutoScalingGroup by this name already exists - A group with the name ${spec.name} already exists`,
      );
    const arn = this.kernel.arn(
      'autoscaling',
      this.region,
      `autoScalingGroup:${uuidOf(this.rng)}:autoScalingGroupName/${spec.name}`,
    );
    const group = new SimAutoScalingGroup(
      spec.name,
      arn,
      spec,
      spec.minSize,
      spec.maxSize,
      spec.desiredCapacity,
      spec.retainOnTerminateHookAbandon ?? false,
      this.kernel.now(),
    );
    this.groupMap.set(spec.name, group);
    if (spec.instancesNow) {
      for (let i = 0; i < spec.desiredCapacity; i++) this.launch(group, this.launchAz(group), true);
    } else {
      this.reconcileSoon(group);
    }
    return group;
  }

  group(name: string): SimAutoScalingGroup | undefined {
    return this.groupMap.get(name);
  }

  groups(): SimAutoScalingGroup[] {
    return [...this.groupMap.values()];
  }

  /** The group that owns an instance (also Terminated ones it still lists). */
  groupOf(instanceId: string): SimAutoScalingGroup | undefined {
    return this.byInstance.get(instanceId);
  }

  instance(instanceId: string): SimAsgInstance | undefined {
    return this.byInstance.get(instanceId)?.instances.get(instanceId);
  }

  requireGroup(name: string): SimAutoScalingGroup {
    const group = this.groupMap.get(name);
    if (!group) throw validationError(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
    return group;
  }

  putLifecycleHook(groupName: string, hook: Omit<LifecycleHook, 'groupName'>): LifecycleHook {
    const group = this.requireGroup(groupName);
    const full: LifecycleHook = { ...hook, groupName };
    group.hooks.set(hook.name, full);
    return full;
  }

  setRetainOnTerminateHookAbandon(groupName: string, retain: boolean): void {
    this.requireGroup(groupName).retainOnTerminateHookAbandon = retain;
  }

  /** SetDesiredCapacity: the group launches or scales in (default termination policy, with hooks). */
  setDesiredCapacity(groupName: string, desired: number): void {
    const group = this.requireGroup(groupName);
    if (desired > group.maxSize) {
      throw validationError(
        `New SetDesiredCapacity value ${desired} is above max value ${group.maxSize} for the AutoScalingGroup.`,
      );
    }
    if (desired < group.minSize) {
      throw validationError(
        `New SetDesiredCapacity value ${desired} is below min value ${group.minSize} for the AutoScalingGroup.`,
      );
    }
    this.changeDesired(group, desired, 'SetDesiredCapacity');
  }

  updateGroup(groupName: string, update: { minSize?: number; maxSize?: number; desiredCapacity?: number }): void {
    const group = this.requireGroup(groupName);
    const min = update.minSize ?? group.minSize;
    const max = update.maxSize ?? group.maxSize;
    if (min > max) throw validationError(`Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
    if (update.desiredCapacity !== undefined && (update.desiredCapacity < min || update.desiredCapacity > max)) {
      throw validationError(
        `Desired capacity:${update.desiredCapacity} must be between the specified min size:${min} and max size:${max}`,
      );
    }
    group.minSize = min;
    group.maxSize = max;
    const desired = update.desiredCapacity ?? Math.min(max, Math.max(min, group.desiredCapacity));
    this.changeDesired(group, desired, 'UpdateAutoScalingGroup');
  }

  private changeDesired(group: SimAutoScalingGroup, desired: number, cause: string): void {
    if (desired === group.desiredCapacity) return;
    this.kernel.note(this.region, 'desired-capacity', `${group.name} ${group.desiredCapacity} → ${desired} (${cause})`);
    group.desiredCapacity = desired;
    this.reconcileSoon(group);
  }

  /** TerminateInstanceInAutoScalingGroup: terminate hooks run; a Retained instance goes at once. */
  terminateInstance(instanceId: string, decrementDesired: boolean): SimAsgInstance {
    const group = this.byInstance.get(instanceId);
    const instance = group?.instances.get(instanceId);
    if (!group || !instance || instance.lifecycleState === 'Terminated') {
      throw validationError(`Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
    }
    if (instance.lifecycleState === 'Terminating:Retained') {
      this.proceedTermination(group, instance);
      return instance;
    }
    if (instance.lifecycleState.startsWith('Terminating')) return instance;
    if (decrementDesired && group.desiredCapacity - 1 < group.minSize) {
      throw validationError(
        `Currently, desiredSize equals minSize (${group.minSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
      );
    }
    this.beginTermination(
      group,
      instance,
      `an instance was taken out of service in response to a user request${decrementDesired ? ', shrinking the capacity' : ''}`,
    );
    if (decrementDesired) this.changeDesired(group, group.desiredCapacity - 1, 'TerminateInstanceInAutoScalingGroup');
    else this.reconcileSoon(group);
    return instance;
  }

  setInstanceProtection(groupName: string, instanceIds: readonly string[], protect: boolean): void {
    const group = this.requireGroup(groupName);
    for (const id of instanceIds) {
      if (!group.instances.has(id))
        throw validationError(`The instance ${id} is not part of Auto Scaling group ${groupName}.`);
    }
    for (const id of instanceIds) group.instances.get(id)!.protectedFromScaleIn = protect;
  }

  startInstanceRefresh(groupName: string, preferences: RefreshPreferences = {}): InstanceRefresh {
    return startRefresh(this, this.requireGroup(groupName), preferences);
  }

  // ---- lifecycle actions ------------------------------------------------------------------------------

  completeLifecycleAction(groupName: string, hookName: string, ref: ActionRef, result: 'CONTINUE' | 'ABANDON'): void {
    const group = this.requireGroup(groupName);
    completeAction(this, group, findAction(group, hookName, ref), result, 'completed');
  }

  recordLifecycleActionHeartbeat(groupName: string, hookName: string, ref: ActionRef): void {
    const group = this.requireGroup(groupName);
    recordHeartbeat(this, group, findAction(group, hookName, ref));
  }

  /**
   * Calls `listener` the moment a lifecycle action ends (completed or timed out), before the instance moves
   * on: an invariant about the host at that moment (its tasks, its load balancers) reads the world as it is
   * then, not at the end of a run, when ECS has long forgotten its STOPPED tasks.
   */
  onActionEnded(listener: (action: EndedLifecycleAction) => void): void {
    this.actionListeners.push(listener);
  }

  /** Records an ended lifecycle action and tells the listeners (hooks.ts, when an action is answered). */
  actionEnded(action: EndedLifecycleAction): void {
    this.endedActions.push(action);
    for (const listener of this.actionListeners) listener(action);
  }

  /** Every lifecycle action the group is waiting on. */
  pendingActions(groupName: string): LifecycleAction[] {
    const group = this.requireGroup(groupName);
    return [...group.instances.values()].flatMap((i) => [...i.actions.values()]);
  }

  /** Called once every hook of a transition answered (or one terminate hook ABANDONed). */
  afterHooks(
    group: SimAutoScalingGroup,
    instance: SimAsgInstance,
    transition: LifecycleTransition,
    result: 'CONTINUE' | 'ABANDON',
  ): void {
    if (transition === 'autoscaling:EC2_INSTANCE_LAUNCHING') {
      if (result === 'ABANDON') {
        this.beginTermination(group, instance, 'a launch lifecycle action was abandoned', false);
        this.reconcileSoon(group);
        return;
      }
      instance.lifecycleState = 'Pending:Proceed';
      if (instance.booted) this.enterService(group, instance);
      return;
    }
    if (result === 'ABANDON' && group.retainOnTerminateHookAbandon) {
      instance.lifecycleState = 'Terminating:Retained';
      this.kernel.note(
        this.region,
        'instance-retained',
        `${instance.id} of ${group.name} retained after its terminate hook was abandoned`,
      );
      return;
    }
    this.proceedTermination(group, instance);
  }

  // ---- external events: Spot, rebalance, host death --------------------------------------------------

  /** The two-minute Spot warning; the instance dies when it runs out, whatever its hooks say. */
  spotInterruption(instanceId: string): void {
    const group = this.byInstance.get(instanceId);
    const instance = group?.instances.get(instanceId);
    if (!group || !instance?.running) return;
    this.kernel.emit(
      this.region,
      'aws.ec2',
      'EC2 Spot Instance Interruption Warning',
      { 'instance-id': instanceId, 'instance-action': 'terminate' },
      [this.instanceArn(instanceId)],
    );
    this.kernel.note(
      this.region,
      'spot-warning',
      `${instanceId} of ${group.name} will be reclaimed in ${AUTOSCALING_TIMINGS.spotNoticeSeconds} s`,
    );
    if (group.spec.capacityRebalance && instance.lifecycleState === 'InService') {
      this.beginTermination(
        group,
        instance,
        'an instance was taken out of service in response to an EC2 instance rebalance recommendation',
      );
      this.reconcileSoon(group);
    }
    this.kernel.clock.after(seconds(AUTOSCALING_TIMINGS.spotNoticeSeconds), `spot reclaim ${instanceId}`, () =>
      this.killInstance(instanceId, 'Spot interruption'),
    );
  }

  /** An EC2 rebalance recommendation: with Capacity Rebalancing the group replaces the instance. */
  rebalanceRecommendation(instanceId: string): void {
    const group = this.byInstance.get(instanceId);
    const instance = group?.instances.get(instanceId);
    if (!group || !instance?.running) return;
    this.kernel.emit(this.region, 'aws.ec2', 'EC2 Instance Rebalance Recommendation', { 'instance-id': instanceId }, [
      this.instanceArn(instanceId),
    ]);
    this.kernel.note(this.region, 'rebalance-recommendation', `${instanceId} of ${group.name}`);
    if (group.spec.capacityRebalance && instance.lifecycleState === 'InService') {
      this.beginTermination(
        group,
        instance,
        'an instance was taken out of service in response to an EC2 instance rebalance recommendation',
      );
      this.reconcileSoon(group);
    }
  }

  /**
   * The instance dies at once (hardware failure, Spot reclaim, a plain EC2 TerminateInstances): its tasks go
   * with it. The group notices at its next health check and only then runs the terminate hooks.
   */
  killInstance(instanceId: string, reason = 'host failure'): void {
    const group = this.byInstance.get(instanceId);
    const instance = group?.instances.get(instanceId);
    if (!group || !instance?.running) return;
    instance.running = false;
    this.kernel.clock.cancel(instance.timer);
    this.kernel.note(this.region, 'host-died', `${instanceId} of ${group.name} is gone (${reason})`);
    if (group.cluster) this.hosts.instanceLost(instanceId);
    const [lo, hi] = AUTOSCALING_TIMINGS.healthCheckDetectSeconds;
    this.kernel.clock.after(seconds(lo + this.rng.next() * (hi - lo)), `asg health ${instanceId}`, () => {
      if (instance.lifecycleState === 'Terminated') return;
      instance.healthStatus = 'Unhealthy';
      if (COUNTED.has(instance.lifecycleState)) {
        this.beginTermination(
          group,
          instance,
          `an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped`,
        );
        this.reconcileSoon(group);
      } else if (instance.lifecycleState === 'Terminating:Proceed') {
        this.finishTermination(group, instance);
      }
    });
  }

  // ---- the instance lifecycle ---------------------------------------------------------------------

  /** Runs the group's capacity check soon (debounced). */
  reconcileSoon(group: SimAutoScalingGroup): void {
    if (group.reconcileTimer) return;
    group.reconcileTimer = this.kernel.clock.after(
      seconds(AUTOSCALING_TIMINGS.reactionSeconds),
      `asg reconcile ${group.name}`,
      () => {
        group.reconcileTimer = undefined;
        this.reconcile(group);
      },
    );
  }

  private reconcile(group: SimAutoScalingGroup): void {
    const counted = group.counted();
    const target = group.desiredCapacity + group.refreshSurge;
    for (let i = counted.length; i < target; i++) this.launch(group, this.launchAz(group), false);
    if (counted.length > target) {
      for (const instance of this.scaleInChoice(group, counted.length - target)) {
        this.beginTermination(
          group,
          instance,
          `an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${counted.length} to ${target}`,
        );
      }
    }
  }

  /** The default termination policy: the AZ with the most instances, then the oldest template, then the oldest. */
  private scaleInChoice(group: SimAutoScalingGroup, count: number): SimAsgInstance[] {
    const chosen: SimAsgInstance[] = [];
    const pool = group.counted();
    for (let n = 0; n < count; n++) {
      const perAz = new Map<string, number>();
      for (const i of pool) perAz.set(i.az, (perAz.get(i.az) ?? 0) + 1);
      const candidates = pool.filter((i) => !i.protectedFromScaleIn);
      if (candidates.length === 0) break;
      candidates.sort(
        (a, b) =>
          (perAz.get(b.az) ?? 0) - (perAz.get(a.az) ?? 0) ||
          a.az.localeCompare(b.az) ||
          a.launchTemplateVersion - b.launchTemplateVersion ||
          a.launchedAt - b.launchedAt ||
          a.id.localeCompare(b.id),
      );
      const pick = candidates[0]!;
      chosen.push(pick);
      pool.splice(pool.indexOf(pick), 1);
    }
    return chosen;
  }

  private launchAz(group: SimAutoScalingGroup): string {
    const perAz = new Map<string, number>(group.spec.availabilityZones.map((az) => [az, 0]));
    for (const i of group.counted()) perAz.set(i.az, (perAz.get(i.az) ?? 0) + 1);
    return [...perAz].sort(([a, x], [b, y]) => x - y || a.localeCompare(b))[0]?.[0] ?? `${this.region}a`;
  }

  private launch(group: SimAutoScalingGroup, az: string, now: boolean): SimAsgInstance {
    const instance: SimAsgInstance = {
      id: instanceIdOf(this.rng),
      group: group.name,
      az,
      instanceType: group.spec.instanceType ?? 'm5.large',
      launchTemplateVersion: group.launchTemplateVersion,
      launchedAt: this.kernel.now(),
      spot: group.spec.spot ?? false,
      lifecycleState: 'Pending',
      healthStatus: 'Healthy',
      protectedFromScaleIn: false,
      running: true,
      booted: false,
      actions: new Map(),
    };
    group.instances.set(instance.id, instance);
    this.byInstance.set(instance.id, group);
    if (now) {
      this.boot(group, instance);
      instance.lifecycleState = 'InService';
      instance.inServiceAt = this.kernel.now();
      return instance;
    }
    if (startLifecycleActions(this, group, instance, 'autoscaling:EC2_INSTANCE_LAUNCHING'))
      instance.lifecycleState = 'Pending:Wait';
    const [lo, hi] = AUTOSCALING_TIMINGS.bootSeconds;
    instance.timer = this.kernel.clock.after(
      seconds(lo + this.rng.next() * (hi - lo)),
      `ec2 booted ${instance.id}`,
      () => {
        instance.timer = undefined;
        this.boot(group, instance);
        if (instance.lifecycleState === 'Pending' || instance.lifecycleState === 'Pending:Proceed')
          this.enterService(group, instance);
      },
    );
    return instance;
  }

  /** The instance finished booting: its ECS agent registers it in the group's cluster. */
  private boot(group: SimAutoScalingGroup, instance: SimAsgInstance): void {
    if (!instance.running) return;
    instance.booted = true;
    if (!group.cluster) return;
    this.hosts.registerContainerInstance(group.cluster, {
      ec2InstanceId: instance.id,
      az: instance.az,
      instanceType: instance.instanceType,
      cpu: group.spec.instanceCpu ?? 2048,
      memory: group.spec.instanceMemory ?? 4096,
    });
  }

  private enterService(group: SimAutoScalingGroup, instance: SimAsgInstance): void {
    instance.lifecycleState = 'InService';
    instance.inServiceAt = this.kernel.now();
    this.kernel.emit(
      this.region,
      'aws.autoscaling',
      'EC2 Instance Launch Successful',
      this.activityDetail(group, instance, 'Launching', 'EC2', 'AutoScalingGroup'),
      [group.arn],
    );
    this.kernel.note(this.region, 'instance-launched', `${instance.id} in ${group.name} (${instance.az}) is InService`);
  }

  /** Starts taking an instance out: terminate hooks (in parallel) unless `withHooks` is false. */
  beginTermination(group: SimAutoScalingGroup, instance: SimAsgInstance, cause: string, withHooks = true): void {
    if (instance.lifecycleState.startsWith('Terminating') || instance.lifecycleState === 'Terminated') return;
    cancelActions(this, instance);
    instance.cause = cause;
    instance.lifecycleState = 'Terminating';
    if (withHooks && startLifecycleActions(this, group, instance, 'autoscaling:EC2_INSTANCE_TERMINATING')) {
      instance.lifecycleState = 'Terminating:Wait';
      return;
    }
    this.proceedTermination(group, instance);
  }

  /** Terminating:Proceed: EC2 shuts the instance down; whatever still runs on it dies abruptly. */
  private proceedTermination(group: SimAutoScalingGroup, instance: SimAsgInstance): void {
    instance.lifecycleState = 'Terminating:Proceed';
    this.kernel.clock.cancel(instance.timer);
    if (!instance.running) {
      this.finishTermination(group, instance);
      return;
    }
    instance.timer = this.kernel.clock.after(
      seconds(AUTOSCALING_TIMINGS.shutdownStartSeconds),
      `ec2 shutdown ${instance.id}`,
      () => {
        instance.running = false;
        if (group.cluster) this.hosts.instanceLost(instance.id);
        instance.timer = this.kernel.clock.after(
          seconds(this.rng.jitter(AUTOSCALING_TIMINGS.shutdownSeconds, 0.2)),
          `ec2 terminated ${instance.id}`,
          () => this.finishTermination(group, instance),
        );
      },
    );
  }

  private finishTermination(group: SimAutoScalingGroup, instance: SimAsgInstance): void {
    if (instance.lifecycleState === 'Terminated') return;
    this.kernel.clock.cancel(instance.timer);
    instance.timer = undefined;
    instance.running = false;
    if (group.cluster) this.hosts.instanceLost(instance.id);
    instance.lifecycleState = 'Terminated';
    this.kernel.emit(
      this.region,
      'aws.autoscaling',
      'EC2 Instance Terminate Successful',
      this.activityDetail(group, instance, 'Terminating', 'AutoScalingGroup', 'EC2'),
      [group.arn],
    );
    this.kernel.note(this.region, 'instance-terminated', `${instance.id} of ${group.name} terminated`);
    group.instances.delete(instance.id);
    this.reconcileSoon(group);
  }

  private activityDetail(
    group: SimAutoScalingGroup,
    instance: SimAsgInstance,
    verb: string,
    origin: string,
    destination: string,
  ): Record<string, unknown> {
    const now = new Date(this.kernel.now()).toISOString();
    return {
      Origin: origin,
      Destination: destination,
      Description: `${verb} EC2 instance: ${instance.id}`,
      AutoScalingGroupName: group.name,
      ActivityId: uuidOf(this.rng),
      Details: { 'Availability Zone': instance.az, 'Subnet ID': `subnet-${instance.az.replace(/[^a-z0-9]/g, '')}` },
      RequestId: uuidOf(this.rng),
      StatusCode: 'InProgress',
      StatusMessage: '',
      Cause: `At ${now} ${instance.cause ?? 'an instance was started in response to a difference between desired and actual capacity'}.`,
      StartTime: new Date(instance.launchedAt).toISOString(),
      EndTime: now,
      EC2InstanceId: instance.id,
    };
  }

  instanceArn(instanceId: string): string {
    return this.kernel.arn('ec2', this.region, `instance/${instanceId}`);
  }
}
