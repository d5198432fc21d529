import { DeleteAttributesCommand, UpdateContainerInstancesStateCommand } from '@aws-sdk/client-ecs';
import { DRAIN_PENDING_ATTRIBUTE } from '../config.ts';
import type { DrainState } from '../state.ts';
import type { DrainDeps } from './deps.ts';
import { finish } from './drain.ts';
import { runningDrainOf } from './exclusive.ts';
import { markPending, recordHeartbeat } from './hook.ts';
import { describeContainerInstance, findContainerInstance } from './hosts.ts';
import { addSeconds, GLOBAL_TIMEOUT_MARGIN_SECONDS } from './timing.ts';

/**
 * The rebalance mark and the operator actions: 'Mark Host' (rebalance recommendation), 'Extend Drain' and
 * 'Release Host' (each acts on the host's running drain through the ledger).
 */

/** How long a rebalance mark stays when no interruption, replacement or drain follows. */
export const REBALANCE_MARK_SECONDS = 3600;

/**
 * 'Mark Host' (rebalance recommendation): the soft mark only, no DRAINING. A recommendation may be followed
 * by nothing at all, so the mark does not stay for good: the step runs again after REBALANCE_MARK_SECONDS
 * and removes its own mark (value `rebalance`) unless the host is gone, DRAINING, or held by a drain.
 */
export async function markHost(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  if (state.request.kind === 'health') return markForHealth(state, deps);
  if (!state.marked) {
    const marked = await markPending(state, deps, 'rebalance');
    return {
      ...marked,
      phase: 'draining',
      waitSeconds: REBALANCE_MARK_SECONDS,
      message: `Marked ${state.request.instanceId} with ${DRAIN_PENDING_ATTRIBUTE}=rebalance: no new tasks (for services with the placement constraint); not DRAINING. The mark is removed after ${REBALANCE_MARK_SECONDS / 60} min unless an interruption, a replacement or a drain follows.`,
    };
  }
  const cluster = state.cluster!;
  const arn = state.containerInstanceArn!;
  const instance = await describeContainerInstance(deps.clients.ecs, cluster, arn);
  const done = (message: string) => finish(state, 'marked', message);
  if (!instance || instance.status === 'INACTIVE' || instance.status === 'DEREGISTERING') {
    return done(`${state.request.instanceId} left the cluster after its rebalance recommendation: nothing to unmark.`);
  }
  const running = await runningDrainOf(deps, state.request.instanceId, state.request.drainId);
  if (running || instance.status === 'DRAINING') {
    return done(
      `${state.request.instanceId} is being drained${running ? ` (${running.drainId})` : ''}: its mark stays with that drain.`,
    );
  }
  const value = instance.attributes?.find((a) => a.name === DRAIN_PENDING_ATTRIBUTE)?.value;
  if (value !== 'rebalance') {
    return done(
      `${state.request.instanceId} no longer carries the rebalance mark (${value ?? 'none'}): left as it is.`,
    );
  }
  if (state.dryRun) {
    deps.logger.info('Dry-run: would remove the rebalance mark', { instance: arn });
  } else {
    await deps.clients.ecs.send(
      new DeleteAttributesCommand({
        cluster,
        attributes: [{ name: DRAIN_PENDING_ATTRIBUTE, targetType: 'container-instance', targetId: arn }],
      }),
    );
  }
  return done(
    `No interruption, replacement or drain followed the rebalance recommendation of ${state.request.instanceId} within ${REBALANCE_MARK_SECONDS / 60} min: mark removed, the host takes tasks again.`,
  );
}

/**
 * 'Mark Host' for an AWS Health scheduled change (retirement, scheduled stop): every affected instance
 * that is a container instance of one of Ballast's clusters gets `ballast.drain-pending=health`, so
 * services with the placement constraint place no new tasks there; the outcome event
 * (`Host Maintenance Scheduled`) says when the change begins, to drain or replace the host before then.
 * The mark stays: the host goes away at the change (a host that comes back is released with `release`).
 */
async function markForHealth(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  const marked: string[] = [];
  for (const instanceId of state.request.affected ?? [state.request.instanceId]) {
    for (const cluster of deps.config.clusters) {
      const instance = await findContainerInstance(deps.clients.ecs, cluster, instanceId);
      if (!instance?.containerInstanceArn) continue;
      await markPending(
        { ...state, cluster, containerInstanceArn: instance.containerInstanceArn, marked: false },
        deps,
        'health',
      );
      marked.push(`${instanceId} (${cluster})`);
      break;
    }
  }
  const when = state.request.scheduledAt ? ` begins at ${state.request.scheduledAt}` : ' is scheduled';
  return finish(
    { ...state, marked: marked.length > 0 },
    'marked',
    marked.length > 0
      ? `AWS Health ${state.request.healthCode}${when}: marked ${marked.join(', ')} with ${DRAIN_PENDING_ATTRIBUTE}=health (no new tasks for services with the placement constraint). Drain or replace ${marked.length > 1 ? 'them' : 'it'} before then: {"action": "drain", "instanceId": "…"}.`
      : `AWS Health ${state.request.healthCode}${when} for ${(state.request.affected ?? []).join(', ')}: none is a container instance of Ballast's clusters; nothing marked.`,
  );
}

/** 'Extend Drain': moves the running drain's deadline (never past the hook's global timeout) and heartbeats. */
export async function extendDrain(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  const now = deps.clock();
  const drains = await deps.ledger.drainsOf(deps.config.region, state.request.instanceId);
  const target = drains.find(
    (r) =>
      r.status === 'active' &&
      r.drainId !== state.request.drainId &&
      ['terminate', 'spot', 'manual-drain'].includes(r.trigger),
  );
  if (!target) return finish(state, 'extended', 'The drain finished before it could be extended: nothing changed.');
  const from =
    typeof target.deadlineAt === 'string' && target.deadlineAt > now.toISOString()
      ? target.deadlineAt
      : now.toISOString();
  let deadlineAt = addSeconds(from, (state.request.extendMinutes ?? 0) * 60);
  let capped = '';
  if (state.hook) {
    const latest = addSeconds(state.hook.globalDeadlineAt, -GLOBAL_TIMEOUT_MARGIN_SECONDS);
    if (latest < deadlineAt) {
      deadlineAt = latest;
      capped = ` (capped by the lifecycle hook's global timeout, ${state.hook.globalDeadlineAt})`;
    }
  }
  await deps.ledger.updateDrain(deps.config.region, state.request.instanceId, target.drainId, { deadlineAt });
  const beat = await recordHeartbeat(state, deps, now);
  return finish(
    { ...state, deadlineAt, ...(beat.lastHeartbeatAt ? { lastHeartbeatAt: beat.lastHeartbeatAt } : {}) },
    'extended',
    `Deadline of ${target.drainId} moved to ${deadlineAt}${capped}.`,
  );
}

/**
 * 'Release Host': lets the host go. A running drain is marked released (its execution ends at its next
 * check); a pending lifecycle action is completed (CONTINUE unless the input says ABANDON) by 'Complete
 * Lifecycle Action'; a host without one (manual drain, rebalance mark) is set ACTIVE again and unmarked.
 */
export async function releaseHost(state: DrainState, deps: DrainDeps): Promise<DrainState> {
  const drains = await deps.ledger.drainsOf(deps.config.region, state.request.instanceId);
  const target = drains.find(
    (r) =>
      r.status === 'active' &&
      r.drainId !== state.request.drainId &&
      ['terminate', 'spot', 'manual-drain'].includes(r.trigger),
  );
  if (target && !state.dryRun) {
    await deps.ledger.updateDrain(deps.config.region, state.request.instanceId, target.drainId, {
      status: 'released',
      releasedBy: state.request.drainId,
    });
  }
  const result = state.request.result ?? 'CONTINUE';
  if (state.hook) {
    return finish(
      state,
      'released',
      `Released ${state.request.instanceId}: completing its lifecycle action with ${result}.`,
      result,
    );
  }
  if (state.cluster && state.containerInstanceArn) {
    if (state.dryRun) {
      deps.logger.info('Dry-run: would set the host ACTIVE and remove its mark', {
        instance: state.containerInstanceArn,
      });
    } else {
      const cluster = state.cluster;
      const instance = await describeContainerInstance(deps.clients.ecs, cluster, state.containerInstanceArn);
      if (instance?.status === 'DRAINING') {
        await deps.clients.ecs.send(
          new UpdateContainerInstancesStateCommand({
            cluster,
            containerInstances: [state.containerInstanceArn],
            status: 'ACTIVE',
          }),
        );
      }
      if (instance?.attributes?.some((a) => a.name === DRAIN_PENDING_ATTRIBUTE)) {
        await deps.clients.ecs.send(
          new DeleteAttributesCommand({
            cluster,
            attributes: [
              { name: DRAIN_PENDING_ATTRIBUTE, targetType: 'container-instance', targetId: state.containerInstanceArn },
            ],
          }),
        );
      }
    }
    return finish(state, 'released', `Released ${state.request.instanceId}: ACTIVE again, mark removed.`);
  }
  return finish(state, 'released', `Nothing held ${state.request.instanceId}: nothing to release.`);
}
