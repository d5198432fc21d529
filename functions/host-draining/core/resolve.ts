import {
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  DescribeTagsCommand,
} from '@aws-sdk/client-auto-scaling';
import type { ContainerInstance } from '@aws-sdk/client-ecs';
import { LIMITS } from '#config/limits.ts';
import type { DrainOutcome } from '#events/ballast-events.ts';
import { type DrainRequest, normaliseDrainHostInput } from '#events/drain-host-input.ts';
import { InvalidInput } from '#shared/errors.ts';
import type { DrainRecord } from '#shared/ledger.ts';
import { CLUSTER_TAG, type DrainGroupConfig, OPT_IN_TAG } from '../config.ts';
import { DRAIN_STATE_VERSION, type DrainAction, type DrainState, HookRef } from '../state.ts';
import type { DrainDeps } from './deps.ts';
import { CLAIMS_INSTANCE, DRAINING_KINDS, holdInstance, lastHookOf, takeOver } from './exclusive.ts';
import { describeContainerInstance, listContainerInstance } from './hosts.ts';
import { addSeconds, GLOBAL_TIMEOUT_MARGIN_SECONDS } from './timing.ts';

/** What 'Resolve Request' returns when there is nothing to do at all (no request to record). */
export interface SkipOutput {
  readonly action: 'skip' | 'duplicate';
  readonly message: string;
  readonly drainId?: string;
  readonly instanceId?: string;
}

/**
 * 'Resolve Request': validates and normalises the raw input, finds the group, the cluster and the container
 * instance, reads the lifecycle hook's timeouts, and takes the ledger lock of this drain. Nothing here
 * mutates the fleet: an invalid manual input throws InvalidInput (naming the field) before any change.
 */
export async function resolveRequest(
  raw: unknown,
  deps: DrainDeps,
  execution?: string,
): Promise<DrainState | SkipOutput> {
  const now = deps.clock();
  const normalised = normaliseDrainHostInput(raw, now);
  if (normalised.type === 'invalid') throw new InvalidInput(normalised.problems);
  if (normalised.type === 'skip') {
    deps.logger.info('Skipped: nothing to drain', { reason: normalised.reason, sourceId: normalised.sourceId });
    return { action: 'skip', message: `Skipped ${normalised.reason} (${normalised.sourceId}).` };
  }
  const request = normalised.request;
  const manual = request.kind.startsWith('manual-');
  const { config } = deps;

  if (request.cluster !== undefined && !config.clusters.includes(request.cluster)) {
    throw new InvalidInput([
      `cluster: unknown cluster '${request.cluster}'; use one of ${config.clusters.join(', ')} (or leave it out to use the group's)`,
    ]);
  }

  // The group: from the lifecycle action, else from EC2 Auto Scaling (Spot, rebalance, manual). A terminate
  // action names its group; whether the instance is still in it is asked only when its cluster no longer lists
  // it (below), to tell a host that is already gone from one that was never in the cluster.
  const describeAsgInstance = async () =>
    (
      await deps.clients.autoScaling.send(
        new DescribeAutoScalingInstancesCommand({ InstanceIds: [request.instanceId] }),
      )
    ).AutoScalingInstances?.[0];
  const asgInstance =
    request.kind === 'terminate' && request.group !== undefined ? undefined : await describeAsgInstance();
  const groupName = request.group ?? asgInstance?.AutoScalingGroupName;
  const groupConfig = groupName
    ? (config.groups[groupName] ?? (await taggedGroup(deps, groupName, request)))
    : undefined;

  const skip = (message: string): SkipOutput => {
    deps.logger.info(`Skipped: ${message}`, { drainId: request.drainId, instanceId: request.instanceId });
    return { action: 'skip', message, drainId: request.drainId, instanceId: request.instanceId };
  };

  // AWS Health names instances, not groups: every affected host in a configured cluster is marked.
  if (!manual && !groupConfig && request.kind !== 'health') {
    return skip(
      `group ${groupName ?? '(none)'} of ${request.instanceId} is not drained by Ballast (not configured, not tagged ${OPT_IN_TAG}=true)`,
    );
  }
  if (groupConfig && (request.kind === 'terminate' || request.kind === 'launch')) {
    const expected = request.kind === 'terminate' ? groupConfig.hookName : groupConfig.launchHookName;
    if (request.hookName !== expected) {
      return skip(
        `hook ${request.hookName} of group ${groupName} is not Ballast's (${expected ?? 'no launch hook configured'})`,
      );
    }
  }

  const cluster = request.cluster ?? groupConfig?.cluster ?? clusterFromMetadata(request.notificationMetadata);
  if (cluster === undefined) {
    if (manual && request.kind === 'manual-drain') {
      throw new InvalidInput([
        `cluster: ${request.instanceId} is not in a configured Auto Scaling group; name its cluster (one of ${config.clusters.join(', ')})`,
      ]);
    }
  } else if (!config.clusters.includes(cluster)) {
    return skip(`cluster ${cluster} of group ${groupName} is not one Ballast is configured for`);
  }
  if (manual && request.cluster !== undefined && groupConfig && groupConfig.cluster !== request.cluster) {
    throw new InvalidInput([
      `cluster: ${request.instanceId} belongs to group ${groupName} of cluster '${groupConfig.cluster}', not '${request.cluster}'; leave cluster out or correct it`,
    ]);
  }

  // Extend and release act on the running drain of the instance.
  const activeDrain = manual && request.kind !== 'manual-drain' ? await activeDrainOf(deps, request) : undefined;
  if (request.kind === 'manual-extend' && !activeDrain) {
    throw new InvalidInput([
      `instanceId: no drain of ${request.instanceId} is running in ${config.region}; start one with {"action": "drain", "instanceId": "${request.instanceId}"}`,
    ]);
  }

  const basePolicy = groupConfig?.policy ?? config.defaultPolicy;
  const dryRun = deps.dryRun || basePolicy.dryRun || request.dryRun === true;

  // The lifecycle hook this request answers (a manual drain answers Ballast's hook if the host waits in it).
  let hook: HookRef | undefined;
  let heartbeatUnknown = false;
  if (groupName && groupConfig) {
    if ((request.kind === 'terminate' || request.kind === 'launch') && request.hookName) {
      hook = await hookRef(deps, groupName, request.hookName, request.token, request.eventTime);
    } else if (request.kind === 'manual-drain' && asgInstance?.LifecycleState === 'Terminating:Wait') {
      // The host has waited in its hook since before this command: its global timeout counts from the
      // lifecycle action's start (the terminate drain Ballast recorded for it), and its last heartbeat is
      // unknown, so the first step heartbeats at once.
      hook =
        (await lastHookOf(deps, request.instanceId, groupConfig.hookName)) ??
        (await hookRef(deps, groupName, groupConfig.hookName, undefined, now.toISOString()));
      heartbeatUnknown = true;
    }
  }
  if (activeDrain?.hook) hook = HookRef.parse(activeDrain.hook);

  const containerInstance =
    cluster !== undefined && request.kind !== 'manual-extend'
      ? ((await listedContainerInstance(deps, cluster, request.instanceId)) ??
        (await knownContainerInstance(deps, cluster, request.instanceId)))
      : undefined;
  const containerInstanceArn =
    containerInstance?.containerInstanceArn ?? (activeDrain?.containerInstanceArn as string | undefined);

  // Deadline: the policy's (or the manual override), never past the hook's global timeout.
  const deadlineMinutes = request.deadlineMinutes ?? basePolicy.deadlineMinutes;
  let deadlineAt =
    request.kind === 'spot'
      ? // Hibernation begins when the notice is sent: no two minutes to use.
        addSeconds(request.eventTime, request.spotAction === 'hibernate' ? 0 : config.spotDeadlineSeconds)
      : request.kind === 'launch'
        ? addSeconds(now, config.launchDeadlineSeconds)
        : addSeconds(now, deadlineMinutes * 60);
  if (hook) {
    const latest = addSeconds(hook.globalDeadlineAt, -GLOBAL_TIMEOUT_MARGIN_SECONDS);
    if (latest < deadlineAt) deadlineAt = latest;
  }
  if (activeDrain?.deadlineAt) deadlineAt = String(activeDrain.deadlineAt);

  const goneFromGroup = request.kind === 'terminate' && !containerInstance && !(await describeAsgInstance());
  const goneFromCluster = containerInstance?.status === 'INACTIVE';
  const notInCluster = cluster === undefined || !containerInstance;
  let action: DrainAction;
  let outcome: DrainOutcome | undefined;
  let lifecycleResult: 'CONTINUE' | 'ABANDON' | undefined;
  let message: string;
  switch (request.kind) {
    case 'terminate':
    case 'spot':
    case 'manual-drain':
      if (goneFromGroup || goneFromCluster) {
        [action, outcome, message] = ['complete', 'gone', `${request.instanceId} is already gone: nothing to drain.`];
      } else if (notInCluster) {
        // A host of a group Ballast drains that is in no container instance of the group's cluster: either it
        // never joined ECS, or the group's cluster is not the one its hosts join.
        const misconfigured =
          groupConfig && cluster && request.origin !== 'WarmPool'
            ? ` Warning: hosts of ${groupName} are expected in cluster ${cluster}; if they join another cluster, the group's cluster is misconfigured (regions['${config.region}'].autoScalingGroups[].cluster, or the ${CLUSTER_TAG} tag).`
            : '';
        if (misconfigured)
          deps.logger.warn(`Host of a drained group is in no container instance of ${cluster}`, {
            instanceId: request.instanceId,
            group: groupName,
          });
        [action, outcome, message] = [
          'complete',
          'not-in-cluster',
          `${request.instanceId} is in no ECS cluster${cluster ? ` (looked in ${cluster})` : ''}: nothing to drain.${misconfigured}`,
        ];
      } else {
        [action, message] = ['drain', `Draining ${request.instanceId} in ${cluster}.`];
      }
      if (action === 'complete' && hook) lifecycleResult = 'CONTINUE';
      break;
    case 'launch':
      if (!asgInstance) {
        [action, outcome, message] = ['complete', 'gone', `${request.instanceId} is already gone.`];
        lifecycleResult = 'CONTINUE';
      } else if (request.destination === 'WarmPool') {
        // Into the warm pool: the ECS agent does not register there (ECS_WARM_POOLS_CHECK), so there is
        // nothing to wait for; the host is checked when it leaves the pool for the group.
        [action, outcome, message] = [
          'complete',
          'warm-pool',
          `${request.instanceId} goes into the warm pool, where it does not join ${cluster ?? 'its cluster'}: let it in at once.`,
        ];
        lifecycleResult = 'CONTINUE';
      } else {
        [action, message] = ['launch', `Holding ${request.instanceId} until it is ACTIVE in ${cluster}.`];
      }
      break;
    case 'rebalance':
      if (notInCluster) {
        [action, outcome, message] = ['complete', 'not-in-cluster', `${request.instanceId} is in no ECS cluster.`];
      } else {
        [action, message] = ['mark', `Marking ${request.instanceId} (rebalance recommendation).`];
      }
      break;
    case 'health':
      [action, message] = [
        'mark',
        `AWS Health ${request.healthCode} for ${(request.affected ?? [request.instanceId]).join(', ')}${request.scheduledAt ? ` at ${request.scheduledAt}` : ''}: marking the hosts of Ballast's clusters.`,
      ];
      break;
    case 'manual-extend':
      [action, message] = ['extend', `Extending the drain of ${request.instanceId} by ${request.extendMinutes} min.`];
      break;
    case 'manual-release':
      [action, message] = ['release', `Releasing ${request.instanceId}.`];
      break;
  }

  const state: DrainState = {
    v: DRAIN_STATE_VERSION,
    action,
    phase: action === 'drain' ? 'waiting-budget' : 'finish',
    request,
    ...(execution !== undefined ? { execution } : {}),
    region: config.region,
    ...(cluster !== undefined ? { cluster } : {}),
    ...(groupName !== undefined ? { group: groupName } : {}),
    ...(containerInstanceArn !== undefined ? { containerInstanceArn } : {}),
    ...(hook ? { hook } : {}),
    policy: {
      deadlinePolicy: request.deadlinePolicy ?? basePolicy.deadlinePolicy,
      standaloneTasks: basePolicy.standaloneTasks,
      standaloneGraceSeconds: basePolicy.standaloneGraceSeconds,
      settleSeconds: basePolicy.settleSeconds,
      budgetHosts: basePolicy.budgetHosts,
      budgetPercent: basePolicy.budgetPercent,
    },
    complement: groupConfig?.managedDraining ?? false,
    dryRun,
    receivedAt: now.toISOString(),
    deadlineAt,
    budget: {
      holder: activeDrain ? `${request.instanceId}#${activeDrain.drainId}` : `${request.instanceId}#${request.drainId}`,
      // Only a release gives the running drain's slot back: a failed extend must not (its failure path
      // runs Release Budget After Error with this state).
      held: activeDrain !== undefined && request.kind === 'manual-release',
    },
    marked: false,
    ...(heartbeatUnknown ? { heartbeatUnknown } : {}),
    waitSeconds: 0,
    settleSeconds: 0,
    tasks: [],
    stuckServices: [],
    ...(outcome !== undefined ? { outcome } : {}),
    ...(lifecycleResult !== undefined ? { lifecycleResult } : {}),
    message,
  };

  // One drain per instance (core/exclusive.ts): a drain takes the instance claim once its own record is claimed.
  const exclusive = action === 'drain' && DRAINING_KINDS.includes(request.kind);
  const claim = await deps.ledger.claimDrain(
    {
      region: config.region,
      instanceId: request.instanceId,
      drainId: request.drainId,
      trigger: request.kind,
      status: 'active',
      startedAt: now.toISOString(),
      sourceId: request.sourceId,
      deadlineAt,
      dryRun,
      ...(execution !== undefined ? { execution } : {}),
      ...(cluster !== undefined ? { cluster } : {}),
      ...(groupName !== undefined ? { group: groupName } : {}),
      ...(containerInstanceArn !== undefined ? { containerInstanceArn } : {}),
      ...(hook ? { hook } : {}),
      ...(request.reason !== undefined ? { reason: request.reason } : {}),
      ...(activeDrain ? { target: activeDrain.drainId } : {}),
      ...(exclusive ? { [CLAIMS_INSTANCE]: true } : {}),
    },
    now,
  );
  // The same execution retrying this step after its claim was applied but the response lost: carry on.
  const ours = claim.result === 'exists' && execution !== undefined && claim.existing?.execution === execution;
  if (ours) deps.logger.info('The ledger claim is already this execution’s (a retried step): carrying on');
  if (claim.result === 'exists' && !ours) {
    const message = `Duplicate: ${request.drainId} for ${request.instanceId} was received before (status ${String(claim.existing?.status ?? 'unknown')}); nothing changed.`;
    deps.logger.info(message, { drainId: request.drainId, instanceId: request.instanceId });
    return { action: 'duplicate', message, drainId: request.drainId, instanceId: request.instanceId };
  }
  const hold = exclusive ? await holdInstance(state, deps) : undefined;
  if (hold && !hold.held) {
    // A manual drain leaves a running drain alone: its record says so, and the same request may be asked again.
    const message = `${request.instanceId} is already being drained by ${hold.holder.drainId} (${hold.holder.trigger}): nothing started; change that drain with {"action": "extend"} or {"action": "release"}`;
    await deps.ledger.updateDrain(config.region, request.instanceId, request.drainId, {
      status: 'refused',
      refusedBy: hold.holder.drainId,
      message,
    });
    return skip(message);
  }
  // A hook or a Spot warning takes the running drain over; a retry after a lost response takes over again.
  const previous =
    hold?.previous ??
    (ours && typeof claim.existing?.supersedes === 'string'
      ? await deps.ledger.getDrain(config.region, request.instanceId, claim.existing.supersedes)
      : undefined);
  const resolved = previous && action === 'drain' ? await takeOver(state, previous, deps) : state;
  deps.logger.info('Resolved drain request', {
    drainId: request.drainId,
    kind: request.kind,
    action,
    cluster,
    group: groupName,
    dryRun,
    deadlineAt: resolved.deadlineAt,
  });
  return resolved;
}

async function activeDrainOf(deps: DrainDeps, request: DrainRequest): Promise<DrainRecord | undefined> {
  const records = await deps.ledger.drainsOf(deps.config.region, request.instanceId);
  return records.find((r) => r.status === 'active' && DRAINING_KINDS.includes(r.trigger));
}

/**
 * A container instance ListContainerInstances no longer lists (it lists no INACTIVE ones, and takes no
 * INACTIVE status filter): the one an earlier drain of this instance recorded, described by its ARN, so that
 * a host that has left its cluster is reported as gone rather than as never in it.
 */
async function knownContainerInstance(
  deps: DrainDeps,
  cluster: string,
  instanceId: string,
): Promise<ContainerInstance | undefined> {
  const records = await deps.ledger.drainsOf(deps.config.region, instanceId);
  const arn = records.find((r) => r.cluster === cluster && typeof r.containerInstanceArn === 'string')
    ?.containerInstanceArn as string | undefined;
  if (!arn) return undefined;
  const found = await describeContainerInstance(deps.clients.ecs, cluster, arn);
  return found?.status === 'INACTIVE' ? found : undefined;
}

/**
 * The instance's container instance when its cluster still lists it: listed means registered (the list leaves
 * INACTIVE ones out), which is all Resolve needs; 'Start Drain' reads its state when it sets it DRAINING.
 */
async function listedContainerInstance(
  deps: DrainDeps,
  cluster: string,
  instanceId: string,
): Promise<Pick<ContainerInstance, 'containerInstanceArn' | 'status'> | undefined> {
  const arn = await listContainerInstance(deps.clients.ecs, cluster, instanceId);
  return arn ? { containerInstanceArn: arn } : undefined;
}

/** A group not in the configuration, opted in with the `ballast:drain=true` tag. */
async function taggedGroup(
  deps: DrainDeps,
  groupName: string,
  request: DrainRequest,
): Promise<DrainGroupConfig | undefined> {
  const out = await deps.clients.autoScaling.send(
    new DescribeTagsCommand({ Filters: [{ Name: 'auto-scaling-group', Values: [groupName] }] }),
  );
  const tags = new Map((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  if (tags.get(OPT_IN_TAG) !== 'true') return undefined;
  const cluster = tags.get(CLUSTER_TAG) ?? clusterFromMetadata(request.notificationMetadata);
  if (!cluster) {
    deps.logger.warn(
      `Group ${groupName} is tagged ${OPT_IN_TAG}=true but names no cluster (tag ${CLUSTER_TAG}, or hook metadata)`,
    );
    return undefined;
  }
  return {
    cluster,
    hookName: deps.config.defaultHookName,
    managedDraining: false,
    policy: deps.config.defaultPolicy,
  };
}

/** The cluster named by a hook's NotificationMetadata: `{"cluster":"web"}` or `cluster=web`. */
export function clusterFromMetadata(metadata: string | undefined): string | undefined {
  if (!metadata) return undefined;
  try {
    const parsed = JSON.parse(metadata) as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as { cluster?: unknown }).cluster === 'string'
    ) {
      return (parsed as { cluster: string }).cluster;
    }
  } catch {
    // not JSON: try key=value
  }
  return /(?:^|[\s,;])cluster=([A-Za-z0-9_-]+)/.exec(metadata)?.[1];
}

async function hookRef(
  deps: DrainDeps,
  group: string,
  name: string,
  token: string | undefined,
  startedAt: string,
): Promise<HookRef> {
  const out = await deps.clients.autoScaling.send(
    new DescribeLifecycleHooksCommand({ AutoScalingGroupName: group, LifecycleHookNames: [name] }),
  );
  const described = out.LifecycleHooks?.[0];
  const heartbeat = described?.HeartbeatTimeout ?? LIMITS.lifecycleHookHeartbeatDefaultSeconds;
  const global =
    described?.GlobalTimeout ??
    Math.min(LIMITS.lifecycleHookGlobalCapSeconds, LIMITS.lifecycleHookGlobalCapHeartbeats * heartbeat);
  if (!described)
    deps.logger.warn(`Lifecycle hook ${name} of ${group} not found; assuming its defaults`, { heartbeat });
  return {
    group,
    name,
    ...(token !== undefined ? { token } : {}),
    heartbeatTimeoutSeconds: heartbeat,
    globalDeadlineAt: addSeconds(startedAt, global),
  };
}
