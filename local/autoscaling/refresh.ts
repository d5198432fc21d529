import { AwsError, validationError } from '../core/aws-error.ts';
import { seconds, uuidOf } from '../core/ids.ts';
import type { GroupHost, InstanceRefresh, RefreshPreferences, SimAutoScalingGroup } from './types.ts';

export type { InstanceRefresh, RefreshPreferences, RefreshStatus } from './types.ts';

/**
 * Instance refresh (rolling): every instance InService when it starts is replaced. Replacements launch first
 * as far as MaxHealthyPercentage allows; old instances are terminated (through the terminate hooks) only as
 * far as MinHealthyPercentage allows, counting an instance healthy once InService and warmed up.
 */

const STEP_MS = seconds(15);

export function startRefresh(as: GroupHost, group: SimAutoScalingGroup, prefs: RefreshPreferences): InstanceRefresh {
  if (group.activeRefresh()) {
    throw new AwsError(
      'InstanceRefreshInProgress',
      'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.',
    );
  }
  const min = prefs.MinHealthyPercentage ?? 90;
  const max = prefs.MaxHealthyPercentage ?? 100;
  if (min < 0 || min > 100) throw validationError('MinHealthyPercentage must be between 0 and 100.');
  if (max < 100 || max > 200) throw validationError('MaxHealthyPercentage must be between 100 and 200.');
  if (max - min > 100)
    throw validationError('The difference between MaxHealthyPercentage and MinHealthyPercentage cannot exceed 100.');
  if (min === 100 && max === 100) {
    throw validationError(
      'MinHealthyPercentage of 100 requires a MaxHealthyPercentage above 100, or no instance could be replaced.',
    );
  }
  const toReplace = new Set(
    [...group.instances.values()].filter((i) => i.lifecycleState === 'InService').map((i) => i.id),
  );
  const refresh: InstanceRefresh = {
    id: uuidOf(as.rng),
    groupName: group.name,
    status: 'InProgress',
    startTime: as.kernel.now(),
    minHealthyPercentage: min,
    maxHealthyPercentage: max,
    instanceWarmupSeconds: prefs.InstanceWarmup ?? 0,
    toReplace,
    percentageComplete: 0,
    instancesToUpdate: toReplace.size,
  };
  group.refreshes.unshift(refresh);
  // New launches use the group's new desired configuration.
  group.launchTemplateVersion++;
  as.kernel.note(
    as.region,
    'instance-refresh',
    `${group.name}: replacing ${toReplace.size} instances (min ${min}%, max ${max}%)`,
  );
  refresh.timer = as.kernel.clock.after(0, `refresh ${group.name}`, () => step(as, group, refresh));
  return refresh;
}

function step(as: GroupHost, group: SimAutoScalingGroup, refresh: InstanceRefresh): void {
  refresh.timer = undefined;
  if (refresh.status !== 'InProgress') return;
  const now = as.kernel.now();
  const old = [...refresh.toReplace].map((id) => group.instances.get(id)).filter((i) => i !== undefined);
  const oldCounted = old.filter((i) => group.counted().includes(i));
  const oldLeaving = old.filter(
    (i) => i.lifecycleState.startsWith('Terminating') && i.lifecycleState !== 'Terminating:Retained',
  );
  refresh.instancesToUpdate = oldCounted.length + oldLeaving.length;
  const total = Math.max(1, refresh.toReplace.size);
  refresh.percentageComplete = Math.floor((100 * (refresh.toReplace.size - refresh.instancesToUpdate)) / total);

  const desired = group.desiredCapacity;
  const counted = group.counted();
  if (oldCounted.length === 0 && oldLeaving.length === 0 && counted.every((i) => i.lifecycleState === 'InService')) {
    refresh.status = 'Successful';
    refresh.endTime = now;
    refresh.percentageComplete = 100;
    group.refreshSurge = 0;
    as.kernel.note(as.region, 'instance-refresh', `${group.name}: refresh complete`);
    as.reconcileSoon(group);
    return;
  }
  const maxTotal = Math.max(desired, Math.floor((desired * refresh.maxHealthyPercentage) / 100));
  const room = maxTotal - desired;
  const warm = (i: (typeof counted)[number]) =>
    i.lifecycleState === 'InService' && now - (i.inServiceAt ?? now) >= seconds(refresh.instanceWarmupSeconds);
  const healthy = counted.filter(warm).length;
  const minHealthy = Math.floor((desired * refresh.minHealthyPercentage) / 100);
  let canTerminate = healthy - minHealthy;
  // With no room above desired, replace at least one instance at a time.
  if (canTerminate <= 0 && room === 0 && oldLeaving.length === 0 && counted.length === healthy) canTerminate = 1;
  const victims = oldCounted.filter((i) => i.lifecycleState === 'InService').slice(0, Math.max(0, canTerminate));
  for (const instance of victims) {
    as.beginTermination(group, instance, 'an instance was taken out of service in response to an instance refresh');
  }
  // Launch ahead only for the old instances still to go, so no replacement is launched twice.
  group.refreshSurge = Math.min(oldCounted.length - victims.length, room);
  as.reconcileSoon(group);
  refresh.timer = as.kernel.clock.after(STEP_MS, `refresh ${group.name}`, () => step(as, group, refresh));
}
