import { RecordLifecycleActionHeartbeatCommand } from '@aws-sdk/client-auto-scaling';
import { PutAttributesCommand } from '@aws-sdk/client-ecs';
import { DRAIN_PENDING_ATTRIBUTE } from '../config.ts';
import type { DrainState } from '../state.ts';
import { type DrainDeps, isNoActiveLifecycleAction } from './deps.ts';
import { heartbeatDueIn } from './timing.ts';

/**
 * Helpers shared by several drain steps: keeping the lifecycle hook alive (heartbeats), the soft
 * `ballast.drain-pending` mark on a host, and reading a state field a step requires.
 */

/** Records a lifecycle heartbeat when half the HeartbeatTimeout has passed since the last one. */
export async function heartbeatIfDue(state: DrainState, deps: DrainDeps, now: Date): Promise<DrainState> {
  const due = heartbeatDueIn(state, now);
  if (due === undefined || due > 0) return state;
  return recordHeartbeat(state, deps, now);
}

/** RecordLifecycleActionHeartbeat (restarts the hook's full HeartbeatTimeout). */
export async function recordHeartbeat(state: DrainState, deps: DrainDeps, now: Date): Promise<DrainState> {
  if (!state.hook) return state;
  if (state.dryRun) {
    deps.logger.info('Dry-run: would record a lifecycle heartbeat', { hook: state.hook.name });
    return { ...state, lastHeartbeatAt: now.toISOString() };
  }
  try {
    await deps.clients.autoScaling.send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: state.hook.group,
        LifecycleHookName: state.hook.name,
        InstanceId: state.request.instanceId,
        ...(state.hook.token ? { LifecycleActionToken: state.hook.token } : {}),
      }),
    );
  } catch (error) {
    if (!isNoActiveLifecycleAction(error)) throw error;
    deps.logger.warn('The lifecycle action is no longer pending (completed elsewhere or expired)', {
      hook: state.hook.name,
    });
    return { ...state, lifecycleCompleted: true };
  }
  deps.logger.info('Lifecycle heartbeat recorded', { hook: state.hook.name });
  return { ...state, lastHeartbeatAt: now.toISOString() };
}

/** Puts the soft mark on the host (once): services with the placement constraint keep new tasks off it. */
export async function markPending(state: DrainState, deps: DrainDeps, why: string): Promise<DrainState> {
  if (state.marked) return state;
  const cluster = required(state.cluster, 'cluster');
  const arn = required(state.containerInstanceArn, 'containerInstanceArn');
  if (state.dryRun) {
    deps.logger.info('Dry-run: would mark the host', { attribute: DRAIN_PENDING_ATTRIBUTE, value: why });
  } else {
    await deps.clients.ecs.send(
      new PutAttributesCommand({
        cluster,
        attributes: [{ name: DRAIN_PENDING_ATTRIBUTE, value: why, targetType: 'container-instance', targetId: arn }],
      }),
    );
  }
  return { ...state, marked: true };
}

/** The value of a state field the step requires; a missing one means the workflow went wrong. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined)
    throw new Error(`Drain state has no ${what}: the workflow reached a step it should not have`);
  return value;
}
