import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import { releaseDueAt } from '#local/scenarios/invariants.ts';
import example from '../../ballast.config.ts';
import { parseConfig } from '../../config/schema.ts';

/**
 * Waking a drain on its host's last task stop, end to end (issue 11): local ECS sends `ECS Task State Change`
 * events, the real rule and wake function record them, the workflow's 'Wait For Tasks' parks its task token.
 * A host is released within seconds of its last stop plus the settle, however long the drain ran. With
 * EventBridge impaired (no ECS events delivered, or delivered late) the drain still ends, by its fallback
 * check, with the same outcome.
 */
const REGION = 'us-east-1';
const MINUTE = 60_000;
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

/** Drains the host of a standalone job that ends after `minutes`; returns the release lag and the execution. */
async function drainJob(minutes: number, impair?: { readonly delayMs?: number }) {
  cloud = await LocalCloud.start({
    config: example,
    seed: 21,
    withBallast: true,
    fleet: { standaloneTasks: [{ cluster: 'web', family: 'long-job', count: 1 }] },
  });
  const c = cloud;
  const rw = c.world.region(REGION);
  if (impair) c.bus.impairDelivery(REGION, 'aws.ecs', impair);
  const job = [...rw.ecs.cluster('web')!.tasks.values()].find((t) => t.taskDefinition.family === 'long-job')!;
  const host = job.ec2InstanceId;
  const tasks = [...(rw.ecs.containerInstanceOf(host)?.tasks ?? [])];
  c.world.clock.after(minutes * MINUTE, 'job done', () => rw.ecs.stopTask(job, 'EssentialContainerExited', 'done'));
  rw.autoscaling.terminateInstance(host, true);
  const drain = () => c.sfn.executions.find((e) => e.stateMachineName.endsWith('-drain-host'));
  await c.runUntil(() => drain() !== undefined && drain()!.status !== 'RUNNING', (minutes + 60) * MINUTE);
  const hook = rw.autoscaling.endedActions.find((a) => a.instanceId === host)!;
  const dueAt = releaseDueAt(c, REGION, tasks, parseConfig(example).policies.drain.settleSeconds);
  const checks = drain()!.history.filter((h) => h.type === 'TaskStateEntered' && h.stateName === 'Check Tasks');
  return {
    hook,
    lagSeconds: (hook.endedAt - dueAt) / 1000,
    execution: drain()!,
    checks: checks.length,
    output: JSON.parse(drain()!.output ?? '{}') as { outcome?: string },
    killed: tasks.filter((t) => t.stoppedReason?.startsWith('Host EC2')).length,
  };
}

describe('host draining wakes on the last task stop', () => {
  it('releases the host within 15 s of its last stop plus the settle, after a 110-minute job, without polling', async () => {
    const run = await drainJob(110); // the example's drain deadline is 120 minutes

    expect(run.output.outcome).toBe('drained');
    expect(run.hook.how).toBe('completed');
    expect(run.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(run.lagSeconds).toBeLessThanOrEqual(15);
    // Woken twice (the job, then the daemon Ballast stopped) and checking anyway every 15 minutes at most (the
    // heartbeat, which also checks): polling with back-off would check every 5 minutes (the back-off ceiling).
    expect(run.checks).toBeLessThanOrEqual(2 + Math.ceil(110 / 15));
    expect(run.killed).toBe(0);
  });

  it('still drains, by its fallback check, when EventBridge delivers no ECS event', async () => {
    const run = await drainJob(30, {});

    expect(cloud!.bus.dropped.some((e) => e['detail-type'] === 'ECS Task State Change')).toBe(true);
    expect(run.output.outcome).toBe('drained');
    expect(run.hook.how).toBe('completed');
    expect(run.lagSeconds).toBeGreaterThanOrEqual(0);
    // At most one fallback period (900 s) late for each of the two waits (the job, then the daemon).
    expect(run.lagSeconds).toBeLessThanOrEqual(2 * 900 + 15);
    expect(run.killed).toBe(0);
  });

  it('drains with the same outcome when the ECS events arrive 5 minutes late', async () => {
    const run = await drainJob(30, { delayMs: 5 * MINUTE });

    expect(run.output.outcome).toBe('drained');
    expect(run.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(run.lagSeconds).toBeLessThanOrEqual(2 * 300 + 15);
    expect(run.killed).toBe(0);
  });
});
