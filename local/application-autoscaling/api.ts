import type { OperationContext, ServiceDefinition } from '../core/service.ts';
import type { ApplicationAutoScalingRegion } from './model.ts';

/**
 * Application Auto Scaling's API (awsJson1_1, X-Amz-Target AnyScaleFrontendService.*), over the region's
 * simulated scalable targets. IAM: the mutating actions on an existing target name its scalable-target
 * ARN; the Describe actions, and registering a new target, are not resource-scoped ('*'), as with AWS.
 */

const aas = (ctx: OperationContext<ApplicationAutoScalingRegion>): ApplicationAutoScalingRegion => ctx.model;

/** The scalable target's ARN when it exists, else '*'. */
function targetArn(input: { ResourceId?: string }, ctx: OperationContext<ApplicationAutoScalingRegion>): string[] {
  const target = input.ResourceId ? aas(ctx).target(input.ResourceId) : undefined;
  return [target?.ScalableTargetARN ?? '*'];
}

export const applicationAutoScalingService: ServiceDefinition<ApplicationAutoScalingRegion> = {
  signingName: 'application-autoscaling',
  iamPrefix: 'application-autoscaling',
  protocol: 'awsJson1_1',
  targetPrefix: 'AnyScaleFrontendService',
  operations: {
    DescribeScalableTargets: (input, ctx) => aas(ctx).describeScalableTargets(input),
    RegisterScalableTarget: {
      handler: (input, ctx) => aas(ctx).registerScalableTarget(input, ctx.caller.name),
      resources: targetArn,
    },
    DeregisterScalableTarget: {
      handler: (input, ctx) => aas(ctx).deregisterScalableTarget(input),
      resources: targetArn,
    },
    DescribeScalingPolicies: (input, ctx) => aas(ctx).describeScalingPolicies(input),
    PutScalingPolicy: {
      handler: (input, ctx) => aas(ctx).putScalingPolicy(input, ctx.caller.name),
      resources: targetArn,
    },
    DeleteScalingPolicy: { handler: (input, ctx) => aas(ctx).deleteScalingPolicy(input), resources: targetArn },
    DescribeScheduledActions: (input, ctx) => aas(ctx).describeScheduledActions(input),
    PutScheduledAction: {
      handler: (input, ctx) => aas(ctx).putScheduledAction(input, ctx.caller.name),
      resources: targetArn,
    },
    DeleteScheduledAction: { handler: (input, ctx) => aas(ctx).deleteScheduledAction(input), resources: targetArn },
    DescribeScalingActivities: (input, ctx) => aas(ctx).describeScalingActivities(input),
  },
};
