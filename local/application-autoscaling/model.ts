import type { Alarm, AlarmDefinition } from '../cloudwatch/alarm.ts';
import type { AlarmActionHandler } from '../cloudwatch/model.ts';
import { AwsError } from '../core/aws-error.ts';
import type { Kernel } from '../core/kernel.ts';
import type { Rng } from '../core/rng.ts';
import {
  compare,
  ECS_DIMENSION,
  invalid,
  noSuspension,
  pageOf,
  type ScalableTarget,
  type ScalingActivity,
  type SuspendedState,
  shortName,
  uuid,
} from './common.ts';
import {
  DEFAULT_COOLDOWN_SECONDS,
  type ScalingPolicy,
  type TargetTrackingConfiguration,
  trackedCapacity,
  trackedMetric,
  trackingAlarms,
} from './policy.ts';
import { type ScheduledAction, type ScheduledActionInput, ScheduledActions } from './scheduled.ts';

/**
 * The narrow views of the neighbours Application Auto Scaling acts through: the ECS services it scales
 * (their desired count) and the CloudWatch alarms its target-tracking policies own.
 */
export interface ScalableServices {
  getService(cluster: string, service: string): { readonly desiredCount: number } | undefined;
  setDesiredCount(cluster: string, service: string, count: number, cause: string): void;
}

export interface ScalingAlarms {
  /** Starts publishing the service's metrics (ECS does this for every service in AWS). */
  watchEcsService(cluster: string, service: string): void;
  putAlarm(definition: AlarmDefinition): Alarm;
  deleteAlarm(name: string): boolean;
  alarm(name: string): Alarm | undefined;
  latestValue(alarmName: string): number | undefined;
  onAlarmAction(actionArn: string, handler: AlarmActionHandler): void;
  offAlarmAction(actionArn: string): void;
}

export { ECS_DIMENSION, type ScalableTarget, type ScalingActivity, type SuspendedState } from './common.ts';
export type { ScheduledAction } from './scheduled.ts';

/**
 * Application Auto Scaling in one region, for ECS services: scalable targets (with the clamp trap: every
 * RegisterScalableTarget moves the desired count into [min, max]), target-tracking policies driven by
 * CloudWatch alarms (no data, no scaling), suspension, scheduled actions (time-based, so they keep working
 * when CloudWatch is impaired; missed runs are not replayed) and the scaling activity record.
 */

/** Activities kept per target (AWS keeps six weeks; a scenario needs far fewer). */
const ACTIVITIES_KEPT = 200;

export class ApplicationAutoScalingRegion {
  private readonly targets = new Map<string, ScalableTarget>();
  private readonly policies = new Map<string, ScalingPolicy>();
  private readonly scheduled: ScheduledActions;
  private readonly activities = new Map<string, ScalingActivity[]>();
  private readonly rng: Rng;

  constructor(
    readonly kernel: Kernel,
    readonly region: string,
    private readonly services: ScalableServices,
    private readonly alarms: ScalingAlarms,
  ) {
    this.rng = kernel.rng.fork(`application-autoscaling:${region}`);
    this.scheduled = new ScheduledActions(
      {
        kernel,
        region,
        target: (resourceId) => this.targets.get(resourceId),
        applyBounds: (target, min, max, name) => this.applyBounds(target, min, max, name),
      },
      this.rng.fork('scheduled-actions'),
    );
  }

  // ---- Reads used by scenarios and the operations ----------------------------------------------------

  target(resourceId: string): ScalableTarget | undefined {
    return this.targets.get(resourceId);
  }

  allTargets(): ScalableTarget[] {
    return [...this.targets.values()].sort((a, b) => compare(a.ResourceId, b.ResourceId));
  }

  policiesOf(resourceId?: string): ScalingPolicy[] {
    return [...this.policies.values()]
      .filter((p) => resourceId === undefined || p.ResourceId === resourceId)
      .sort((a, b) => compare(a.ResourceId, b.ResourceId) || compare(a.PolicyName, b.PolicyName));
  }

  scheduledActionsOf(resourceId?: string): ScheduledAction[] {
    return this.scheduled.of(resourceId);
  }

  /** Newest first, like DescribeScalingActivities. */
  activitiesOf(resourceId?: string): ScalingActivity[] {
    const lists = resourceId === undefined ? [...this.activities.values()] : [this.activities.get(resourceId) ?? []];
    return lists.flat().sort((a, b) => b.StartTime.getTime() - a.StartTime.getTime());
  }

  // ---- Scalable targets ----------------------------------------------------------------------------

  registerScalableTarget(
    input: {
      ServiceNamespace?: string;
      ResourceId?: string;
      ScalableDimension?: string;
      MinCapacity?: number;
      MaxCapacity?: number;
      RoleARN?: string;
      SuspendedState?: Partial<SuspendedState>;
    },
    /** The API caller's name; calls without one (builders, scenarios) never conflict. */
    caller?: string,
  ): { ScalableTargetARN: string } {
    const { resourceId, cluster, service } = this.parseTargetKey(input);
    const existing = this.targets.get(resourceId);
    if (input.MinCapacity !== undefined && (!Number.isInteger(input.MinCapacity) || input.MinCapacity < 0)) {
      throw invalid('MinCapacity must be a non-negative integer');
    }
    if (input.MaxCapacity !== undefined && (!Number.isInteger(input.MaxCapacity) || input.MaxCapacity < 0)) {
      throw invalid('MaxCapacity must be a non-negative integer');
    }
    if (!existing) {
      if (input.MinCapacity === undefined || input.MaxCapacity === undefined) {
        throw invalid('MinCapacity and MaxCapacity are required when registering a new scalable target');
      }
      if (!this.services.getService(cluster, service)) {
        throw invalid(`ECS service doesn't exist: ${resourceId}`);
      }
    }
    const min = input.MinCapacity ?? existing!.MinCapacity;
    const max = input.MaxCapacity ?? existing!.MaxCapacity;
    if (min > max) throw invalid(`Minimum capacity (${min}) cannot be greater than maximum capacity (${max})`);
    this.checkConcurrency(existing, caller);

    const suspended = { ...(existing?.SuspendedState ?? noSuspension()), ...definedOnly(input.SuspendedState ?? {}) };
    const target: ScalableTarget = existing ?? {
      ServiceNamespace: 'ecs',
      ResourceId: resourceId,
      ScalableDimension: ECS_DIMENSION,
      MinCapacity: min,
      MaxCapacity: max,
      RoleARN:
        input.RoleARN ??
        `arn:aws:iam::${this.kernel.accountId}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      CreationTime: this.kernel.clock.date(),
      SuspendedState: suspended,
      ScalableTargetARN: this.kernel.arn('application-autoscaling', this.region, `scalable-target/${this.rng.hex(36)}`),
      cluster,
      service,
    };
    const before = existing ? { ...existing.SuspendedState } : noSuspension();
    target.MinCapacity = min;
    target.MaxCapacity = max;
    if (input.RoleARN !== undefined) target.RoleARN = input.RoleARN;
    target.SuspendedState = suspended;
    if (caller !== undefined) target.lastMutation = { at: this.kernel.now(), caller };
    this.targets.set(resourceId, target);
    this.alarms.watchEcsService(cluster, service);
    this.noteSuspension(target, before);
    // The clamp trap: any registration moves the current capacity into [min, max].
    this.clamp(target);
    // Resumed dynamic scaling: policies whose alarms are in breach fire at once.
    const resumed =
      (before.DynamicScalingOutSuspended && !suspended.DynamicScalingOutSuspended) ||
      (before.DynamicScalingInSuspended && !suspended.DynamicScalingInSuspended);
    if (resumed) this.fireBreachingPolicies(target);
    return { ScalableTargetARN: target.ScalableTargetARN };
  }

  deregisterScalableTarget(input: { ServiceNamespace?: string; ResourceId?: string; ScalableDimension?: string }) {
    const target = this.requireTarget(input);
    for (const policy of this.policiesOf(target.ResourceId)) this.removePolicy(policy);
    this.scheduled.removeAll(target.ResourceId);
    this.targets.delete(target.ResourceId);
    return {};
  }

  describeScalableTargets(input: {
    ServiceNamespace?: string;
    ResourceIds?: string[];
    ScalableDimension?: string;
    MaxResults?: number;
    NextToken?: string;
  }) {
    this.checkNamespace(input.ServiceNamespace);
    if ((input.ResourceIds?.length ?? 0) > 50) throw invalid('ResourceIds must contain at most 50 items');
    const ids = input.ResourceIds?.length ? new Set(input.ResourceIds) : undefined;
    const all = this.allTargets().filter(
      (t) =>
        (!ids || ids.has(t.ResourceId)) &&
        (!input.ScalableDimension || t.ScalableDimension === input.ScalableDimension),
    );
    const page = pageOf(all, input.NextToken, input.MaxResults, 50, 'targets');
    return { ScalableTargets: page.items.map(describeTarget), NextToken: page.nextToken };
  }

  // ---- Policies ------------------------------------------------------------------------------------

  putScalingPolicy(
    input: {
      PolicyName?: string;
      ServiceNamespace?: string;
      ResourceId?: string;
      ScalableDimension?: string;
      PolicyType?: string;
      TargetTrackingScalingPolicyConfiguration?: TargetTrackingConfiguration;
    },
    /** The API caller's name; calls without one (builders, scenarios) never conflict. */
    caller?: string,
  ) {
    const name = input.PolicyName;
    if (!name || name.length > 256 || /[:/|]/.test(name)) {
      throw invalid('PolicyName must be 1-256 characters without : / or |');
    }
    const target = this.requireTarget(input);
    const type = input.PolicyType ?? 'StepScaling';
    if (type !== 'TargetTrackingScaling') {
      throw invalid(`The local cloud models TargetTrackingScaling policies only, not ${type}`);
    }
    const config = input.TargetTrackingScalingPolicyConfiguration;
    if (!config || typeof config.TargetValue !== 'number') {
      throw invalid(
        'TargetTrackingScalingPolicyConfiguration with a TargetValue is required for TargetTrackingScaling',
      );
    }
    if (config.TargetValue <= 0) throw invalid('TargetValue must be greater than 0');
    trackedMetric(config, target.ResourceId);
    this.checkConcurrency(target, caller);
    if (caller !== undefined) target.lastMutation = { at: this.kernel.now(), caller };
    const key = `${target.ResourceId}|${name}`;
    const existing = this.policies.get(key);
    const cw = this.alarms;
    if (existing) for (const alarm of existing.Alarms) cw.deleteAlarm(alarm.AlarmName);
    const id = existing?.alarmId ?? uuid(this.rng);
    const policy: ScalingPolicy = existing ?? {
      PolicyARN: this.kernel.arn(
        'autoscaling',
        this.region,
        `scalingPolicy:${id}:resource/ecs/${target.ResourceId}:policyName/${name}`,
      ),
      PolicyName: name,
      ServiceNamespace: 'ecs',
      ResourceId: target.ResourceId,
      ScalableDimension: ECS_DIMENSION,
      PolicyType: 'TargetTrackingScaling',
      config,
      Alarms: [],
      CreationTime: this.kernel.clock.date(),
      alarmId: id,
    };
    policy.config = { ...config };
    policy.Alarms = trackingAlarms(policy).map((definition) => {
      const alarm = cw.putAlarm(definition);
      return { AlarmName: alarm.AlarmName, AlarmARN: alarm.AlarmArn };
    });
    cw.onAlarmAction(policy.PolicyARN, (alarm, latest) => this.onAlarm(policy, alarm, latest));
    this.policies.set(key, policy);
    return { PolicyARN: policy.PolicyARN, Alarms: policy.Alarms.map((a) => ({ ...a })) };
  }

  deleteScalingPolicy(input: {
    PolicyName?: string;
    ServiceNamespace?: string;
    ResourceId?: string;
    ScalableDimension?: string;
  }) {
    const target = this.requireTarget(input);
    const policy = this.policies.get(`${target.ResourceId}|${input.PolicyName}`);
    if (!policy) {
      throw new AwsError(
        'ObjectNotFoundException',
        `No scaling policy found for service namespace: ecs, resource ID: ${target.ResourceId}, scalable dimension: ${ECS_DIMENSION}, policy name: ${input.PolicyName}`,
      );
    }
    this.removePolicy(policy);
    return {};
  }

  describeScalingPolicies(input: {
    ServiceNamespace?: string;
    PolicyNames?: string[];
    ResourceId?: string;
    ScalableDimension?: string;
    MaxResults?: number;
    NextToken?: string;
  }) {
    this.checkNamespace(input.ServiceNamespace);
    const names = input.PolicyNames?.length ? new Set(input.PolicyNames) : undefined;
    const all = this.policiesOf(input.ResourceId).filter((p) => !names || names.has(p.PolicyName));
    const page = pageOf(all, input.NextToken, input.MaxResults, 10, 'policies');
    return {
      ScalingPolicies: page.items.map((p) => ({
        PolicyARN: p.PolicyARN,
        PolicyName: p.PolicyName,
        ServiceNamespace: p.ServiceNamespace,
        ResourceId: p.ResourceId,
        ScalableDimension: p.ScalableDimension,
        PolicyType: p.PolicyType,
        TargetTrackingScalingPolicyConfiguration: structuredClone(p.config),
        Alarms: p.Alarms.map((a) => ({ ...a })),
        CreationTime: p.CreationTime,
      })),
      NextToken: page.nextToken,
    };
  }

  private removePolicy(policy: ScalingPolicy): void {
    const cw = this.alarms;
    for (const alarm of policy.Alarms) cw.deleteAlarm(alarm.AlarmName);
    cw.offAlarmAction(policy.PolicyARN);
    this.policies.delete(`${policy.ResourceId}|${policy.PolicyName}`);
  }

  /** CloudWatch runs this every minute while one of the policy's alarms is in ALARM. */
  private onAlarm(policy: ScalingPolicy, alarm: Alarm, latest: number | undefined): void {
    const target = this.targets.get(policy.ResourceId);
    if (!target || this.kernel.isRegionDown(this.region) || latest === undefined) return;
    const svc = this.services.getService(target.cluster, target.service);
    if (!svc) return;
    const scaleOut = alarm.ComparisonOperator === 'GreaterThanThreshold';
    const suspended = scaleOut
      ? target.SuspendedState.DynamicScalingOutSuspended
      : target.SuspendedState.DynamicScalingInSuspended;
    if (suspended) return;
    const now = this.kernel.now();
    const outCooldown = (policy.config.ScaleOutCooldown ?? DEFAULT_COOLDOWN_SECONDS) * 1000;
    const inCooldown = (policy.config.ScaleInCooldown ?? DEFAULT_COOLDOWN_SECONDS) * 1000;
    const current = svc.desiredCount;
    const wanted = trackedCapacity(current, latest, policy.config.TargetValue, target.MinCapacity, target.MaxCapacity);
    if (scaleOut) {
      if (policy.lastScaleOutAt !== undefined && now - policy.lastScaleOutAt < outCooldown) return;
      if (wanted <= current) {
        this.notScaled(policy, target, current, current >= target.MaxCapacity);
        return;
      }
      policy.lastScaleOutAt = now;
    } else {
      if (policy.config.DisableScaleIn) return;
      if (policy.lastScaleInAt !== undefined && now - policy.lastScaleInAt < inCooldown) return;
      if (policy.lastScaleOutAt !== undefined && now - policy.lastScaleOutAt < outCooldown) return;
      if (wanted >= current) {
        this.notScaled(policy, target, current, false);
        return;
      }
      policy.lastScaleInAt = now;
    }
    policy.lastNotScaled = undefined;
    this.setDesired(
      target,
      current,
      wanted,
      `monitor alarm ${alarm.AlarmName} in state ALARM triggered policy ${policy.PolicyName}`,
    );
  }

  private notScaled(policy: ScalingPolicy, target: ScalableTarget, current: number, atMax: boolean): void {
    const code = atMax ? 'AlreadyAtMaxCapacity' : current <= target.MinCapacity ? 'AlreadyAtMinCapacity' : undefined;
    if (!code || policy.lastNotScaled === code) return;
    policy.lastNotScaled = code;
    this.record(target, {
      Description: `Setting desired count to ${current}.`,
      Cause: `policy ${policy.PolicyName} did not scale`,
      StatusCode: 'Successful',
      StatusMessage: `Failed to set desired count: ${code}`,
      NotScaledReasons: [
        { Code: code, MaxCapacity: target.MaxCapacity, MinCapacity: target.MinCapacity, CurrentCapacity: current },
      ],
    });
  }

  private fireBreachingPolicies(target: ScalableTarget): void {
    const cw = this.alarms;
    for (const policy of this.policiesOf(target.ResourceId)) {
      for (const ref of policy.Alarms) {
        const alarm = cw.alarm(ref.AlarmName);
        if (alarm?.StateValue === 'ALARM') this.onAlarm(policy, alarm, cw.latestValue(alarm.AlarmName));
      }
    }
  }

  // ---- Scheduled actions ---------------------------------------------------------------------------

  putScheduledAction(
    input: ScheduledActionInput & { ServiceNamespace?: string; ResourceId?: string; ScalableDimension?: string },
    /** The API caller's name; calls without one (builders, scenarios) never conflict. */
    caller?: string,
  ) {
    const target = this.requireTarget(input);
    this.checkConcurrency(target, caller);
    this.scheduled.put(target, input);
    return {};
  }

  deleteScheduledAction(input: {
    ServiceNamespace?: string;
    ScheduledActionName?: string;
    ResourceId?: string;
    ScalableDimension?: string;
  }) {
    this.scheduled.delete(this.requireTarget(input), input.ScheduledActionName);
    return {};
  }

  describeScheduledActions(input: {
    ServiceNamespace?: string;
    ScheduledActionNames?: string[];
    ResourceId?: string;
    ScalableDimension?: string;
    MaxResults?: number;
    NextToken?: string;
  }) {
    this.checkNamespace(input.ServiceNamespace);
    return this.scheduled.describe(input);
  }

  /** A scheduled action's run: new bounds, recorded, then capacity moved into them. */
  private applyBounds(target: ScalableTarget, min: number, max: number, actionName: string): void {
    target.MinCapacity = min;
    target.MaxCapacity = max;
    this.record(target, {
      Description: `Setting min capacity to ${min} and max capacity to ${max}`,
      Cause: `scheduled action name ${actionName} was triggered`,
      StatusCode: 'Successful',
      StatusMessage: 'Successfully set min capacity and max capacity',
    });
    this.kernel.note(
      this.region,
      'scaling',
      `${shortName(target)} min ${min} max ${max} (scheduled action ${actionName})`,
    );
    this.clamp(target);
  }

  // ---- Activities ----------------------------------------------------------------------------------

  describeScalingActivities(input: {
    ServiceNamespace?: string;
    ResourceId?: string;
    ScalableDimension?: string;
    MaxResults?: number;
    NextToken?: string;
    IncludeNotScaledActivities?: boolean;
  }) {
    this.checkNamespace(input.ServiceNamespace);
    const all = this.activitiesOf(input.ResourceId).filter(
      (a) => input.IncludeNotScaledActivities || !a.NotScaledReasons,
    );
    const page = pageOf(all, input.NextToken, input.MaxResults, 50, `activities:${input.ResourceId ?? ''}`);
    return { ScalingActivities: page.items.map((a) => structuredClone(a)), NextToken: page.nextToken };
  }

  private clamp(target: ScalableTarget): void {
    const svc = this.services.getService(target.cluster, target.service);
    if (!svc) return;
    const current = svc.desiredCount;
    if (current < target.MinCapacity) {
      this.setDesired(target, current, target.MinCapacity, `minimum capacity was set to ${target.MinCapacity}`);
    } else if (current > target.MaxCapacity) {
      this.setDesired(target, current, target.MaxCapacity, `maximum capacity was set to ${target.MaxCapacity}`);
    }
  }

  private setDesired(target: ScalableTarget, from: number, to: number, cause: string): void {
    const ecs = this.services;
    const description = `Setting desired count to ${to}.`;
    if (!ecs.getService(target.cluster, target.service)) {
      this.record(target, {
        Description: description,
        Cause: cause,
        StatusCode: 'Failed',
        StatusMessage: `Failed to set desired count to ${to}. Reason: ECS service not found: ${target.ResourceId}`,
      });
      return;
    }
    ecs.setDesiredCount(target.cluster, target.service, to, `application-autoscaling: ${cause}`);
    this.record(target, {
      Description: description,
      Cause: cause,
      StatusCode: 'Successful',
      StatusMessage: `Successfully set desired count to ${to}. Change successfully fulfilled by ecs.`,
    });
    this.kernel.note(this.region, 'scaling', `${shortName(target)} desired ${from} → ${to} (${shortCause(cause)})`);
  }

  private record(
    target: ScalableTarget,
    activity: Omit<
      ScalingActivity,
      'ActivityId' | 'ServiceNamespace' | 'ResourceId' | 'ScalableDimension' | 'StartTime' | 'EndTime'
    >,
  ): void {
    const now = this.kernel.clock.date();
    const list = this.activities.get(target.ResourceId) ?? [];
    list.unshift({
      ActivityId: uuid(this.rng),
      ServiceNamespace: 'ecs',
      ResourceId: target.ResourceId,
      ScalableDimension: target.ScalableDimension,
      StartTime: now,
      EndTime: now,
      ...activity,
    });
    if (list.length > ACTIVITIES_KEPT) list.length = ACTIVITIES_KEPT;
    this.activities.set(target.ResourceId, list);
  }

  private noteSuspension(target: ScalableTarget, before: SuspendedState): void {
    const after = target.SuspendedState;
    const keys = ['DynamicScalingInSuspended', 'DynamicScalingOutSuspended', 'ScheduledScalingSuspended'] as const;
    if (keys.every((k) => before[k] === after[k])) return;
    const label = {
      DynamicScalingInSuspended: 'scale-in',
      DynamicScalingOutSuspended: 'scale-out',
      ScheduledScalingSuspended: 'scheduled',
    };
    const held = keys.filter((k) => after[k]).map((k) => label[k]);
    this.kernel.note(
      this.region,
      'scaling',
      `${shortName(target)} suspended: ${held.length ? held.join(', ') : 'none'}`,
    );
  }

  // ---- Validation ----------------------------------------------------------------------------------

  private checkNamespace(namespace: string | undefined): void {
    if (!namespace) throw invalid('ServiceNamespace is required');
    if (namespace !== 'ecs') throw invalid(`The local cloud models ServiceNamespace ecs only, not ${namespace}`);
  }

  private parseTargetKey(input: { ServiceNamespace?: string; ResourceId?: string; ScalableDimension?: string }) {
    this.checkNamespace(input.ServiceNamespace);
    const resourceId = input.ResourceId;
    if (!resourceId) throw invalid('ResourceId is required');
    const match = /^service\/([^/]+)\/([^/]+)$/.exec(resourceId);
    if (!match) throw invalid(`Unsupported resource ID: ${resourceId} (expected service/CLUSTER/SERVICE)`);
    if (input.ScalableDimension !== ECS_DIMENSION) {
      throw invalid(`Unsupported scalable dimension: ${input.ScalableDimension} (ECS services scale ${ECS_DIMENSION})`);
    }
    return { resourceId, cluster: match[1]!, service: match[2]! };
  }

  private requireTarget(input: {
    ServiceNamespace?: string;
    ResourceId?: string;
    ScalableDimension?: string;
  }): ScalableTarget {
    const { resourceId } = this.parseTargetKey(input);
    const target = this.targets.get(resourceId);
    if (!target) {
      throw new AwsError(
        'ObjectNotFoundException',
        `No scalable target registered for service namespace: ecs, resource ID: ${resourceId}, scalable dimension: ${ECS_DIMENSION}`,
      );
    }
    return target;
  }

  /** Two callers changing one target at the same virtual instant: the second loses, as with AWS's locks. */
  private checkConcurrency(target: ScalableTarget | undefined, caller: string | undefined): void {
    const last = target?.lastMutation;
    if (caller !== undefined && last && last.at === this.kernel.now() && last.caller !== caller) {
      throw new AwsError('ConcurrentUpdateException', `Concurrent update on ${target!.ResourceId}; retry the request`);
    }
  }
}

function describeTarget(t: ScalableTarget) {
  return {
    ServiceNamespace: t.ServiceNamespace,
    ResourceId: t.ResourceId,
    ScalableDimension: t.ScalableDimension,
    MinCapacity: t.MinCapacity,
    MaxCapacity: t.MaxCapacity,
    RoleARN: t.RoleARN,
    CreationTime: t.CreationTime,
    SuspendedState: { ...t.SuspendedState },
    ScalableTargetARN: t.ScalableTargetARN,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function shortCause(cause: string): string {
  const alarm = /monitor alarm TargetTracking-\S+-(Alarm(?:High|Low))-/.exec(cause);
  if (alarm) return `target tracking ${alarm[1]}`;
  return cause;
}
