import { performance } from 'node:perf_hooks';
import { SFNClient } from '@aws-sdk/client-sfn';
import example from '../../ballast.config.ts';
import { main as cli } from '../../cli/ballast.ts';
import { RATE_LIMITS } from '../../config/limits.ts';
import { type BallastConfigInput, parseConfig } from '../../config/schema.ts';
import { LocalCloud } from '../../local/cloud.ts';
import { day } from '../../local/scenarios/day.ts';
import { releaseDueAt } from '../../local/scenarios/invariants.ts';
import { runScenario } from '../../local/scenarios/runner.ts';
import { scaleIn } from '../../local/scenarios/scale-in.ts';
import type { FleetSpec } from '../../local/world/fleet.ts';
import { largeFleet } from '../../local/world/large-fleet.ts';
import { benchColdStart } from './cold-start.ts';
import { benchLargeFleet } from './large-fleet.ts';
import { benchRefresh } from './refresh.ts';

/**
 * `npm run bench`: figures, not pass/fail timings (a busy machine must not fail a build).
 *  1. the local cloud's speed: simulated seconds per real second over a 24-hour day, and peak memory;
 *  2. the cost of one drained host for a 10-minute drain: state transitions, history events, API calls,
 *     Lambda invocations;
 *  3. the history-event count of a 48-hour drain, against Step Functions' 25,000 limit;
 *  4. the scale-in scenario with and without Ballast: failed requests and how long hosts took to go;
 *  5. an emergency raise on the example fleet: time to every target, the rate-limit floor, calls, cost;
 *  6. the local cloud at fleet scale (./large-fleet.ts);
 *  7. an instance refresh of 200 hosts drained by Ballast, by the ideal drainer and by a do-it-yourself one
 *     (./refresh.ts);
 *  8. handler bundles and cold starts: size, SDK clients loaded, cold init (./cold-start.ts).
 * `npm run bench -- NAME …` runs only the named sections: day, drain, scale-in, refresh, raise, large-fleet,
 * cold-start.
 */
const MINUTE = 60_000;
const REGION = 'us-east-1';
const rows: Array<[string, string]> = [];
const row = (name: string, value: string | number) => {
  rows.push([name, String(value)]);
  console.log(`  ${name.padEnd(58)} ${value}`);
};

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

console.log('Ballast bench');

// 1. A 24-hour day in the local cloud.
async function benchDay(): Promise<void> {
  console.log('\n24-hour day in the local cloud (scenario "day", with Ballast)');
  const started = performance.now();
  const result = await runScenario(day, { seed: 1, withBallast: true });
  const real = (performance.now() - started) / 1000;
  row('simulated seconds', result.simulatedSeconds);
  row('real seconds (boot, synth, deploy and run)', real.toFixed(2));
  row('simulated seconds per real second', Math.round(result.simulatedSeconds / real));
  row('requests simulated / failed', `${result.requests.total} / ${result.requests.failed}`);
  const drains = result.executions.filter((e) => e.stateMachine.endsWith('-drain-host')).length;
  row(
    'API calls (all of Ballast: drains and every scheduled function) / drain executions / all executions',
    `${result.apiCalls.total} / ${drains} / ${result.executions.length}`,
  );
  row('peak memory so far (RSS, MiB)', Math.round(Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20));
}

// 2 and 3. One drained host: a standalone job keeps the host busy for `minutes`.
async function drainOneHost(minutes: number, configEdit: (c: any) => void = () => undefined) {
  const config = structuredClone(example) as any;
  configEdit(config);
  const cloud = await LocalCloud.start({
    config,
    seed: 11,
    withBallast: true,
    fleet: { standaloneTasks: [{ cluster: 'web', family: 'long-job', count: 1 }] },
  });
  try {
    const rw = cloud.world.region(REGION);
    const job = [...rw.ecs.cluster('web')!.tasks.values()].find((t) => t.taskDefinition.family === 'long-job')!;
    const host = job.ec2InstanceId;
    // The host's tasks, kept for their stop times: the release is measured from the last stop plus the settle.
    const tasks = [...(rw.ecs.containerInstanceOf(host)?.tasks ?? [])];
    const settleExtra = parseConfig(config).policies.drain.settleSeconds;
    cloud.world.clock.after(minutes * MINUTE, 'job done', () =>
      rw.ecs.stopTask(job, 'EssentialContainerExited', 'job done'),
    );
    const callsBefore = cloud.endpoint.calls.length;
    const invocationsBefore = cloud.lambdas.invocations.filter((i) => /HostDraining/.test(i.functionName)).length;
    const started = performance.now();
    rw.autoscaling.terminateInstance(host, true);
    const drains = () => cloud.sfn.executions.filter((e) => e.stateMachineName.endsWith('-drain-host'));
    await cloud.runUntil(() => drains().some((e) => e.status !== 'RUNNING'), (minutes + 120) * MINUTE);
    const real = (performance.now() - started) / 1000;
    const execution = drains()[0]!;
    const hook = rw.autoscaling.endedActions.find((a) => a.instanceId === host);
    // The drain's own calls: its functions' roles and the workflow's (the scheduled functions of the other
    // capabilities run meanwhile and are not the drain's cost).
    const calls = cloud.endpoint.calls.slice(callsBefore).filter((c) => /HostDraining/.test(c.caller));
    if (process.env.BENCH_DEBUG) {
      const by = new Map<string, number>();
      for (const c of calls)
        by.set(
          `${c.caller.replace(/Role.*/, '')} ${c.action}`,
          (by.get(`${c.caller.replace(/Role.*/, '')} ${c.action}`) ?? 0) + 1,
        );
      console.log(
        [...by]
          .sort()
          .map(([k, v]) => `    ${v} ${k}`)
          .join('\n'),
      );
      const types = new Map<string, number>();
      for (const h of execution.history)
        types.set(`${h.type} ${h.stateName ?? ''}`, (types.get(`${h.type} ${h.stateName ?? ''}`) ?? 0) + 1);
      console.log(
        [...types]
          .sort()
          .map(([k, v]) => `    ${v} ${k}`)
          .join('\n'),
      );
    }
    return {
      status: execution.status,
      transitions: execution.transitions,
      history: execution.history.length,
      apiCalls: calls.length,
      heartbeats: calls.filter((c) => c.action === 'RecordLifecycleActionHeartbeat').length,
      invocations:
        cloud.lambdas.invocations.filter((i) => /HostDraining/.test(i.functionName)).length - invocationsBefore,
      drainMinutes: hook ? Math.round((hook.endedAt - hook.startedAt) / MINUTE) : Number.NaN,
      releaseLag: hook ? (hook.endedAt - releaseDueAt(cloud, REGION, tasks, settleExtra)) / 1000 : Number.NaN,
      real,
    };
  } finally {
    await cloud.stop();
  }
}

async function benchDrain(title: string, minutes: number, configEdit?: (c: any) => void): Promise<void> {
  console.log(`\nOne drained host, ${title}`);
  const d = await drainOneHost(minutes, configEdit);
  row('execution status', d.status);
  row('hook held for (simulated minutes)', d.drainMinutes);
  row('released after the last task stopped + settle (simulated s; goal ≤ 15)', d.releaseLag.toFixed(1));
  row('state transitions', d.transitions);
  row('history events (Step Functions limit 25,000)', d.history);
  row('heartbeats recorded', d.heartbeats);
  row('API calls by Ballast (ECS, Auto Scaling, DynamoDB, EventBridge)', d.apiCalls);
  row('Lambda invocations', d.invocations);
  row('real seconds', d.real.toFixed(2));
}

// 4. The scale-in scenario both ways.
async function benchScaleIn(): Promise<void> {
  console.log('\nScale-in (2 of 6 hosts), with and without Ballast');
  for (const withBallast of [true, false]) {
    let hostMinutes = '';
    const result = await runScenario(scaleIn, {
      seed: 1,
      withBallast,
      inspect: (cloud) => {
        const ended = cloud.world.region(REGION).autoscaling.endedActions;
        hostMinutes = ended.map((a) => ((a.endedAt - a.startedAt) / MINUTE).toFixed(1)).join(', ');
      },
    });
    const label = withBallast ? 'with Ballast' : 'without Ballast';
    row(`${label}: failed requests of ${result.requests.total}`, result.requests.failed);
    row(
      `${label}: API calls / state transitions`,
      `${result.apiCalls.total} / ${result.executions.reduce((n, e) => n + e.transitions, 0)}`,
    );
    if (withBallast) row(`${label}: minutes each host was held in its hook`, hostMinutes || '-');
  }
}

// 5. An emergency raise started with `ballast scale raise --wait`: the example fleet (multiplier 2), and the
// 300-service fleet of ./large-fleet.ts (multiplier 1.5), both with Ballast deployed from the synthesized template.
async function benchRaise(
  label: string,
  options: { config: BallastConfigInput; fleet?: Partial<FleetSpec>; multiplier: number },
): Promise<void> {
  console.log(`\n${label}`);
  const bootStarted = performance.now();
  const cloud = await LocalCloud.start({
    config: options.config,
    ...(options.fleet ? { fleet: options.fleet } : {}),
    seed: 1,
    withBallast: true,
  });
  try {
    row(
      'boot the local cloud with Ballast deployed (real seconds)',
      ((performance.now() - bootStarted) / 1000).toFixed(2),
    );
    const started = performance.now();
    const t0 = cloud.world.now();
    const code = await cli(
      ['scale', 'raise', '--multiplier', String(options.multiplier), '--reason', 'bench', '--region', REGION, '--wait'],
      {
        out: () => undefined,
        err: () => undefined,
        sfn: new SFNClient(cloud.clientConfig(REGION)),
        now: () => new Date(cloud.world.now()),
        sleep: (ms) => cloud.runFor(ms),
      },
    );
    const execution = cloud.sfn.executions.find((e) => e.stateMachineName === 'ballast-emergency-scale')!;
    const recorded = execution.history.find((h) => (h as { stateName?: string }).stateName === 'Record Override');
    const calls = cloud.endpoint.calls.filter(
      (c) =>
        c.t >= t0 &&
        c.caller.includes('EmergencyScaling') &&
        !c.caller.includes('Detect') &&
        !c.caller.includes('Sample'),
    );
    const byBucket = new Map<string, number>();
    for (const c of calls) {
      const key = RATE_LIMITS[`${c.service}:${c.action}`] ? `${c.service}:${c.action}` : `${c.service}:*`;
      if (RATE_LIMITS[key]) byBucket.set(key, (byBucket.get(key) ?? 0) + 1);
    }
    const floor = Math.max(
      0,
      ...[...byBucket].map(([k, n]) => Math.max(0, n - RATE_LIMITS[k]!.burst) / RATE_LIMITS[k]!.perSecond),
    );
    const seconds = recorded ? (recorded.timestamp - execution.startDate) / 1000 : Number.NaN;
    const mutating = calls.filter((c) =>
      ['RegisterScalableTarget', 'UpdateService', 'UpdateAutoScalingGroup'].includes(c.action),
    );
    const applied = mutating.length > 0 ? (Math.max(...mutating.map((c) => c.t)) - execution.startDate) / 1000 : 0;
    const aas = cloud.world.region(REGION).applicationAutoScaling;
    row('exit code of ballast scale raise --wait', code);
    row(
      'services raised (scalable targets whose MinCapacity Ballast set)',
      aas.allTargets().filter((t) => t.lastMutation?.caller.includes('EmergencyScaling')).length,
    );
    row('simulated seconds from start to every target reached', seconds);
    row('simulated seconds from start to the last mutating call (every floor set)', applied);
    row('rate-limit floor of the same calls (published buckets), s', floor.toFixed(1));
    row(
      'ratio of the last mutating call to the rate-limit floor (goal <= 1.1)',
      floor > 0 ? (applied / floor).toFixed(2) : 'n/a (under the burst)',
    );
    row('then host boot and task start until every target ran (physics, not API limits), s', seconds - applied);
    row(
      'API calls by the raise / throttled',
      `${calls.length} / ${calls.filter((c) => c.outcome === 'throttled').length}`,
    );
    row(
      'state transitions / cost at $25 per million',
      `${execution.transitions} / $${((execution.transitions * 25) / 1e6).toFixed(6)}`,
    );
    row('real seconds', ((performance.now() - started) / 1000).toFixed(2));
  } finally {
    await cloud.stop();
  }
}

const SECTIONS: Record<string, () => Promise<void>> = {
  day: benchDay,
  drain: async () => {
    await benchDrain('10-minute drain', 10);
    await benchDrain('48-hour drain (deadline 2880 min, the hook cap)', 47 * 60 + 50, (c) => {
      c.policies.drain.deadlineMinutes = 2880;
    });
  },
  'scale-in': benchScaleIn,
  refresh: () => benchRefresh(row),
  raise: async () => {
    await benchRaise('Emergency raise, example fleet (3 services, 2 groups in us-east-1)', {
      config: example,
      multiplier: 2,
    });
    const large = largeFleet();
    await benchRaise('Emergency raise, 300 services in 6 clusters (./large-fleet.ts)', {
      config: large.config,
      fleet: large.fleet,
      multiplier: 1.5,
    });
  },
  'large-fleet': () => benchLargeFleet(row),
  'cold-start': () => benchColdStart(row),
};
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !Object.hasOwn(SECTIONS, name));
if (unknown.length > 0) {
  console.error(`unknown bench section(s) ${unknown.join(', ')}: choose from ${Object.keys(SECTIONS).join(', ')}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(SECTIONS)) if (wanted.length === 0 || wanted.includes(name)) await run();

clearInterval(sampler);
const peakMiB = Math.max(Math.round(peakRss / 2 ** 20), Math.round(process.resourceUsage().maxRSS / 1024));
console.log(`\n  ${'peak memory of the whole bench (max RSS, MiB)'.padEnd(58)} ${peakMiB}`);
