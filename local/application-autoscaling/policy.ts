import type { AlarmDefinition } from '../cloudwatch/alarm.ts';
import type { Dimension, Statistic } from '../cloudwatch/metrics.ts';
import { AwsError } from '../core/aws-error.ts';

/**
 * Target tracking as Application Auto Scaling builds it for an ECS service: two alarms per policy,
 * AlarmHigh (3 of 3 one-minute periods above the target) and AlarmLow (15 of 15 below 90 % of it, left out
 * when scale-in is disabled), and a new capacity proportional to metric / target.
 */

export interface TargetTrackingConfiguration {
  TargetValue: number;
  PredefinedMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
  CustomizedMetricSpecification?: {
    MetricName: string;
    Namespace: string;
    Dimensions?: Dimension[];
    Statistic: string;
    Unit?: string;
  };
  ScaleOutCooldown?: number;
  ScaleInCooldown?: number;
  DisableScaleIn?: boolean;
}

export interface ScalingPolicy {
  readonly PolicyARN: string;
  readonly PolicyName: string;
  readonly ServiceNamespace: string;
  readonly ResourceId: string;
  readonly ScalableDimension: string;
  readonly PolicyType: 'TargetTrackingScaling';
  config: TargetTrackingConfiguration;
  Alarms: Array<{ AlarmName: string; AlarmARN: string }>;
  readonly CreationTime: Date;
  /** Uuid that names the policy's alarms. */
  readonly alarmId: string;
  lastScaleOutAt?: number;
  lastScaleInAt?: number;
  lastNotScaled?: string;
}

/** Default cooldowns of ECS target tracking (Application Auto Scaling User Guide). */
export const DEFAULT_COOLDOWN_SECONDS = 300;
/** AlarmLow's threshold, as a fraction of the target value. */
export const SCALE_IN_THRESHOLD = 0.9;

interface WatchedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Dimension[];
  readonly statistic: Statistic;
}

/** The metric a target-tracking configuration watches for the ECS service `service/CLUSTER/SERVICE`. */
export function trackedMetric(config: TargetTrackingConfiguration, resourceId: string): WatchedMetric {
  const [, cluster = '', service = ''] = resourceId.split('/');
  const dimensions = [
    { Name: 'ClusterName', Value: cluster },
    { Name: 'ServiceName', Value: service },
  ];
  const predefined = config.PredefinedMetricSpecification;
  if (predefined) {
    if (predefined.PredefinedMetricType === 'ECSServiceAverageCPUUtilization') {
      return { namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions, statistic: 'Average' };
    }
    if (predefined.PredefinedMetricType === 'ECSServiceAverageMemoryUtilization') {
      return { namespace: 'AWS/ECS', metricName: 'MemoryUtilization', dimensions, statistic: 'Average' };
    }
    throw new AwsError(
      'ValidationException',
      `Unsupported predefined metric type for the local cloud: ${predefined.PredefinedMetricType}. Use ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization or a customized metric.`,
    );
  }
  const custom = config.CustomizedMetricSpecification;
  if (!custom) {
    throw new AwsError(
      'ValidationException',
      'Either PredefinedMetricSpecification or CustomizedMetricSpecification must be specified.',
    );
  }
  return {
    namespace: custom.Namespace,
    metricName: custom.MetricName,
    dimensions: custom.Dimensions ?? [],
    statistic: custom.Statistic as Statistic,
  };
}

/** AlarmHigh and (unless scale-in is disabled) AlarmLow, named and shaped like AWS's. */
export function trackingAlarms(policy: ScalingPolicy): AlarmDefinition[] {
  const metric = trackedMetric(policy.config, policy.ResourceId);
  const base = {
    AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${policy.PolicyARN}.`,
    ActionsEnabled: true,
    AlarmActions: [policy.PolicyARN],
    OKActions: [],
    InsufficientDataActions: [],
    Namespace: metric.namespace,
    MetricName: metric.metricName,
    Dimensions: metric.dimensions,
    Statistic: metric.statistic,
    Period: 60,
  };
  const high: AlarmDefinition = {
    ...base,
    AlarmName: `TargetTracking-${policy.ResourceId}-AlarmHigh-${policy.alarmId}`,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 3,
    Threshold: policy.config.TargetValue,
    ComparisonOperator: 'GreaterThanThreshold',
  };
  if (policy.config.DisableScaleIn) return [high];
  const low: AlarmDefinition = {
    ...base,
    AlarmName: `TargetTracking-${policy.ResourceId}-AlarmLow-${policy.alarmId}`,
    EvaluationPeriods: 15,
    DatapointsToAlarm: 15,
    Threshold: Math.round(policy.config.TargetValue * SCALE_IN_THRESHOLD * 1000) / 1000,
    ComparisonOperator: 'LessThanThreshold',
  };
  return [high, low];
}

/** The capacity target tracking asks for: proportional to metric / target, clamped into [min, max]. */
export function trackedCapacity(current: number, metric: number, target: number, min: number, max: number): number {
  const wanted = current === 0 ? (metric > target ? 1 : 0) : Math.ceil((current * metric) / target - 1e-9);
  return Math.min(max, Math.max(min, wanted));
}
