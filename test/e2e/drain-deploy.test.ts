import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud, type SynthesizedStack } from '#local/cloud.ts';
import { LedgerStore } from '#shared/ledger.ts';
import example from '../../ballast.config.ts';

/**
 * Issue 10, defect 8, end to end: a changed template is deployed while a drain runs. The new drain
 * function (test/fixtures/handlers/drain-next.ts) writes states with a field today's version does not know;
 * the functions that were not changed (finish) must read them, and the drain must end as it should.
 */
const REGION = 'us-east-1';
const MINUTE = 60_000;
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

/** The templates with the drain function's code replaced by the "next version". */
function nextDrainFunction(stacks: SynthesizedStack[]): SynthesizedStack[] {
  return stacks.map((stack) => {
    const template = structuredClone(stack.template);
    for (const resource of Object.values(template.Resources ?? {})) {
      const metadata = (resource as { Metadata?: Record<string, unknown> }).Metadata;
      if (metadata?.['ballast:entry'] === 'functions/host-draining/drain.ts') {
        metadata['ballast:entry'] = 'test/fixtures/handlers/drain-next.ts';
      }
    }
    return { ...stack, template };
  });
}

describe('a deploy under a running drain (issue 10, defect 8)', () => {
  it('lets the running drain finish as drained, with its slot given back', async () => {
    cloud = await LocalCloud.start({
      config: example,
      seed: 14,
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
    await c.runFor(10 * MINUTE);
    const drain = c.sfn.executions.find(
      (e) => e.status === 'RUNNING' && e.history.some((h) => h.stateName === 'Start Drain'),
    )!;
    expect(drain).toBeDefined();

    await c.redeploy(nextDrainFunction);
    await c.runFor(90 * MINUTE);

    expect((globalThis as { ballastDrainNextCalls?: number }).ballastDrainNextCalls ?? 0).toBeGreaterThan(0);
    expect(drain.status).toBe('SUCCEEDED');
    const hook = rw.autoscaling.endedActions.find((a) => a.instanceId === host);
    expect(hook).toMatchObject({ how: 'completed', result: 'CONTINUE' });
    expect(hook!.endedAt).toBeGreaterThanOrEqual(report.stoppedAt!);
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(c.clientConfig(REGION)));
    const ledger = new LedgerStore({ dynamo, tableName: c.stacks.find((s) => s.region === REGION)!.tableNames[0]! });
    expect(await ledger.budgetHolders(REGION, 'web')).toEqual([]);
    const [record] = await ledger.drainsOf(REGION, host);
    expect(record).toMatchObject({ status: 'finished', outcome: 'drained' });
  });
});
