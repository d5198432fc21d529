import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { App } from 'aws-cdk-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { BundledFunctionFactory, type FunctionFactory } from '#infra/function-factory.ts';
import { LocalCloud, type SynthesizedStack } from '#local/cloud.ts';
import type { CfnTemplate } from '#local/deploy/template.ts';
import { LedgerStore } from '#shared/ledger.ts';
import type { DrainNextCalls } from '#test/fixtures/handlers/drain-next.ts';
import example from '../../ballast.config.ts';

/**
 * Issue 10, defect 8, end to end: a changed app is deployed while a drain runs. In the changed app the
 * drain function has other code (test/fixtures/handlers/drain-next.ts, which writes states with a field
 * today's version does not know) and another environment (`BALLAST_DRAIN_RELEASE=next`), so CDK gives its
 * `currentVersion` a new logical id and the deploy publishes version 2. The running drain must go on calling
 * version 1 (the code it started with); a drain started after the deploy runs version 2, next to the
 * unchanged finish function's version 1, which must read the states version 2 writes.
 */
const REGION = 'us-east-1';
const MINUTE = 60_000;
const DRAIN_ENTRY = 'functions/host-draining/drain.ts';
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
  const calls = globalThis as DrainNextCalls;
  delete calls.ballastDrainNextCalls;
  delete calls.ballastDrainNextDrains;
  delete calls.ballastDrainNextReleases;
});

/** The function factory of the "next version": the drain function's code and environment changed. */
const nextFactory: FunctionFactory = {
  create(scope, id, props) {
    const bundled = new BundledFunctionFactory();
    if (props.entry !== DRAIN_ENTRY) return bundled.create(scope, id, props);
    return bundled.create(scope, id, {
      ...props,
      entry: 'test/fixtures/handlers/drain-next.ts',
      environment: { ...props.environment, BALLAST_DRAIN_RELEASE: 'next' },
    });
  },
};

/** The changed app, synthesized by CDK itself (bundling skipped), so CDK decides the new Version logical ids. */
function synthesizeNext(): SynthesizedStack[] {
  const outdir = mkdtempSync(path.join(tmpdir(), 'ballast-synth-next-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const { stacks } = buildApp({ app, config: example, nag: false, functionFactory: nextFactory });
    const assembly = app.synth();
    return stacks.map((stack) => ({
      stackName: stack.stackName,
      region: stack.region,
      template: assembly.getStackByName(stack.stackName).template as CfnTemplate,
    }));
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The templates with the DeletionPolicy of every AWS::Lambda::Version removed (CloudFormation's Delete). */
function versionsNotRetained(stacks: SynthesizedStack[]): SynthesizedStack[] {
  return stacks.map((stack) => {
    const template = structuredClone(stack.template);
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Version') continue;
      const r = resource as { DeletionPolicy?: string; UpdateReplacePolicy?: string };
      delete r.DeletionPolicy;
      delete r.UpdateReplacePolicy;
    }
    return { ...stack, template };
  });
}

/** Starts a cloud with one standalone task per cluster (a host each to drain) and drains the web one. */
async function drainUnderDeploy(templates?: (s: SynthesizedStack[]) => SynthesizedStack[]) {
  cloud = await LocalCloud.start({
    config: example,
    seed: 14,
    withBallast: true,
    ...(templates ? { templates } : {}),
    fleet: {
      standaloneTasks: [
        { cluster: 'web', family: 'nightly-report', count: 1 },
        { cluster: 'workers', family: 'ledger-export', count: 1 },
      ],
    },
  });
  const c = cloud;
  const rw = c.world.region(REGION);
  const taskOf = (cluster: string, family: string) =>
    [...rw.ecs.cluster(cluster)!.tasks.values()].find((t) => t.taskDefinition.family === family)!;
  const report = taskOf('web', 'nightly-report');
  const exportTask = taskOf('workers', 'ledger-export');
  c.world.clock.after(40 * MINUTE, 'report done', () => rw.ecs.stopTask(report, 'EssentialContainerExited', 'done'));
  rw.autoscaling.terminateInstance(report.ec2InstanceId, false);
  await c.runFor(10 * MINUTE);
  const before = c.sfn.executions.find(
    (e) => e.status === 'RUNNING' && e.history.some((h) => h.stateName === 'Start Drain'),
  )!;
  expect(before).toBeDefined();
  const drainFunction = c.lambdas.list().find((f) => f.region === REGION && f.entry === DRAIN_ENTRY)!;
  expect(c.lambdas.versionsOf(drainFunction.arn)).toEqual([1]);
  return { c, rw, report, exportTask, before, drainFunction };
}

describe('a deploy under a running drain (issue 10, defect 8)', () => {
  it('lets the running drain finish on the version it started with, and runs the new version for a drain started after', async () => {
    const { c, rw, report, exportTask, before, drainFunction } = await drainUnderDeploy();
    const callsBefore = c.lambdas.invocations.length;

    await c.redeploy(() => synthesizeNext());
    // The changed function published version 2; version 1 stays, with its code and environment.
    expect(c.lambdas.versionsOf(drainFunction.arn)).toEqual([1, 2]);
    expect(c.lambdas.find(drainFunction.arn, '1')).toMatchObject({ entry: DRAIN_ENTRY });
    expect(c.lambdas.find(drainFunction.arn, '1')?.environment.BALLAST_DRAIN_RELEASE).toBeUndefined();
    expect(c.lambdas.find(drainFunction.arn, '2')).toMatchObject({
      entry: 'test/fixtures/handlers/drain-next.ts',
      environment: expect.objectContaining({ BALLAST_DRAIN_RELEASE: 'next' }),
    });
    const exportHost = exportTask.ec2InstanceId;
    c.world.clock.after(20 * MINUTE, 'export done', () =>
      rw.ecs.stopTask(exportTask, 'EssentialContainerExited', 'done'),
    );
    rw.autoscaling.terminateInstance(exportHost, false);
    await c.runFor(90 * MINUTE);

    const after = c.sfn.executions.find((e) => e !== before && e.history.some((h) => h.stateName === 'Start Drain'))!;
    expect(after).toBeDefined();
    for (const execution of [before, after]) expect(execution.status).toBe('SUCCEEDED');
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(c.clientConfig(REGION)));
    const ledger = new LedgerStore({ dynamo, tableName: c.stacks.find((s) => s.region === REGION)!.tableNames[0]! });
    const [afterRecord] = await ledger.drainsOf(REGION, exportHost);
    // The new code served the drain started after the deploy, and only that one.
    const next = globalThis as DrainNextCalls;
    expect([...(next.ballastDrainNextDrains ?? [])]).toEqual([afterRecord!.drainId]);
    expect([...(next.ballastDrainNextReleases ?? [])]).toEqual(['next']);
    // The drain function ran as version 1 after the deploy (the running drain) and as version 2, never $LATEST.
    const drainCalls = c.lambdas.invocations.slice(callsBefore).filter((i) => i.functionName === drainFunction.name);
    expect(new Set(drainCalls.map((i) => i.version))).toEqual(new Set(['1', '2']));
    expect(drainCalls.filter((i) => i.version === '2')).toHaveLength(next.ballastDrainNextCalls ?? 0);

    for (const [host, task, cluster] of [
      [report.ec2InstanceId, report, 'web'],
      [exportHost, exportTask, 'workers'],
    ] as const) {
      const hook = rw.autoscaling.endedActions.find((a) => a.instanceId === host);
      expect(hook).toMatchObject({ how: 'completed', result: 'CONTINUE' });
      expect(hook!.endedAt).toBeGreaterThanOrEqual(task.stoppedAt!);
      expect(await ledger.budgetHolders(REGION, cluster)).toEqual([]);
      const [record] = await ledger.drainsOf(REGION, host);
      expect(record).toMatchObject({ status: 'finished', outcome: 'drained' });
    }
  });

  it('fails the running drain with ResourceNotFoundException when the deploy deletes its version (why they are retained)', async () => {
    const { c, before, drainFunction } = await drainUnderDeploy(versionsNotRetained);

    await c.redeploy(() => versionsNotRetained(synthesizeNext()));
    expect(c.lambdas.versionsOf(drainFunction.arn)).toEqual([2]);
    await c.runFor(90 * MINUTE);

    expect(before.status).toBe('FAILED');
    expect(JSON.stringify(before.history)).toContain('ResourceNotFoundException');
    // The failure path (finish, unchanged, still version 1) gave the slot back.
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(c.clientConfig(REGION)));
    const ledger = new LedgerStore({ dynamo, tableName: c.stacks.find((s) => s.region === REGION)!.tableNames[0]! });
    expect(await ledger.budgetHolders(REGION, 'web')).toEqual([]);
  });
});
