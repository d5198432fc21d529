import type { DrainState } from '../state.ts';
import type { DrainDeps } from './deps.ts';
import { finish } from './drain.ts';
import { heartbeatIfDue, required } from './hook.ts';
import { findContainerInstance } from './hosts.ts';
import { capWait, nextWait } from './timing.ts';

/** The launch hook: 'Check Launch' holds a new host until it has joined its cluster. */

/**
 * 'Check Launch': holds a new host in its launch hook until its container instance is ACTIVE with the agent
 * connected, so launch-before-terminate really adds capacity first. Past the launch deadline the action is
 * ABANDONed (Auto Scaling replaces a host that never joined).
 */
export async function checkLaunch(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  const now = deps.clock();
  const cluster = required(state.cluster, 'cluster');
  const instance = await findContainerInstance(deps.clients.ecs, cluster, state.request.instanceId);
  const ready = instance?.status === 'ACTIVE' && instance.agentConnected === true;
  const withArn = instance?.containerInstanceArn
    ? { ...state, containerInstanceArn: instance.containerInstanceArn }
    : state;
  if (ready) {
    return finish(
      withArn,
      'launch-ready',
      `${state.request.instanceId} is ACTIVE in ${cluster} with its agent connected.`,
      'CONTINUE',
    );
  }
  if (now.getTime() >= new Date(state.deadlineAt).getTime()) {
    return finish(
      withArn,
      'launch-timed-out',
      `${state.request.instanceId} did not become ACTIVE in ${cluster} by ${state.deadlineAt} (status ${instance?.status ?? 'not registered'}): abandoning the launch.`,
      'ABANDON',
    );
  }
  const next = await heartbeatIfDue(withArn, deps, now);
  const waitSeconds = capWait(next, nextWait(state.waitSeconds, false, 10, 60), now);
  return {
    ...next,
    phase: 'draining',
    waitSeconds,
    message: `Waiting for ${state.request.instanceId} to join ${cluster} (status ${instance?.status ?? 'not registered'}, agent ${instance?.agentConnected ? 'connected' : 'not connected'}).`,
  };
}
