import type { LocalCloud } from '../cloud.ts';
import type { SimTask } from '../ecs/types.ts';
import type { Invariant, ScenarioPhase } from './types.ts';

/** Invariants about draining that several scenarios share, computed from what the world recorded. */

export function noRequestFailed(cloud: LocalCloud, label = 'no request failed'): Invariant {
  const { total, failed } = cloud.world.traffic.totals();
  return { name: label, held: failed === 0, detail: `${failed} of ${total} requests failed` };
}

/** Requests served or attempted, and failed, in a phase (per-minute traffic records in [from, until)). */
export function failedBetween(
  cloud: LocalCloud,
  phase: Pick<ScenarioPhase, 'from' | 'until'>,
): { total: number; failed: number } {
  let total = 0;
  let failed = 0;
  for (const m of cloud.world.traffic.perMinute()) {
    const at = m.minute * 60_000;
    if (at >= phase.from && at < phase.until) {
      total += m.total;
      failed += m.failed;
    }
  }
  return { total, failed };
}

/** Tasks that died with their host instead of being stopped first. */
export function tasksKilledWithHost(cloud: LocalCloud, region: string): number {
  let killed = 0;
  for (const cluster of cloud.world.region(region).ecs.clusters()) {
    for (const task of cluster.tasks.values()) if (task.stoppedReason?.startsWith('Host EC2')) killed++;
  }
  return killed;
}

export function noTaskKilledWithItsHost(cloud: LocalCloud, region: string): Invariant {
  const killed = tasksKilledWithHost(cloud, region);
  return {
    name: 'no task died with its host',
    held: killed === 0,
    detail: `${killed} task(s) died with a terminated host`,
  };
}

/**
 * The settle a drain owes: the longest real deregistration delay (the world's target groups, not Ballast's
 * configuration) of the target groups of the services it moved.
 */
export function settleSecondsFor(
  cloud: LocalCloud,
  region: string,
  cluster: string,
  services: Iterable<string>,
): number {
  const rw = cloud.world.region(region);
  const delays = [...new Set(services)].flatMap((name) =>
    (rw.ecs.getService(cluster, name)?.targetGroups ?? []).map(
      (tg) => rw.elb.targetGroup(tg.name)?.deregistrationDelaySeconds ?? 0,
    ),
  );
  return Math.max(0, ...delays);
}

/**
 * When a drained host may be released at the earliest: the last of its tasks STOPPED (infinity while one still
 * runs), plus the settle (the longest real deregistration delay of its services' target groups and the
 * drain policy's `settleSeconds`). The bench's ideal drainer completes hooks then; a release lag is measured
 * from it.
 */
export function releaseDueAt(
  cloud: LocalCloud,
  region: string,
  tasks: readonly SimTask[],
  settleExtraSeconds: number,
): number {
  const lastStop = Math.max(0, ...tasks.map((t) => t.stoppedAt ?? Number.POSITIVE_INFINITY));
  const cluster = tasks[0]?.cluster;
  const services = tasks.flatMap((t) => (t.service ? [t.service] : []));
  const delay = cluster ? settleSecondsFor(cloud, region, cluster, services) : 0;
  return lastStop + (delay + settleExtraSeconds) * 1000;
}

/**
 * Every terminate hook was completed only after every task that was on its host had STOPPED and at least
 * the deregistration delay had passed since the last one; and none timed out.
 */
export function hooksCompletedAfterTasksStopped(cloud: LocalCloud, region: string): Invariant[] {
  const rw = cloud.world.region(region);
  const ended = rw.autoscaling.endedActions.filter((a) => a.transition === 'autoscaling:EC2_INSTANCE_TERMINATING');
  const early: string[] = [];
  for (const action of ended) {
    const group = cloud.config.regions[region]?.autoScalingGroups.find((g) => g.name === action.group);
    if (!group || action.how !== 'completed') continue;
    const tasks = [...(rw.ecs.cluster(group.cluster)?.tasks.values() ?? [])].filter(
      (t) => t.ec2InstanceId === action.instanceId,
    );
    const settleMs =
      settleSecondsFor(
        cloud,
        region,
        group.cluster,
        tasks.flatMap((t) => (t.service ? [t.service] : [])),
      ) * 1000;
    const notStopped = tasks.filter((t) => t.stoppedAt === undefined || t.stoppedAt > action.endedAt);
    const lastStopped = Math.max(0, ...tasks.map((t) => t.stoppedAt ?? 0));
    if (notStopped.length > 0) early.push(`${action.instanceId}: ${notStopped.length} task(s) not yet STOPPED`);
    else if (tasks.length > 0 && action.endedAt - lastStopped < settleMs) {
      early.push(
        `${action.instanceId}: completed ${Math.round((action.endedAt - lastStopped) / 1000)} s after the last task stopped`,
      );
    }
  }
  const timedOut = ended.filter((a) => a.how === 'timed out');
  return [
    {
      name: 'hooks completed only after all tasks STOPPED and the settle delay',
      held: early.length === 0 && ended.some((a) => a.how === 'completed'),
      detail:
        early.length > 0
          ? early.join('; ')
          : `${ended.filter((a) => a.how === 'completed').length} terminate hook(s) completed after their hosts were empty`,
    },
    {
      name: 'no terminate hook timed out',
      held: timedOut.length === 0,
      detail:
        timedOut.length === 0 ? 'none timed out' : timedOut.map((a) => `${a.instanceId} (${a.hookName})`).join(', '),
    },
  ];
}

export function executionsSucceeded(cloud: LocalCloud, stateMachineSuffix: string): Invariant {
  const runs = cloud.sfn.executions.filter((e) => e.stateMachineName.endsWith(stateMachineSuffix));
  const bad = runs.filter((e) => e.status !== 'SUCCEEDED');
  return {
    name: `every ${stateMachineSuffix} execution succeeded`,
    held: runs.length > 0 && bad.length === 0,
    detail:
      bad.length > 0
        ? bad.map((e) => `${e.name}: ${e.status}${e.error ? ` ${e.error}` : ''}`).join('; ')
        : `${runs.length} execution(s) succeeded`,
  };
}

/** Samples, every `everyMs` of virtual time, the number of DRAINING container instances of a cluster. */
export function watchDraining(cloud: LocalCloud, region: string, cluster: string, everyMs = 5000): () => number {
  let peak = 0;
  const sample = () => {
    const c = cloud.world.region(region).ecs.cluster(cluster);
    const draining = c ? [...c.instances.values()].filter((i) => i.status === 'DRAINING').length : 0;
    peak = Math.max(peak, draining);
    cloud.world.clock.after(everyMs, 'sample draining', sample);
  };
  sample();
  return () => peak;
}
