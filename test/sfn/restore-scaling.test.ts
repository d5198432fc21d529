import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScalingDeps } from '#functions/emergency-scaling/core/deps.ts';
import { overrideKeys } from '#functions/emergency-scaling/core/overrides.ts';
import { validateInput } from '#functions/emergency-scaling/core/raise.ts';
import { validateRestoreInput } from '#functions/emergency-scaling/core/restore.ts';
import { RAISE_OPS } from '#functions/emergency-scaling/raise.ts';
import { RESTORE_OPS } from '#functions/emergency-scaling/restore.ts';
import type { RestoreState, ScaleState } from '#functions/emergency-scaling/state.ts';
import { buildApp } from '#infra/app.ts';
import type { CfnTemplate } from '#local/deploy/template.ts';
import { EMERGENCY_SCALE_STATES as E } from '#state-machines/emergency-scale.ts';
import { RESTORE_SCALING_STATES as S } from '#state-machines/restore-scaling.ts';
import { type LedgerTable, startLedgerTable } from '#test/support/ledger-table.ts';
import { ScalingFleet, scalingConfig, target } from '#test/support/scaling-fleet.ts';
import { definitionFromTemplate, runStateMachine, type TaskRoute } from '#test/support/sfn.ts';
import { synthTemplate, testApp } from '#test/support/stack.ts';
import exampleConfig from '../../ballast.config.ts';

/**
 * The synthesized restore-scaling ASL after a real emergency-scale run, on the fake fleet with the ledger in
 * dynalite: the restore invariant (every target, scheduled action and group back to its snapshot,
 * including a target that was suspended before the incident), staging, conflicts, expiry, duplicates.
 */
let template: CfnTemplate;
let raiseDefinition: Record<string, unknown>;
let restoreDefinition: Record<string, unknown>;
let ledger: LedgerTable;
let fleet: ScalingFleet;
let deps: ScalingDeps;
let region = 0;

beforeAll(async () => {
  const { stacks } = buildApp({ app: testApp(), config: exampleConfig, nag: false });
  template = synthTemplate(stacks[0]!);
  raiseDefinition = definitionFromTemplate(template, 'ballast-emergency-scale');
  restoreDefinition = definitionFromTemplate(template, 'ballast-restore-scaling');
  ledger = await startLedgerTable();
});
afterAll(async () => ledger.close());

beforeEach(() => {
  fleet = new ScalingFleet(ledger.dynamo, ledger.tableName);
  // frontend's scale-in was suspended before the incident (someone froze it): it must stay suspended.
  fleet.service('web/frontend').target = target(1, 10, { in: true });
  // api has a scheduled action that would have raised its floor to 6 at 14:00 UTC (during the override).
  fleet
    .service('web/api')
    .target!.scheduled.push({ name: 'business-hours', schedule: 'cron(0 14 * * ? *)', min: 6, max: 12 });
  region++;
  deps = fleet.deps({ ...scalingConfig(), region: `us-restore-${region}` });
});

function raiseRoutes(): Record<string, TaskRoute> {
  const routes: Record<string, TaskRoute> = {
    [E.validate]: (i: { input: unknown; executionName: string }) => validateInput(i.input, deps, i.executionName),
  };
  for (const name of [
    E.lock,
    E.snapshot,
    E.plan,
    E.raiseHosts,
    E.applyTier,
    E.checkTier,
    E.record,
    E.checkHold,
    E.startRestore,
    E.extend,
    E.recordFailure,
  ]) {
    routes[name] = (i: { op: string; state: ScaleState }) => {
      if (i.op === 'apply' || i.op === 'check') fleet.advance(i.state.waitSeconds);
      fleet.tick();
      // Stop holding at once (the hold itself is tested in emergency-scale.test.ts).
      if (i.op === 'hold') return { ...i.state, phase: 'released' };
      return RAISE_OPS[i.op]!(i.state, deps);
    };
  }
  return routes;
}

function restoreRoutes(override: Record<string, TaskRoute> = {}): Record<string, TaskRoute> {
  const routes: Record<string, TaskRoute> = {
    [S.validate]: (i: { input: unknown; executionName: string }) =>
      validateRestoreInput(i.input, deps, i.executionName),
  };
  for (const name of [S.load, S.stage, S.verify, S.recordFailure]) {
    routes[name] = (i: { op: string; state: RestoreState }) => {
      fleet.advance(i.state.waitSeconds);
      fleet.tick();
      return RESTORE_OPS[i.op]!(i.state, deps);
    };
  }
  return { ...routes, ...override };
}

async function raiseNow() {
  const run = await runStateMachine({
    definition: raiseDefinition,
    input: { action: 'raise', reason: 'CloudWatch impaired', multiplier: 2, requestId: 'inc-7' },
    routes: raiseRoutes(),
  });
  expect(run.status, run.cause).toBe('SUCCEEDED');
  return run.output as ScaleState;
}

const targetOf = (key: string) => fleet.service(key).target!;

describe('the restore-scaling state machine', () => {
  it('puts every target, scheduled action and group back, in stages, keeping a target suspended before the incident suspended', async () => {
    // Arrange: a raise at 13:15 UTC; the restore after 14:00, so the business-hours action was missed.
    const raised = await raiseNow();
    expect(targetOf('web/api')).toMatchObject({ min: 8, suspended: { in: true, scheduled: true } });
    fleet.now = new Date('2026-11-25T15:00:00Z');
    const minsSeen: number[] = [];
    const routes = restoreRoutes();
    const stage = routes[S.stage]!;
    routes[S.stage] = async (i, call) => {
      const out = await stage(i, call);
      minsSeen.push(targetOf('web/api').min);
      return out;
    };
    // Act
    const run = await runStateMachine({
      definition: restoreDefinition,
      input: { action: 'restore', reason: 'CloudWatch is back' },
      routes,
    });
    // Assert
    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(run.visitedStates.at(-1)).toBe(S.restored);
    expect(minsSeen).toEqual([8, 7, 6]); // stage 1 puts the suspension back, then MinCapacity steps down
    expect(targetOf('web/api')).toMatchObject({
      min: 6,
      max: 12,
      suspended: { in: false, out: false, scheduled: false },
    });
    expect(targetOf('web/frontend')).toMatchObject({
      min: 1,
      max: 10,
      suspended: { in: true, out: false, scheduled: false },
    });
    expect(fleet.groups.get('web-hosts')).toMatchObject({ min: 2, max: 6 });
    const restored = fleet.events.find((e) => e.type === 'Scaling Override Restored')!;
    expect(restored.detail).toMatchObject({
      differences: [],
      conflicts: [],
      scheduledReapplied: [{ resource: 'web/api', action: 'business-hours' }],
    });
    const lock = await ledger.dynamo.send(
      new GetCommand({ TableName: ledger.tableName, Key: overrideKeys.lock(deps.config.region) }),
    );
    expect(lock.Item).toMatchObject({ overrideId: raised.overrideId, status: 'restored' });
  });

  it('reports a target a deploy changed during the override and keeps the newer value', async () => {
    await raiseNow();
    targetOf('web/frontend').max = 30; // a deploy re-registered frontend with a new max
    const before = { ...targetOf('web/frontend'), suspended: { ...targetOf('web/frontend').suspended } };

    const run = await runStateMachine({
      definition: restoreDefinition,
      input: { action: 'restore' },
      routes: restoreRoutes(),
    });

    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(targetOf('web/frontend')).toEqual(before);
    expect(targetOf('web/api').suspended.in).toBe(false);
    const conflict = fleet.events.find((e) => e.type === 'Scaling Restore Conflict');
    expect(conflict?.detail).toMatchObject({
      resource: 'web/frontend',
      kind: 'target',
      conflict: expect.stringMatching(/changed during the override/),
    });
  });

  it('restores an expired override when the raise starts it, and a second restore changes nothing', async () => {
    const raised = await raiseNow();
    const first = await runStateMachine({
      definition: restoreDefinition,
      input: { action: 'restore', trigger: 'expiry', overrideId: raised.overrideId },
      routes: restoreRoutes(),
    });
    const mutations = fleet.mutations.length;

    const again = await runStateMachine({
      definition: restoreDefinition,
      input: { action: 'restore', trigger: 'expiry', overrideId: raised.overrideId },
      routes: restoreRoutes(),
    });

    expect(first.status).toBe('SUCCEEDED');
    expect(again.visitedStates.at(-1)).toBe(S.nothing);
    expect(fleet.mutations.length).toBe(mutations);
  });

  it('fails at the first state on a malformed input, and names a missing override, changing nothing', async () => {
    const bad = await runStateMachine({
      definition: restoreDefinition,
      input: { action: 'restore', overrideId: 'nope' },
      routes: restoreRoutes(),
    });
    expect(bad.error).toBe('InvalidInput');
    expect(bad.cause).toMatch(/^overrideId: must be an override id/);

    const none = await runStateMachine({
      definition: restoreDefinition,
      input: { action: 'restore' },
      routes: restoreRoutes(),
    });
    expect(none.error).toBe('NoActiveOverride');
    expect(fleet.mutations).toEqual([]);
  });

  it('puts back what a raise that failed half-way had applied', async () => {
    // Arrange: the raise keeps failing at Apply Tier once the critical tier was applied (the standard tier's call).
    const routes = raiseRoutes();
    const apply = routes[E.applyTier]!;
    let applies = 0;
    routes[E.applyTier] = (input, call) => {
      applies++;
      if (applies > 1) throw Object.assign(new Error('boom'), { name: 'Error' });
      return apply(input, call);
    };
    const failed = await runStateMachine({
      definition: raiseDefinition,
      input: { action: 'raise', reason: 'CloudWatch impaired', multiplier: 2, requestId: 'inc-8' },
      routes,
    });
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('EmergencyScaleFailed');
    expect(targetOf('web/api').suspended.in).toBe(true);
    expect(targetOf('web/frontend').min).toBe(1); // the standard tier was never applied

    // Act
    const run = await runStateMachine({
      definition: restoreDefinition,
      input: { action: 'restore' },
      routes: restoreRoutes(),
    });

    // Assert
    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(targetOf('web/api')).toMatchObject({ min: 2, max: 10, suspended: { in: false, scheduled: false } }); // the snapshot (no scheduled action fired yet)
    expect(targetOf('web/frontend')).toMatchObject({ min: 1, max: 10, suspended: { in: true } });
    expect(fleet.events.find((e) => e.type === 'Scaling Override Restored')?.detail).toMatchObject({ conflicts: [] });
  });

  it('goes on through throttling with no failed step', async () => {
    await raiseNow();
    fleet.throttleEvery = 2;

    const run = await runStateMachine({
      definition: restoreDefinition,
      input: { action: 'restore' },
      routes: restoreRoutes(),
    });

    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(run.visitedStates).not.toContain(S.recordFailure);
    expect(targetOf('web/api').suspended.in).toBe(false);
  });
});
