import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import example from '../../ballast.config.ts';
import { main as cli, EXIT } from '../../cli/ballast.ts';

/**
 * Issue 10, defect 9, end to end: one drain per instance. Two drains of one host (a manual drain of a host
 * already in its terminate hook; a Spot warning with Capacity Rebalancing, which also starts the terminate
 * hook) never run at once and never take two budget slots.
 */
const REGION = 'us-east-1';
const MINUTE = 60_000;
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

/** Executions that drained (entered 'Start Drain'). */
const drainsStarted = (c: LocalCloud) =>
  c.sfn.executions.filter((e) => e.history.some((h) => h.stateName === 'Start Drain'));

describe('one drain per instance (issue 10, defect 9)', () => {
  it('starts nothing for a manual drain of a host that its lifecycle drain holds (exit 4)', async () => {
    cloud = await LocalCloud.start({
      config: example,
      seed: 12,
      withBallast: true,
      fleet: { standaloneTasks: [{ cluster: 'web', family: 'nightly-report', count: 1 }] },
    });
    const c = cloud;
    const rw = c.world.region(REGION);
    const report = [...rw.ecs.cluster('web')!.tasks.values()].find(
      (t) => t.taskDefinition.family === 'nightly-report',
    )!;
    const host = report.ec2InstanceId;
    c.world.clock.after(40 * MINUTE, 'report done', () => rw.ecs.stopTask(report, 'EssentialContainerExited', 'done'));
    rw.autoscaling.terminateInstance(host, false);
    await c.runFor(5 * MINUTE);
    expect(rw.autoscaling.instance(host)?.lifecycleState).toBe('Terminating:Wait');

    const out: string[] = [];
    const code = await cli(['drain', host, '--region', REGION, '--reason', 'patch', '--wait', '--json'], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      sfn: new SFNClient(c.clientConfig(REGION)),
      now: () => new Date(),
      sleep: (ms) => c.runFor(ms),
    });
    await c.runFor(60 * MINUTE);

    expect(code).toBe(EXIT.notDrained);
    expect(out.join('\n')).toMatch(/already being drained by terminate-/);
    expect(drainsStarted(c)).toHaveLength(1);
    const hook = rw.autoscaling.endedActions.find((a) => a.instanceId === host);
    expect(hook).toMatchObject({ how: 'completed', result: 'CONTINUE' });
  });

  it('lets the terminate hook take over the Spot drain of the same host: the Spot drain ends superseded, one completion', async () => {
    cloud = await LocalCloud.start({
      config: example,
      seed: 13,
      withBallast: true,
      fleet: {
        regions: { 'us-east-1': { groups: { 'web-hosts': { hosts: 4, spot: true, capacityRebalance: true } } } },
      },
    });
    const c = cloud;
    const rw = c.world.region(REGION);
    const host = [...rw.autoscaling.group('web-hosts')!.instances.keys()].sort()[0]!;

    rw.autoscaling.spotInterruption(host);
    await c.runFor(30 * MINUTE);

    // The Spot drain started first; the terminate drain took it over, and the Spot drain ended at its next
    // check without completing anything. One hook, completed once, by the drain that took over.
    const superseded = c.sfn.executions.filter((e) => (e.output ?? '').includes('"outcome":"superseded"'));
    expect(superseded).toHaveLength(1);
    expect(superseded[0]!.output).toMatch(/"trigger":"spot"|"kind":"spot"/);
    expect(drainsStarted(c)).toHaveLength(2);
    const hooks = rw.autoscaling.endedActions.filter((a) => a.instanceId === host);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ how: 'completed', result: 'CONTINUE' });
    expect(c.sfn.executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
  });

  // The local cloud runs the two Resolve Request steps one after the other, so this shows the instance claim
  // end to end in DynamoDB (dynalite); the race itself is test/unit/host-draining/exclusive.test.ts's.
  it('drains a host once when two manual drains of it start in the same instant (the instance claim in DynamoDB)', async () => {
    cloud = await LocalCloud.start({ config: example, seed: 14, withBallast: true });
    const c = cloud;
    const rw = c.world.region(REGION);
    const host = [...rw.autoscaling.group('web-hosts')!.instances.keys()].sort()[0]!;
    const sfn = new SFNClient(c.clientConfig(REGION));
    const stateMachineArn = c.stateMachineArn(REGION, 'drain-host');

    // Two operators (or a retrying pipeline with a new request id) drain the same host at the same instant.
    await Promise.all(
      ['change-1', 'change-2'].map((requestId) =>
        sfn.send(
          new StartExecutionCommand({
            stateMachineArn,
            name: requestId,
            input: JSON.stringify({ action: 'drain', instanceId: host, reason: 'patch', requestId }),
          }),
        ),
      ),
    );
    await c.runFor(60 * MINUTE);

    // One drained the host; the other started nothing and named it.
    expect(drainsStarted(c)).toHaveLength(1);
    const refused = c.sfn.executions.filter((e) => e.history.some((h) => h.stateName === 'Skipped'));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.output).toMatch(/already being drained by manual-drain-/);
    expect(c.sfn.executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
  });
});
