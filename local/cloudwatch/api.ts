import * as cloudWatchModel from '@aws-sdk/client-cloudwatch';
import type { OperationContext, ServiceDefinition } from '../core/service.ts';
import type { CloudWatchRegion } from './model.ts';

/**
 * CloudWatch's API (awsQuery, 2010-08-01) over the region's simulated metrics and alarms. While the
 * region's CloudWatch is impaired, PutMetricData (and the alarm writes) fail with a 500.
 */

const cw = (ctx: OperationContext<CloudWatchRegion>): CloudWatchRegion => ctx.model;

/** Alarm ARNs named by the input, for IAM's resource-level checks on alarm actions. */
function alarmArns(
  input: { AlarmName?: string; AlarmNames?: string[] },
  ctx: OperationContext<CloudWatchRegion>,
): string[] {
  const names = input.AlarmNames ?? (input.AlarmName ? [input.AlarmName] : []);
  return names.length > 0 ? names.map((n) => ctx.kernel.arn('cloudwatch', ctx.region, `alarm:${n}`)) : ['*'];
}

export const cloudWatchService: ServiceDefinition<CloudWatchRegion> = {
  signingName: 'monitoring',
  iamPrefix: 'cloudwatch',
  protocol: 'awsQuery',
  schemas: cloudWatchModel,
  xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
  operations: {
    // DescribeAlarms authorizes against the alarms it names (IAM resource type `alarm`).
    DescribeAlarms: { handler: (input, ctx) => cw(ctx).describeAlarms(input), resources: alarmArns },
    PutMetricData: {
      handler: (input, ctx) => cw(ctx).putMetricData(input),
      conditionKeys: (input: { Namespace?: string }): Record<string, string> =>
        input.Namespace ? { 'cloudwatch:namespace': input.Namespace } : {},
    },
    GetMetricData: (input, ctx) => cw(ctx).getMetricData(input),
    PutMetricAlarm: { handler: (input, ctx) => cw(ctx).putMetricAlarm(input), resources: alarmArns },
    DeleteAlarms: { handler: (input, ctx) => cw(ctx).deleteAlarms(input), resources: alarmArns },
    SetAlarmState: { handler: (input, ctx) => cw(ctx).setAlarmState(input), resources: alarmArns },
  },
};
