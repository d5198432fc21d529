import { LIMITS } from '../../config/limits.ts';
import { validationError } from '../core/aws-error.ts';
import { seconds, uuidOf } from '../core/ids.ts';
import type {
  ActionRef,
  GroupHost,
  LifecycleAction,
  LifecycleResult,
  LifecycleTransition,
  SimAsgInstance,
  SimAutoScalingGroup,
} from './types.ts';

export type { ActionRef, LifecycleAction, LifecycleHook, LifecycleResult, LifecycleTransition } from './types.ts';

/**
 * Lifecycle hooks. Each hook of a transition opens one lifecycle action per instance, with its own token and
 * an EventBridge event. The action waits HeartbeatTimeout (restarted by RecordLifecycleActionHeartbeat) and
 * never longer than the global cap, min(48 h, 100 × HeartbeatTimeout); on timeout its DefaultResult applies.
 * Terminate hooks run in parallel and the instance moves on once all are answered; ABANDON on a terminating
 * instance skips the others (and terminates it, or retains it under a retain lifecycle policy).
 */

/** The global cap on one lifecycle action, in seconds. */
export function globalTimeoutSeconds(heartbeatTimeout: number): number {
  return Math.min(LIMITS.lifecycleHookGlobalCapSeconds, LIMITS.lifecycleHookGlobalCapHeartbeats * heartbeatTimeout);
}

/** Opens the actions of every hook of `transition`; returns false when the group has none. */
export function startLifecycleActions(
  as: GroupHost,
  group: SimAutoScalingGroup,
  instance: SimAsgInstance,
  transition: LifecycleTransition,
): boolean {
  const hooks = [...group.hooks.values()].filter((h) => h.transition === transition);
  if (hooks.length === 0) return false;
  const now = as.kernel.now();
  const terminating = transition === 'autoscaling:EC2_INSTANCE_TERMINATING';
  for (const hook of hooks) {
    const action: LifecycleAction = {
      token: uuidOf(as.rng),
      hookName: hook.name,
      groupName: group.name,
      instanceId: instance.id,
      transition,
      startedAt: now,
      heartbeatTimeoutMs: seconds(hook.heartbeatTimeout),
      heartbeatDeadline: now + seconds(hook.heartbeatTimeout),
      globalDeadline: now + seconds(globalTimeoutSeconds(hook.heartbeatTimeout)),
    };
    instance.actions.set(hook.name, action);
    armTimeout(as, group, action);
    as.kernel.emit(
      as.region,
      'aws.autoscaling',
      terminating ? 'EC2 Instance-terminate Lifecycle Action' : 'EC2 Instance-launch Lifecycle Action',
      {
        LifecycleActionToken: action.token,
        AutoScalingGroupName: group.name,
        LifecycleHookName: hook.name,
        EC2InstanceId: instance.id,
        LifecycleTransition: transition,
        ...(hook.notificationMetadata !== undefined ? { NotificationMetadata: hook.notificationMetadata } : {}),
        Origin: terminating ? 'AutoScalingGroup' : 'EC2',
        Destination: terminating ? 'EC2' : 'AutoScalingGroup',
      },
      [group.arn],
    );
  }
  as.kernel.note(
    as.region,
    'hook-waiting',
    `${instance.id} of ${group.name} waits in ${terminating ? 'Terminating:Wait' : 'Pending:Wait'} for ${hooks.map((h) => h.name).join(', ')}`,
  );
  return true;
}

/** Finds the active action of `hookName` by token or instance id, or throws AWS's ValidationError. */
export function findAction(group: SimAutoScalingGroup, hookName: string, ref: ActionRef): LifecycleAction {
  if (!group.hooks.has(hookName)) {
    throw validationError(`No Lifecycle Hook found with name ${hookName} for Auto Scaling group ${group.name}`);
  }
  if (ref.token !== undefined) {
    for (const instance of group.instances.values()) {
      const action = instance.actions.get(hookName);
      if (action?.token === ref.token && (ref.instanceId === undefined || ref.instanceId === instance.id))
        return action;
    }
    throw validationError(`No active Lifecycle Action found with token ${ref.token}`);
  }
  if (ref.instanceId !== undefined) {
    const action = group.instances.get(ref.instanceId)?.actions.get(hookName);
    if (action) return action;
    throw validationError(`No active Lifecycle Action found with instance ID ${ref.instanceId}`);
  }
  throw validationError('Either LifecycleActionToken or InstanceId must be specified');
}

/** Answers an action (a caller's CompleteLifecycleAction, or the DefaultResult on timeout). */
export function completeAction(
  as: GroupHost,
  group: SimAutoScalingGroup,
  action: LifecycleAction,
  result: LifecycleResult,
  how: 'completed' | 'timed out',
): void {
  const instance = group.instances.get(action.instanceId);
  if (!instance || instance.actions.get(action.hookName) !== action) return;
  as.kernel.clock.cancel(action.timer);
  instance.actions.delete(action.hookName);
  as.actionEnded({
    group: group.name,
    hookName: action.hookName,
    instanceId: action.instanceId,
    transition: action.transition,
    startedAt: action.startedAt,
    endedAt: as.kernel.now(),
    result,
    how,
  });
  const waited = Math.round((as.kernel.now() - action.startedAt) / 1000);
  as.kernel.note(
    as.region,
    how === 'completed' ? 'hook-completed' : 'hook-timeout',
    `${action.hookName} for ${instance.id} of ${group.name} ${how} with ${result} after ${waited} s`,
  );
  if (result === 'ABANDON') {
    cancelActions(as, instance);
    as.afterHooks(group, instance, action.transition, 'ABANDON');
    return;
  }
  if (instance.actions.size === 0) as.afterHooks(group, instance, action.transition, 'CONTINUE');
}

/** RecordLifecycleActionHeartbeat: restarts the heartbeat timeout, never past the global cap. */
export function recordHeartbeat(as: GroupHost, group: SimAutoScalingGroup, action: LifecycleAction): void {
  action.heartbeatDeadline = Math.min(as.kernel.now() + action.heartbeatTimeoutMs, action.globalDeadline);
  armTimeout(as, group, action);
}

/** Drops an instance's open actions without answering them (the instance left the transition). */
export function cancelActions(as: GroupHost, instance: SimAsgInstance): void {
  for (const action of instance.actions.values()) as.kernel.clock.cancel(action.timer);
  instance.actions.clear();
}

function armTimeout(as: GroupHost, group: SimAutoScalingGroup, action: LifecycleAction): void {
  as.kernel.clock.cancel(action.timer);
  const at = Math.min(action.heartbeatDeadline, action.globalDeadline);
  action.timer = as.kernel.clock.schedule(at, `hook timeout ${action.hookName} ${action.instanceId}`, () => {
    action.timer = undefined;
    const hook = group.hooks.get(action.hookName);
    completeAction(as, group, action, hook?.defaultResult ?? 'ABANDON', 'timed out');
  });
}
