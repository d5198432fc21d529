import * as autoScalingModel from '@aws-sdk/client-auto-scaling';
import { LIMITS } from '../../config/limits.ts';
import { AwsError, required, validationError } from '../core/aws-error.ts';
import { type Page, paginate } from '../core/paginate.ts';
import type { OperationContext, ServiceDefinition } from '../core/service.ts';
import type { ActionRef, LifecycleTransition } from './hooks.ts';
import type { AutoScalingRegion } from './model.ts';
import { toGroup, toHook, toInstanceDetails, toRefresh } from './shapes.ts';

/**
 * EC2 Auto Scaling (awsQuery) over the simulated world. Inputs and outputs are the SDK v3 command shapes;
 * errors are AWS's ValidationError and friends, with AWS's messages where they are known.
 */

const asOf = (ctx: OperationContext<AutoScalingRegion>): AutoScalingRegion => ctx.model;

/** A list parameter: the query wire sends an empty list as ''. */
function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (value === undefined || value === '') return [];
  return [String(value)];
}

function page<T>(
  all: readonly T[],
  input: { NextToken?: string; MaxRecords?: number },
  listing: string,
  defaultMax = 50,
): Page<T> {
  try {
    return paginate(all, { token: input.NextToken, max: input.MaxRecords, defaultMax, limit: 100, listing });
  } catch (error) {
    if (error instanceof AwsError && input.NextToken !== undefined && error.message.includes('nextToken')) {
      throw new AwsError('InvalidNextToken', 'The token is invalid.');
    }
    if (error instanceof AwsError) throw validationError(`MaxRecords must be between 1 and 100`);
    throw error;
  }
}

/** The group ARN for IAM: the real one when the group exists, else a name-scoped pattern. */
function groupArn(ctx: OperationContext<AutoScalingRegion>, name: string | undefined): string[] {
  if (name === undefined) return ['*'];
  const group = asOf(ctx).group(String(name));
  return [group?.arn ?? ctx.kernel.arn('autoscaling', ctx.region, `autoScalingGroup:*:autoScalingGroupName/${name}`)];
}

const byGroupName = (input: { AutoScalingGroupName?: string }, ctx: OperationContext<AutoScalingRegion>) =>
  groupArn(ctx, input.AutoScalingGroupName);

type TagFilter = { Name?: string; Values?: unknown };

function matchesFilters(tags: Readonly<Record<string, string>>, filters: TagFilter[]): boolean {
  return filters.every((f) => {
    const values = list(f.Values);
    const name = String(f.Name ?? '');
    if (name === 'tag-key') return values.some((v) => v in tags);
    if (name === 'tag-value') return values.some((v) => Object.values(tags).includes(v));
    if (name.startsWith('tag:')) {
      const value = tags[name.slice(4)];
      return value !== undefined && values.includes(value);
    }
    throw validationError(`Filter ${name} is not supported`);
  });
}

function result(value: unknown): 'CONTINUE' | 'ABANDON' {
  if (value !== 'CONTINUE' && value !== 'ABANDON')
    throw validationError(`Valid values for LifecycleActionResult are CONTINUE and ABANDON`);
  return value;
}

export const autoScalingService: ServiceDefinition<AutoScalingRegion> = {
  signingName: 'autoscaling',
  iamPrefix: 'autoscaling',
  protocol: 'awsQuery',
  schemas: autoScalingModel,
  xmlNamespace: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
  operations: {
    DescribeAutoScalingGroups: (
      input: { AutoScalingGroupNames?: unknown; Filters?: TagFilter[] | ''; NextToken?: string; MaxRecords?: number },
      ctx,
    ) => {
      const names = list(input.AutoScalingGroupNames);
      const filters = Array.isArray(input.Filters) ? input.Filters : [];
      const groups = asOf(ctx)
        .groups()
        .filter((g) => names.length === 0 || names.includes(g.name))
        .filter((g) => matchesFilters(g.spec.tags ?? {}, filters));
      const p = page(groups, input, `groups:${names.join(',')}:${JSON.stringify(filters)}`);
      return { AutoScalingGroups: p.items.map(toGroup), ...(p.nextToken ? { NextToken: p.nextToken } : {}) };
    },

    DescribeAutoScalingInstances: (input: { InstanceIds?: unknown; NextToken?: string; MaxRecords?: number }, ctx) => {
      const ids = list(input.InstanceIds);
      const rows = asOf(ctx)
        .groups()
        .flatMap((g) =>
          [...g.instances.values()].filter((i) => i.lifecycleState !== 'Terminated').map((i) => ({ g, i })),
        )
        .filter(({ i }) => ids.length === 0 || ids.includes(i.id));
      const p = page(rows, input, `instances:${ids.join(',')}`);
      return {
        AutoScalingInstances: p.items.map(({ g, i }) => toInstanceDetails(g, i)),
        ...(p.nextToken ? { NextToken: p.nextToken } : {}),
      };
    },

    DescribeLifecycleHooks: {
      resources: byGroupName,
      handler: (input: { AutoScalingGroupName?: string; LifecycleHookNames?: unknown }, ctx) => {
        const group = asOf(ctx).requireGroup(
          String(required(input.AutoScalingGroupName, 'AutoScalingGroupName', 'ValidationError')),
        );
        const names = list(input.LifecycleHookNames);
        const hooks = [...group.hooks.values()].filter((h) => names.length === 0 || names.includes(h.name));
        return { LifecycleHooks: hooks.map(toHook) };
      },
    },

    PutLifecycleHook: {
      resources: byGroupName,
      handler: (
        input: {
          AutoScalingGroupName?: string;
          LifecycleHookName?: string;
          LifecycleTransition?: string;
          HeartbeatTimeout?: number;
          DefaultResult?: string;
          NotificationMetadata?: string;
          NotificationTargetARN?: string;
          RoleARN?: string;
        },
        ctx,
      ) => {
        const as = asOf(ctx);
        const group = as.requireGroup(
          String(required(input.AutoScalingGroupName, 'AutoScalingGroupName', 'ValidationError')),
        );
        const name = String(required(input.LifecycleHookName, 'LifecycleHookName', 'ValidationError'));
        const existing = group.hooks.get(name);
        const transition = input.LifecycleTransition ?? existing?.transition;
        if (
          transition !== 'autoscaling:EC2_INSTANCE_LAUNCHING' &&
          transition !== 'autoscaling:EC2_INSTANCE_TERMINATING'
        ) {
          throw validationError(
            transition === undefined
              ? 'LifecycleTransition must be specified when creating a lifecycle hook'
              : `Lifecycle Transition ${transition} is not a valid transition. Valid transitions are autoscaling:EC2_INSTANCE_LAUNCHING and autoscaling:EC2_INSTANCE_TERMINATING`,
          );
        }
        const heartbeat =
          input.HeartbeatTimeout ?? existing?.heartbeatTimeout ?? LIMITS.lifecycleHookHeartbeatDefaultSeconds;
        if (
          heartbeat < LIMITS.lifecycleHookHeartbeatMinSeconds ||
          heartbeat > LIMITS.lifecycleHookHeartbeatMaxSeconds
        ) {
          throw validationError(
            `Heartbeat timeout must be between ${LIMITS.lifecycleHookHeartbeatMinSeconds} and ${LIMITS.lifecycleHookHeartbeatMaxSeconds} seconds`,
          );
        }
        const defaultResult = input.DefaultResult ?? existing?.defaultResult ?? 'ABANDON';
        if (defaultResult !== 'CONTINUE' && defaultResult !== 'ABANDON')
          throw validationError('DefaultResult must be CONTINUE or ABANDON');
        if (!existing && group.hooks.size >= LIMITS.lifecycleHooksPerGroup) {
          throw new AwsError(
            'LimitExceeded',
            `Exceeded the maximum of ${LIMITS.lifecycleHooksPerGroup} lifecycle hooks for group ${group.name}`,
          );
        }
        const metadata = input.NotificationMetadata ?? existing?.notificationMetadata;
        const target = input.NotificationTargetARN ?? existing?.notificationTargetArn;
        const role = input.RoleARN ?? existing?.roleArn;
        as.putLifecycleHook(group.name, {
          name,
          transition: transition as LifecycleTransition,
          heartbeatTimeout: heartbeat,
          defaultResult,
          ...(metadata !== undefined ? { notificationMetadata: String(metadata) } : {}),
          ...(target !== undefined ? { notificationTargetArn: target } : {}),
          ...(role !== undefined ? { roleArn: role } : {}),
        });
        return {};
      },
    },

    CompleteLifecycleAction: {
      resources: byGroupName,
      handler: (input: LifecycleActionInput & { LifecycleActionResult?: string }, ctx) => {
        asOf(ctx).completeLifecycleAction(...lifecycleActionOf(input), result(input.LifecycleActionResult));
        return {};
      },
    },

    RecordLifecycleActionHeartbeat: {
      resources: byGroupName,
      handler: (input: LifecycleActionInput, ctx) => {
        asOf(ctx).recordLifecycleActionHeartbeat(...lifecycleActionOf(input));
        return {};
      },
    },

    SetDesiredCapacity: {
      resources: byGroupName,
      handler: (input: { AutoScalingGroupName?: string; DesiredCapacity?: number }, ctx) => {
        const desired = Number(required(input.DesiredCapacity, 'DesiredCapacity', 'ValidationError'));
        asOf(ctx).setDesiredCapacity(
          String(required(input.AutoScalingGroupName, 'AutoScalingGroupName', 'ValidationError')),
          desired,
        );
        return {};
      },
    },

    UpdateAutoScalingGroup: {
      resources: byGroupName,
      handler: (
        input: {
          AutoScalingGroupName?: string;
          MinSize?: number;
          MaxSize?: number;
          DesiredCapacity?: number;
          InstanceLifecyclePolicy?: { RetentionTriggers?: { TerminateHookAbandon?: string } };
        },
        ctx,
      ) => {
        const as = asOf(ctx);
        const name = String(required(input.AutoScalingGroupName, 'AutoScalingGroupName', 'ValidationError'));
        as.updateGroup(name, {
          ...(input.MinSize !== undefined ? { minSize: Number(input.MinSize) } : {}),
          ...(input.MaxSize !== undefined ? { maxSize: Number(input.MaxSize) } : {}),
          ...(input.DesiredCapacity !== undefined ? { desiredCapacity: Number(input.DesiredCapacity) } : {}),
        });
        const retention = input.InstanceLifecyclePolicy?.RetentionTriggers?.TerminateHookAbandon;
        if (retention !== undefined) {
          if (retention !== 'retain' && retention !== 'terminate')
            throw validationError('TerminateHookAbandon must be retain or terminate');
          as.setRetainOnTerminateHookAbandon(name, retention === 'retain');
        }
        return {};
      },
    },

    TerminateInstanceInAutoScalingGroup: {
      resources: (input: { InstanceId?: string }, ctx) => {
        const group = asOf(ctx).groupOf(String(input.InstanceId ?? ''));
        return [group?.arn ?? '*'];
      },
      handler: (input: { InstanceId?: string; ShouldDecrementDesiredCapacity?: boolean }, ctx) => {
        const as = asOf(ctx);
        const id = String(required(input.InstanceId, 'InstanceId', 'ValidationError'));
        const decrement = required(
          input.ShouldDecrementDesiredCapacity,
          'ShouldDecrementDesiredCapacity',
          'ValidationError',
        );
        const instance = as.terminateInstance(id, decrement === true);
        return {
          Activity: {
            ActivityId: ctx.kernel.uuid(),
            AutoScalingGroupName: instance.group,
            Description: `Terminating EC2 instance: ${id}`,
            Cause: `At ${new Date(ctx.now).toISOString()} instance ${id} was taken out of service in response to a user request${decrement ? ', shrinking the capacity' : ''}.`,
            StartTime: new Date(ctx.now),
            StatusCode: 'InProgress',
            Progress: 0,
            Details: JSON.stringify({ 'Availability Zone': instance.az }),
          },
        };
      },
    },

    SetInstanceProtection: {
      resources: byGroupName,
      handler: (
        input: { AutoScalingGroupName?: string; InstanceIds?: unknown; ProtectedFromScaleIn?: boolean },
        ctx,
      ) => {
        const protect = required(input.ProtectedFromScaleIn, 'ProtectedFromScaleIn', 'ValidationError');
        asOf(ctx).setInstanceProtection(
          String(required(input.AutoScalingGroupName, 'AutoScalingGroupName', 'ValidationError')),
          list(input.InstanceIds),
          protect === true,
        );
        return {};
      },
    },

    StartInstanceRefresh: {
      resources: byGroupName,
      handler: (
        input: {
          AutoScalingGroupName?: string;
          Preferences?: { MinHealthyPercentage?: number; MaxHealthyPercentage?: number; InstanceWarmup?: number };
        },
        ctx,
      ) => {
        const refresh = asOf(ctx).startInstanceRefresh(
          String(required(input.AutoScalingGroupName, 'AutoScalingGroupName', 'ValidationError')),
          input.Preferences ?? {},
        );
        return { InstanceRefreshId: refresh.id };
      },
    },

    DescribeInstanceRefreshes: {
      resources: byGroupName,
      handler: (
        input: { AutoScalingGroupName?: string; InstanceRefreshIds?: unknown; NextToken?: string; MaxRecords?: number },
        ctx,
      ) => {
        const group = asOf(ctx).requireGroup(
          String(required(input.AutoScalingGroupName, 'AutoScalingGroupName', 'ValidationError')),
        );
        const ids = list(input.InstanceRefreshIds);
        const refreshes = group.refreshes.filter((r) => ids.length === 0 || ids.includes(r.id));
        const p = page(refreshes, input, `refreshes:${group.name}:${ids.join(',')}`);
        return { InstanceRefreshes: p.items.map(toRefresh), ...(p.nextToken ? { NextToken: p.nextToken } : {}) };
      },
    },
  },
};

/** The group, hook and action (by token or instance id) that CompleteLifecycleAction and heartbeats name. */
interface LifecycleActionInput {
  AutoScalingGroupName?: string;
  LifecycleHookName?: string;
  LifecycleActionToken?: string;
  InstanceId?: string;
}

function lifecycleActionOf(input: LifecycleActionInput): [string, string, ActionRef] {
  return [
    String(required(input.AutoScalingGroupName, 'AutoScalingGroupName', 'ValidationError')),
    String(required(input.LifecycleHookName, 'LifecycleHookName', 'ValidationError')),
    {
      ...(input.LifecycleActionToken !== undefined ? { token: String(input.LifecycleActionToken) } : {}),
      ...(input.InstanceId !== undefined ? { instanceId: String(input.InstanceId) } : {}),
    },
  ];
}
