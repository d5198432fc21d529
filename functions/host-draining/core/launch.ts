import {
  type ContainerInstance,
  DeleteAttributesCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { DRAIN_PENDING_ATTRIBUTE } from '../config.ts';
import type { DrainState } from '../state.ts';
import type { DrainDeps } from './deps.ts';
import { finish } from './drain.ts';
import { DRAINING_KINDS } from './exclusive.ts';
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
  let instance = await findContainerInstance(deps.clients.ecs, cluster, state.request.instanceId);
  let returned = '';
  if (instance?.status === 'DRAINING' && instance.agentConnected === true) {
    // A host Ballast drained that did not terminate (it went into the warm pool, or was retained or
    // stopped) comes back DRAINING: set it ACTIVE again, and take its mark off.
    const ours = await drainedByBallast(state, deps, instance.containerInstanceArn);
    if (ours) {
      await reactivate(state, deps, cluster, instance);
      instance = { ...instance, status: 'ACTIVE' };
      returned = ` It came back DRAINING after Ballast's drain ${ours}: set ACTIVE again.`;
    }
  }
  const ready = instance?.status === 'ACTIVE' && instance.agentConnected === true;
  const withArn = instance?.containerInstanceArn
    ? { ...state, containerInstanceArn: instance.containerInstanceArn }
    : state;
  if (ready) {
    return finish(
      withArn,
      'launch-ready',
      `${state.request.instanceId} is ACTIVE in ${cluster} with its agent connected.${returned}`,
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

/** The drain id of a finished Ballast drain of this container instance, if any. */
async function drainedByBallast(
  state: DrainState,
  deps: DrainDeps,
  arn: string | undefined,
): Promise<string | undefined> {
  if (!arn) return undefined;
  const records = await deps.ledger.drainsOf(deps.config.region, state.request.instanceId);
  return records.find(
    (r) => r.status !== 'active' && DRAINING_KINDS.includes(r.trigger) && r.containerInstanceArn === arn,
  )?.drainId;
}

/** UpdateContainerInstancesState ACTIVE and the `ballast.drain-pending` mark removed (dry-run: logged only). */
async function reactivate(
  state: DrainState,
  deps: DrainDeps,
  cluster: string,
  instance: ContainerInstance,
): Promise<void> {
  const arn = instance.containerInstanceArn!;
  if (state.dryRun) {
    deps.logger.info('Dry-run: would set the returning host ACTIVE', { instance: arn });
    return;
  }
  await deps.clients.ecs.send(
    new UpdateContainerInstancesStateCommand({ cluster, containerInstances: [arn], status: 'ACTIVE' }),
  );
  if (instance.attributes?.some((a) => a.name === DRAIN_PENDING_ATTRIBUTE)) {
    await deps.clients.ecs.send(
      new DeleteAttributesCommand({
        cluster,
        attributes: [{ name: DRAIN_PENDING_ATTRIBUTE, targetType: 'container-instance', targetId: arn }],
      }),
    );
  }
}
