import { performance } from 'node:perf_hooks';
import { parseConfig } from '../../config/schema.ts';
import { LocalCloud } from '../../local/cloud.ts';
import type { SimTask } from '../../local/ecs/types.ts';
import { releaseDueAt } from '../../local/scenarios/invariants.ts';
import { largeFleet } from '../../local/world/large-fleet.ts';

/**
 * An instance refresh of 200 hosts in one cluster, drained three ways on the same simulated fleet and seed:
 *  - **Ballast** (deployed from the synthesized template, budget 20);
 *  - **the ideal**: a drainer inside the simulation that sets each host DRAINING the moment its hook starts
 *    (at most 20 at a time, like the budget) and completes the hook the moment the host's last task is
 *    STOPPED plus the settle (the longest real deregistration delay of its services' target groups plus the
 *    policy's `settleSeconds`, the settle Ballast applies), computed from that run's own task stop times; it
 *    makes no API call;
 *  - **a do-it-yourself drainer modelled the classic way**: on each hook it finds the container instance and
 *    sets it DRAINING, then polls DescribeContainerInstances every 10 s and completes the hook as soon as
 *    `runningTasksCount` is 0 (which counts only tasks still desired RUNNING: tasks that are still stopping,
 *    their load balancers still draining, are not counted). Its calls are counted, one per request it would
 *    send; it acts on the world's models directly.
 * Figures: the refresh's duration and the ratio to the ideal, the release lag per host (hook completed −
 * (last task STOPPED + settle)), Ballast's ECS read calls per second at their peak against AWS's refill rate
 * (20 per second for each of DescribeTasks, ListTasks, DescribeContainerInstances), throttled calls, API calls
 * and failed requests of each drainer.
 */

const MINUTE = 60_000;
const REGION = 'us-east-1';
const CLUSTER = 'cluster-01';
const GROUP = `${CLUSTER}-hosts`;
const HOOK = 'ballast-drain';
const BUDGET = 20;
const ECS_READS = ['DescribeTasks', 'ListTasks', 'DescribeContainerInstances'] as const;
const ECS_READ_REFILL_PER_SECOND = 20;

type Mode = 'ballast' | 'ideal' | 'diy';

export interface RefreshRun {
  readonly mode: Mode;
  readonly status: string;
  readonly refreshSeconds: number;
  readonly hosts: number;
  /** Per host: seconds from (last task STOPPED + settle) to the hook's completion. */
  readonly releaseLag: number[];
  readonly apiCalls: number;
  /** Of those, ECS and Auto Scaling calls: the rate limits Ballast shares with the account's own deploys. */
  readonly sharedCalls: number;
  readonly throttled: number;
  /** Peak calls of one ECS read action in any one second, and over any 10 s (per second). */
  readonly peakEcsReads: { readonly action: string; readonly perSecond: number; readonly per10s: number };
  /** Peak calls of the three ECS read actions together in any one second (each has its own bucket). */
  readonly peakEcsReadsTogether: number;
  readonly requests: { readonly total: number; readonly failed: number };
  readonly tasksKilledWithHost: number;
  readonly real: number;
}

function fleet() {
  return largeFleet({ clusters: 1, servicesPerCluster: 40, hostsPerCluster: 200, tasksPerService: 8 });
}

export async function refreshRun(mode: Mode, options: { seed?: number; daemons?: boolean } = {}): Promise<RefreshRun> {
  const seed = options.seed ?? 5;
  const base = fleet();
  const large = options.daemons === false ? { ...base, fleet: { ...base.fleet, daemons: [] } } : base;
  const config = structuredClone(large.config) as any;
  config.policies.drain = { ...config.policies.drain, budgetHosts: BUDGET, budgetPercent: 100 };
  const settleExtra = parseConfig(config).policies.drain.settleSeconds;
  const started = performance.now();
  // Without Ballast its stack does not create the groups' terminate hooks: the world makes the same ones.
  const cloud = await LocalCloud.start({
    config,
    fleet: mode === 'ballast' ? large.fleet : { ...large.fleet, hooksFromTemplate: false },
    seed,
    withBallast: mode === 'ballast',
  });
  try {
    const world = cloud.world;
    const rw = world.region(REGION);
    const clock = world.clock;
    // Every task that was on each host whose terminate hook started, from the hook's start until the host is
    // DRAINING (a host that waits for the budget still takes tasks), kept because ECS forgets stopped tasks
    // after a while and the bench needs their stop times at the end.
    const hostTasks = new Map<string, SimTask[]>();
    const drainingSeen = new Set<string>();
    const dueAt = (tasks: SimTask[]) => releaseDueAt(cloud, REGION, tasks, settleExtra);
    const snapshot = (instanceId: string) => {
      if (drainingSeen.has(instanceId)) return;
      const ci = rw.ecs.containerInstanceOf(instanceId);
      const known = hostTasks.get(instanceId) ?? [];
      hostTasks.set(instanceId, [...new Set([...known, ...(ci?.tasks ?? [])])]);
      if (ci?.status !== 'ACTIVE') drainingSeen.add(instanceId);
    };

    let diyCalls = 0;
    // The ideal drainer's hosts (DRAINING, when they complete) and the classic one's (when it last polled).
    const idealDrains = new Map<string, { completeAt?: number; completed?: boolean }>();
    const diyPolledAt = new Map<string, number>();
    const tick = () => {
      const pending = rw.autoscaling
        .pendingActions(GROUP)
        .filter((a) => a.transition === 'autoscaling:EC2_INSTANCE_TERMINATING')
        .sort((a, b) => a.startedAt - b.startedAt);
      for (const action of pending) snapshot(action.instanceId);
      if (mode === 'ideal') idealStep(pending);
      if (mode === 'diy') diyStep(pending);
      clock.after(1000, 'refresh bench drainer', tick);
    };
    // The ideal drainer: DRAINING at the hook's start (within the budget), complete at last stop + settle.
    const idealStep = (pending: ReturnType<typeof rw.autoscaling.pendingActions>) => {
      const active = () => [...idealDrains.values()].filter((d) => !d.completed).length;
      for (const action of pending) {
        let d = idealDrains.get(action.instanceId);
        if (!d) {
          if (active() >= BUDGET) continue;
          d = {};
          idealDrains.set(action.instanceId, d);
          const ci = rw.ecs.containerInstanceOf(action.instanceId);
          if (ci && ci.status === 'ACTIVE') rw.ecs.setInstanceStatus(ci, 'DRAINING');
        }
        const tasks = hostTasks.get(action.instanceId) ?? [];
        if (d.completeAt === undefined && tasks.every((t) => t.lastStatus === 'STOPPED')) {
          d.completeAt = dueAt(tasks);
          const entry = d;
          clock.after(Math.max(0, d.completeAt - clock.now()), 'ideal completes', () => {
            entry.completed = true;
            rw.autoscaling.completeLifecycleAction(GROUP, HOOK, { instanceId: action.instanceId }, 'CONTINUE');
          });
        }
      }
    };
    // The classic drainer: list + DRAINING on the first sight, then one DescribeContainerInstances each 10 s.
    const diyStep = (pending: ReturnType<typeof rw.autoscaling.pendingActions>) => {
      for (const action of pending) {
        const polledAt = diyPolledAt.get(action.instanceId);
        const ci = rw.ecs.containerInstanceOf(action.instanceId);
        if (polledAt === undefined) {
          diyCalls += 2; // ListContainerInstances, UpdateContainerInstancesState
          if (ci && ci.status === 'ACTIVE') rw.ecs.setInstanceStatus(ci, 'DRAINING');
          diyPolledAt.set(action.instanceId, clock.now());
          continue;
        }
        if (clock.now() - polledAt < 10_000) continue;
        diyPolledAt.set(action.instanceId, clock.now());
        diyCalls += 1; // DescribeContainerInstances
        if (!ci || rw.ecs.instanceCounts(ci).running === 0) {
          diyCalls += 1; // CompleteLifecycleAction
          rw.autoscaling.completeLifecycleAction(GROUP, HOOK, { instanceId: action.instanceId }, 'CONTINUE');
        }
      }
    };
    clock.after(1000, 'refresh bench drainer', tick);

    // The fleet settles, then the refresh: replacements first, 10 % (20 hosts) at a time.
    await cloud.runUntil(() => false, 3 * MINUTE);
    const callsBefore = cloud.endpoint.calls.length;
    const failedBefore = world.traffic.totals();
    const refreshStart = clock.now();
    const refresh = rw.autoscaling.startInstanceRefresh(GROUP, {
      MinHealthyPercentage: 100,
      MaxHealthyPercentage: 110,
    });
    await cloud.runUntil(() => refresh.status !== 'Pending' && refresh.status !== 'InProgress', 12 * 60 * MINUTE);
    const refreshEnd = refresh.endTime ?? clock.now();
    const requests = world.traffic.totals();

    const ended = rw.autoscaling.endedActions.filter(
      (a) =>
        a.group === GROUP && a.startedAt >= refreshStart && a.transition === 'autoscaling:EC2_INSTANCE_TERMINATING',
    );
    const releaseLag = ended.map((a) => {
      const tasks = hostTasks.get(a.instanceId) ?? [];
      return Math.round((a.endedAt - dueAt(tasks)) / 100) / 10;
    });
    const killed = [...hostTasks.values()].flat().filter((t) => t.stoppedReason?.startsWith('Host EC2')).length;

    // The drains' own calls (the scheduled functions of the other capabilities run meanwhile).
    const calls = cloud.endpoint.calls.slice(callsBefore).filter((c) => /HostDraining/.test(c.caller));
    if (process.env.BENCH_DEBUG) {
      const by = new Map<string, number>();
      for (const c of calls) {
        const key = `${c.caller.replace(/Role.*/, '')} ${c.action}`;
        by.set(key, (by.get(key) ?? 0) + 1);
      }
      console.log(
        [...by]
          .sort()
          .map(([k, v]) => `    ${v} ${k}`)
          .join('\n'),
      );
    }
    const shared = calls.filter((c) => c.service === 'ecs' || c.service === 'autoscaling').length;
    const reads = calls.filter((c) => c.service === 'ecs' && (ECS_READS as readonly string[]).includes(c.action));
    let peak = { action: '-', perSecond: 0, per10s: 0 };
    for (const action of ECS_READS) {
      const times = reads.filter((c) => c.action === action).map((c) => c.t);
      const perSecond = peakIn(times, 1000);
      const per10s = peakIn(times, 10_000) / 10;
      if (perSecond > peak.perSecond || (perSecond === peak.perSecond && per10s > peak.per10s)) {
        peak = { action, perSecond, per10s };
      }
    }
    return {
      mode,
      status: refresh.status,
      refreshSeconds: Math.round((refreshEnd - refreshStart) / 1000),
      hosts: ended.length,
      releaseLag,
      apiCalls: mode === 'diy' ? diyCalls : calls.length,
      sharedCalls: mode === 'diy' ? diyCalls : shared,
      throttled: calls.filter((c) => c.outcome === 'throttled').length,
      peakEcsReads: peak,
      peakEcsReadsTogether: peakIn(
        reads.map((c) => c.t),
        1000,
      ),
      requests: { total: requests.total - failedBefore.total, failed: requests.failed - failedBefore.failed },
      tasksKilledWithHost: killed,
      real: (performance.now() - started) / 1000,
    };
  } finally {
    await cloud.stop();
  }
}

/** The most events in any window of `ms` (times sorted ascending). */
function peakIn(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to += 1) {
    while (sorted[to]! - sorted[from]! >= ms) from += 1;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

export async function benchRefresh(row: (name: string, value: string | number) => void): Promise<void> {
  console.log(`\nInstance refresh of 200 hosts in one cluster, drain budget ${BUDGET} (./refresh.ts)`);
  const ballast = await refreshRun('ballast');
  const ideal = await refreshRun('ideal');
  const diy = await refreshRun('diy');
  // The same classic drainer on hosts without a daemon: nothing holds runningTasksCount above 0 while the
  // service tasks still drain their load balancer connections.
  const diyBare = await refreshRun('diy', { daemons: false });
  const max = (xs: number[]) => (xs.length ? Math.max(...xs) : Number.NaN);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  row('refresh status (Ballast / ideal / do-it-yourself)', `${ballast.status} / ${ideal.status} / ${diy.status}`);
  row('hosts drained (Ballast / ideal / do-it-yourself)', `${ballast.hosts} / ${ideal.hosts} / ${diy.hosts}`);
  row(
    'refresh duration, simulated s (Ballast / ideal / do-it-yourself)',
    `${ballast.refreshSeconds} / ${ideal.refreshSeconds} / ${diy.refreshSeconds}`,
  );
  row('Ballast / ideal (goal ≤ 1.1)', (ballast.refreshSeconds / ideal.refreshSeconds).toFixed(3));
  row(
    'release after last stop + settle, s: median / max (Ballast; goal ≤ 15)',
    `${median(ballast.releaseLag)} / ${max(ballast.releaseLag)}`,
  );
  row(
    `peak ECS reads by Ballast, per s (${ballast.peakEcsReads.action}; 1 s / 10 s window)`,
    `${ballast.peakEcsReads.perSecond} / ${ballast.peakEcsReads.per10s.toFixed(1)} (25 % of refill: ${ECS_READ_REFILL_PER_SECOND / 4}; the three actions together, 1 s: ${ballast.peakEcsReadsTogether})`,
  );
  row('throttled calls (Ballast)', ballast.throttled);
  row('API calls, all (Ballast / do-it-yourself)', `${ballast.apiCalls} / ${diy.apiCalls}`);
  row(
    'API calls to ECS and Auto Scaling, per host (Ballast / do-it-yourself)',
    `${(ballast.sharedCalls / ballast.hosts).toFixed(1)} / ${(diy.sharedCalls / diy.hosts).toFixed(1)}`,
  );
  row(
    'failed requests (Ballast / ideal / do-it-yourself)',
    `${ballast.requests.failed} / ${ideal.requests.failed} / ${diy.requests.failed} of ~${ballast.requests.total}`,
  );
  row(
    'do-it-yourself on hosts without a daemon: failed requests / tasks killed with their host',
    `${diyBare.requests.failed} / ${diyBare.tasksKilledWithHost}`,
  );
  row(
    'tasks killed with their host (Ballast / ideal / do-it-yourself)',
    `${ballast.tasksKilledWithHost} / ${ideal.tasksKilledWithHost} / ${diy.tasksKilledWithHost}`,
  );
  row(
    'real seconds (Ballast / ideal / do-it-yourself)',
    `${ballast.real.toFixed(1)} / ${ideal.real.toFixed(1)} / ${diy.real.toFixed(1)}`,
  );
}
