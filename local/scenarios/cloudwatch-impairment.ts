import type { LocalCloud } from '../cloud.ts';
import { clock as timelineClock } from './report.ts';
import type { Invariant } from './types.ts';

/**
 * What the CloudWatch-impairment phases of the game day and the `cloudwatch-outage` scenario share: the
 * scaling configuration an operator set up before the incident (one target with scheduled scaling already
 * suspended, one scheduled action that does not fire during the run), a picture of every scalable target,
 * scheduled action and group to compare after the restore, and when Ballast saw the impairment and when the
 * capacity was in place (from the timeline of Ballast's events).
 */

/** Before the incident: the kinds of configuration a restore must give back exactly. */
export function prepareScalingConfiguration(cloud: LocalCloud, region: string): void {
  const aas = cloud.world.region(region).applicationAutoScaling;
  const ecs = { ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount' };
  const frontend = aas.target('service/web/frontend');
  if (frontend) {
    aas.registerScalableTarget({
      ...ecs,
      ResourceId: frontend.ResourceId,
      SuspendedState: { ...frontend.SuspendedState, ScheduledScalingSuspended: true },
    });
  }
  if (aas.target('service/web/api')) {
    aas.putScheduledAction({
      ...ecs,
      ResourceId: 'service/web/api',
      ScheduledActionName: 'evening-floor',
      Schedule: 'cron(0 22 * * ? *)',
      ScalableTargetAction: { MinCapacity: 4, MaxCapacity: 40 },
    });
  }
  cloud.world.note(
    region,
    'operator',
    'scaling set up before the incident: web/frontend scheduled scaling suspended, web/api scheduled action evening-floor',
  );
}

/** Every scalable target (min, max, suspension), scheduled action and group (min, max) of a region. */
export function scalingConfiguration(cloud: LocalCloud, region: string): Record<string, unknown> {
  const rw = cloud.world.region(region);
  const out: Record<string, unknown> = {};
  for (const t of rw.applicationAutoScaling.allTargets()) {
    out[`target ${t.ResourceId}`] = { min: t.MinCapacity, max: t.MaxCapacity, suspended: { ...t.SuspendedState } };
  }
  for (const a of rw.applicationAutoScaling.scheduledActionsOf()) {
    out[`scheduled ${a.ResourceId} ${a.ScheduledActionName}`] = {
      schedule: a.Schedule,
      action: { ...a.ScalableTargetAction },
    };
  }
  for (const g of rw.autoscaling.groups()) out[`group ${g.name}`] = { min: g.minSize, max: g.maxSize };
  return out;
}

/** Invariant: what was configured before the incident is what is configured after the restore. */
export function restoredExactly(before: Record<string, unknown>, after: Record<string, unknown>): Invariant {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const differences = keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  const suspendedBefore = keys.filter((k) => JSON.stringify(before[k]).includes('"ScheduledScalingSuspended":true'));
  return {
    name: 'after the restore every scalable target, scheduled action and group equals its state before the incident',
    held: differences.length === 0,
    detail:
      differences.length === 0
        ? `${keys.length} resources equal (including ${suspendedBefore.join(', ') || 'no target'} suspended before the incident)`
        : differences.map((k) => `${k}: ${JSON.stringify(before[k])} → ${JSON.stringify(after[k])}`).join('; '),
  };
}

/** When Ballast's events say the impairment was detected, the capacity was in place, and it was restored. */
export function emergencyScalingTimes(
  cloud: LocalCloud,
  region: string,
  from: number,
): { detected?: number; applied?: number; restored?: number } {
  const at = (detail: string) =>
    cloud.world.timeline.find(
      (e) => e.region === region && e.kind === 'ballast-event' && e.detail.startsWith(detail) && e.t * 1000 >= from,
    )?.t;
  const seconds = (t: number | undefined) => (t === undefined ? undefined : t * 1000);
  const detected = seconds(at('Scaling Impairment Detected'));
  const applied = seconds(at('Scaling Override Applied'));
  const restored = seconds(at('Scaling Override Restored'));
  return {
    ...(detected !== undefined ? { detected } : {}),
    ...(applied !== undefined ? { applied } : {}),
    ...(restored !== undefined ? { restored } : {}),
  };
}

/** A virtual time (ms since the start) as the timeline prints it, `never` when it did not happen. */
export const clock = (ms: number | undefined) => (ms === undefined ? 'never' : timelineClock(Math.round(ms / 1000)));
