import type { EventPattern } from 'aws-cdk-lib/aws-events';
import * as z from './zod.ts';

/**
 * EC2 Auto Scaling lifecycle actions, as EventBridge delivers them (`source: aws.autoscaling`), and the flat
 * hook notification that SNS/SQS targets carry instead (accepted as the workflow's input as it is). The first
 * message of an SNS/SQS hook target is `autoscaling:TEST_NOTIFICATION`: it is recognised and skipped.
 * Samples: events/samples/lifecycle-terminate.json, lifecycle-launch.json, test-notification.json.
 */
export const AUTOSCALING_SOURCE = 'aws.autoscaling';
export const TERMINATE_DETAIL_TYPE = 'EC2 Instance-terminate Lifecycle Action';
export const LAUNCH_DETAIL_TYPE = 'EC2 Instance-launch Lifecycle Action';
export const TERMINATING = 'autoscaling:EC2_INSTANCE_TERMINATING';
export const LAUNCHING = 'autoscaling:EC2_INSTANCE_LAUNCHING';
export const TEST_NOTIFICATION = 'autoscaling:TEST_NOTIFICATION';

/** The places a lifecycle event's `Origin` and `Destination` name (warm pools, Auto Scaling User Guide). */
export const WARM_POOL_PLACES = ['EC2', 'AutoScalingGroup', 'WarmPool'] as const;

/** An EC2 instance id: `i-` and 8 or 17 hexadecimal digits. */
export const InstanceId = z.string().check(
  z.regex(/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, {
    message: "must be an EC2 instance id such as 'i-0123456789abcdef0'",
  }),
);

/** A string that is not empty. */
const text = z.string().check(z.minLength(1));

export const LifecycleActionDetail = z.looseObject({
  /**
   * Optional here although AWS always sends it: CompleteLifecycleAction and heartbeats also work by instance
   * id, so an event that lost its token can still be drained rather than left to the hook's DefaultResult.
   */
  LifecycleActionToken: z.optional(text),
  AutoScalingGroupName: text,
  LifecycleHookName: text,
  EC2InstanceId: InstanceId,
  LifecycleTransition: z.enum([TERMINATING, LAUNCHING]),
  NotificationMetadata: z.optional(z.string()),
  /** Warm pools: where the instance comes from and goes to (`EC2`, `AutoScalingGroup`, `WarmPool`). */
  Origin: z.optional(z.enum(WARM_POOL_PLACES)),
  Destination: z.optional(z.enum(WARM_POOL_PLACES)),
});

export const LifecycleActionEvent = z.looseObject({
  version: z.optional(z.string()),
  id: text,
  'detail-type': z.enum([TERMINATE_DETAIL_TYPE, LAUNCH_DETAIL_TYPE]),
  source: z.literal(AUTOSCALING_SOURCE),
  account: z.optional(z.string()),
  time: text,
  region: text,
  resources: z._default(z.array(z.string()), []),
  detail: LifecycleActionDetail,
});
export type LifecycleActionEvent = z.output<typeof LifecycleActionEvent>;

/** The flat lifecycle hook notification of SNS/SQS targets (and its test message). */
export const HookNotification = z.looseObject({
  Service: z.optional(z.string()),
  Time: text,
  RequestId: text,
  AutoScalingGroupName: text,
  LifecycleHookName: text,
  LifecycleActionToken: text,
  EC2InstanceId: InstanceId,
  LifecycleTransition: z.enum([TERMINATING, LAUNCHING]),
  NotificationMetadata: z.optional(z.string()),
});
export type HookNotification = z.output<typeof HookNotification>;

export const TestNotification = z.looseObject({
  Event: z.literal(TEST_NOTIFICATION),
  AutoScalingGroupName: z.optional(z.string()),
  RequestId: z.optional(z.string()),
  Time: z.optional(z.string()),
});

/**
 * Terminate lifecycle actions of the given groups, for the given hook names (Ballast answers only its own
 * hooks; ECS managed draining's `ecs-managed-draining-termination-hook` is never in the list).
 * Scale-in, instance refresh, AZ rebalance, health replacement and max instance lifetime all arrive here.
 */
export function terminateLifecycleActionPattern(
  groupNames: readonly string[],
  hookNames: readonly string[],
): EventPattern {
  return lifecyclePattern(TERMINATE_DETAIL_TYPE, TERMINATING, groupNames, hookNames);
}

/** Launch lifecycle actions of the given groups and launch hook names. */
export function launchLifecycleActionPattern(
  groupNames: readonly string[],
  hookNames: readonly string[],
): EventPattern {
  return lifecyclePattern(LAUNCH_DETAIL_TYPE, LAUNCHING, groupNames, hookNames);
}

/**
 * Terminate lifecycle actions of any group, for the given hook names: groups opted in by tag rather than by
 * configuration. The resolve step checks the group's tag before it touches anything.
 */
export function taggedGroupsTerminatePattern(hookNames: readonly string[]): EventPattern {
  return {
    source: [AUTOSCALING_SOURCE],
    detailType: [TERMINATE_DETAIL_TYPE],
    detail: { LifecycleTransition: [TERMINATING], LifecycleHookName: unique(hookNames) },
  };
}

function lifecyclePattern(
  detailType: string,
  transition: string,
  groupNames: readonly string[],
  hookNames: readonly string[],
): EventPattern {
  if (groupNames.length === 0) throw new Error('A lifecycle action pattern needs at least one group name');
  if (hookNames.length === 0) throw new Error('A lifecycle action pattern needs at least one hook name');
  return {
    source: [AUTOSCALING_SOURCE],
    detailType: [detailType],
    detail: {
      LifecycleTransition: [transition],
      AutoScalingGroupName: unique(groupNames),
      LifecycleHookName: unique(hookNames),
    },
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
