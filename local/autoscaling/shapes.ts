import { globalTimeoutSeconds, type LifecycleHook } from './hooks.ts';
import type { SimAsgInstance, SimAutoScalingGroup } from './model.ts';
import type { InstanceRefresh } from './refresh.ts';

/** The EC2 Auto Scaling API's view of the simulated state, shaped like the SDK v3 output types. */

const launchTemplate = (group: SimAutoScalingGroup, version: number) => ({
  LaunchTemplateId: `lt-${group.arn.slice(-17).replace(/[^0-9a-f]/g, '0')}`,
  LaunchTemplateName: `${group.name}-lt`,
  Version: String(version),
});

export function toGroup(group: SimAutoScalingGroup): Record<string, unknown> {
  return {
    AutoScalingGroupName: group.name,
    AutoScalingGroupARN: group.arn,
    LaunchTemplate: launchTemplate(group, group.launchTemplateVersion),
    MinSize: group.minSize,
    MaxSize: group.maxSize,
    DesiredCapacity: group.desiredCapacity,
    DefaultCooldown: 300,
    AvailabilityZones: [...group.spec.availabilityZones],
    LoadBalancerNames: [],
    TargetGroupARNs: [],
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 300,
    Instances: [...group.instances.values()]
      .filter((i) => i.lifecycleState !== 'Terminated')
      .map((i) => ({
        InstanceId: i.id,
        InstanceType: i.instanceType,
        AvailabilityZone: i.az,
        LifecycleState: i.lifecycleState,
        HealthStatus: i.healthStatus,
        LaunchTemplate: launchTemplate(group, i.launchTemplateVersion),
        ProtectedFromScaleIn: i.protectedFromScaleIn,
      })),
    CreatedTime: new Date(group.createdAt),
    SuspendedProcesses: [],
    VPCZoneIdentifier: group.spec.availabilityZones.map((az) => `subnet-${az.replace(/[^a-z0-9]/g, '')}`).join(','),
    EnabledMetrics: [],
    Tags: Object.entries(group.spec.tags ?? {}).map(([Key, Value]) => ({
      ResourceId: group.name,
      ResourceType: 'auto-scaling-group',
      Key,
      Value,
      PropagateAtLaunch: true,
    })),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${group.arn.split(':')[4]}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    CapacityRebalance: group.spec.capacityRebalance ?? false,
    InstanceLifecyclePolicy: {
      RetentionTriggers: { TerminateHookAbandon: group.retainOnTerminateHookAbandon ? 'retain' : 'terminate' },
    },
  };
}

export function toInstanceDetails(group: SimAutoScalingGroup, i: SimAsgInstance): Record<string, unknown> {
  return {
    InstanceId: i.id,
    InstanceType: i.instanceType,
    AutoScalingGroupName: group.name,
    AvailabilityZone: i.az,
    LifecycleState: i.lifecycleState,
    // DescribeAutoScalingInstances spells health in capitals, unlike DescribeAutoScalingGroups.
    HealthStatus: i.healthStatus === 'Healthy' ? 'HEALTHY' : 'UNHEALTHY',
    LaunchTemplate: launchTemplate(group, i.launchTemplateVersion),
    ProtectedFromScaleIn: i.protectedFromScaleIn,
  };
}

export function toHook(hook: LifecycleHook): Record<string, unknown> {
  return {
    LifecycleHookName: hook.name,
    AutoScalingGroupName: hook.groupName,
    LifecycleTransition: hook.transition,
    ...(hook.notificationTargetArn !== undefined ? { NotificationTargetARN: hook.notificationTargetArn } : {}),
    ...(hook.roleArn !== undefined ? { RoleARN: hook.roleArn } : {}),
    ...(hook.notificationMetadata !== undefined ? { NotificationMetadata: hook.notificationMetadata } : {}),
    HeartbeatTimeout: hook.heartbeatTimeout,
    GlobalTimeout: globalTimeoutSeconds(hook.heartbeatTimeout),
    DefaultResult: hook.defaultResult,
  };
}

export function toRefresh(refresh: InstanceRefresh): Record<string, unknown> {
  return {
    InstanceRefreshId: refresh.id,
    AutoScalingGroupName: refresh.groupName,
    Status: refresh.status,
    ...(refresh.statusReason !== undefined ? { StatusReason: refresh.statusReason } : {}),
    StartTime: new Date(refresh.startTime),
    ...(refresh.endTime !== undefined ? { EndTime: new Date(refresh.endTime) } : {}),
    PercentageComplete: refresh.percentageComplete,
    InstancesToUpdate: refresh.instancesToUpdate,
    Preferences: {
      MinHealthyPercentage: refresh.minHealthyPercentage,
      MaxHealthyPercentage: refresh.maxHealthyPercentage,
      InstanceWarmup: refresh.instanceWarmupSeconds,
      SkipMatching: false,
    },
    Strategy: 'Rolling',
  };
}
