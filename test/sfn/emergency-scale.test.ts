import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScalingDeps } from '#functions/emergency-scaling/core/deps.ts';
import { overrideKeys } from '#functions/emergency-scaling/core/overrides.ts';
import { validateInput } from '#functions/emergency-scaling/core/raise.ts';
import { RAISE_OPS } from '#functions/emergency-scaling/raise.ts';
import type { ScaleState } from '#functions/emergency-scaling/state.ts';
import { buildApp } from '#infra/app.ts';
import type { CfnTemplate } from '#local/deploy/template.ts';
import { writeSamples } from '#shared/capacity-history.ts';
import { EMERGENCY_SCALE_STATES as S } from '#state-machines/emergency-scale.ts';
import { type LedgerTable, startLedgerTable } from '#test/support/ledger-table.ts';
import { ScalingFleet, scalingConfig, T0 } from '#test/support/scaling-fleet.ts';
import { definitionFromTemplate, runStateMachine, type TaskRoute } from '#test/support/sfn.ts';
import { synthTemplate, testApp } from '#test/support/stack.ts';
import exampleConfig from '../../ballast.config.ts';

/**
 * The synthesized emergency-scale ASL, run with aws-local-stepfunctions. Lambda tasks are routed to the
 * cores on a fake fleet (aws-sdk-client-mock) with the ledger in dynalite; each Wait's time is added to the
 * fleet's clock by the next step, and the fleet starts tasks and hosts on each poll.
 */
let template: CfnTemplate;
let definition: Record<string, unknown>;
let ledger: LedgerTable;
let fleet: ScalingFleet;

beforeAll(async () => {
  const { stacks } = buildApp({ app: testApp(), config: exampleConfig, nag: false });
  template = synthTemplate(stacks[0]!);
  definition = definitionFromTemplate(template, 'ballast-emergency-scale');
  ledger = await startLedgerTable();
});
afterAll(async () => ledger.close());

let region = 0;
beforeEach(async () => {
  fleet = new ScalingFleet(ledger.dynamo, ledger.tableName);
  // A region of its own per test (one dynalite table): locks and records do not leak between tests.
  region++;
});

function deps(extra: Partial<ScalingDeps> = {}): ScalingDeps {
  const config = { ...scalingConfig(), region: `us-test-${region}` };
  return fleet.deps(config, extra);
}

/** Routes every Lambda task to its core; `override` replaces some (to inject faults). */
function coreRoutes(d: ScalingDeps, override: Record<string, TaskRoute> = {}): Record<string, TaskRoute> {
  const routes: Record<string, TaskRoute> = {
    [S.validate]: (input: { input: unknown; executionName: string }) =>
      validateInput(input.input, d, input.executionName),
  };
  const step = (input: { op: string; state: ScaleState }) => {
    const state = input.state;
    if (input.op === 'hold')
      fleet.now = new Date(Math.max(fleet.now.getTime(), Date.parse(state.wakeAt ?? fleet.now.toISOString())));
    if (input.op === 'apply' || input.op === 'check') fleet.advance(state.waitSeconds);
    fleet.tick();
    const op = RAISE_OPS[input.op];
    if (!op) throw new Error(`unknown op ${input.op}`);
    return op(state, d);
  };
  for (const name of [
    S.lock,
    S.snapshot,
    S.plan,
    S.raiseHosts,
    S.applyTier,
    S.checkTier,
    S.record,
    S.checkHold,
    S.startRestore,
    S.extend,
    S.recordFailure,
  ]) {
    routes[name] = step;
  }
  return { ...routes, ...override };
}

const raise = { action: 'raise', reason: 'CloudWatch impaired in us-east-1', owner: 'alice', requestId: 'inc-42' };

async function seedHistory(d: ScalingDeps) {
  // The last day: api peaked at 8 running tasks; frontend and jobs have no history (a fresh deployment).
  for (const [minutes, running] of [
    [600, 5],
    [300, 8],
    [60, 6],
  ] as const) {
    await writeSamples(
      d.history,
      d.config.region,
      new Date(T0.getTime() - minutes * 60_000),
      {
        services: [{ cluster: 'web', service: 'api', desired: running, running, pending: 0 }],
        groups: [],
      },
      35,
    );
  }
}

describe('the emergency-scale state machine', () => {
  it('raises hosts first, then each tier clamp-safe (critical first), waits for running, holds and restores at expiry', async () => {
    // Arrange
    const d = deps();
    await seedHistory(d);
    // Act
    const run = await runStateMachine({ definition, input: raise, routes: coreRoutes(d) });
    // Assert
    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(run.visitedStates.slice(0, 8)).toEqual([
      S.receive,
      S.validate,
      S.route,
      S.lock,
      S.lockAcquired,
      S.snapshot,
      S.plan,
      S.planOnly,
    ]);
    expect(run.visitedStates.slice(-3)).toEqual([S.holding, S.startRestore, S.restoreStarted]);
    const order = fleet.mutations.map(
      (m) => `${m.action}:${String(m.input.ResourceId ?? m.input.service ?? m.input.AutoScalingGroupName)}`,
    );
    expect(order).toEqual([
      'autoscaling:UpdateAutoScalingGroup:web-hosts',
      'application-autoscaling:RegisterScalableTarget:service/web/api',
      'application-autoscaling:RegisterScalableTarget:service/web/frontend',
    ]);
    expect(fleet.mutations[0]!.input).toMatchObject({ MinSize: 3, DesiredCapacity: 3, MaxSize: 6 });
    expect(fleet.mutations[1]!.input).toEqual({
      ServiceNamespace: 'ecs',
      ResourceId: 'service/web/api',
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 8,
      MaxCapacity: 10,
      SuspendedState: {
        DynamicScalingInSuspended: true,
        ScheduledScalingSuspended: true,
        DynamicScalingOutSuspended: false,
      },
    });
    expect(fleet.service('web/api')).toMatchObject({ desired: 8, running: 8 });
    const state = run.output as ScaleState;
    expect(state.services.find((s) => s.key === 'web/frontend')).toMatchObject({
      noHistory: true,
      target: 2,
      reached: true,
    });
    expect(state.tiers.map((t) => [t.tier, t.outcome])).toEqual([
      ['critical', 'reached'],
      ['standard', 'reached'],
      ['batch', 'reached'],
    ]);
    expect(fleet.events.map((e) => e.type)).toEqual(['Scaling Override Applied', 'Scaling Override Expiring']);
    expect(fleet.events[0]!.detail).toMatchObject({
      owner: 'alice',
      reason: raise.reason,
      overrideId: state.overrideId,
    });
    expect(fleet.startedExecutions).toEqual([
      expect.objectContaining({
        name: `expiry-${state.overrideId}`,
        input: expect.stringContaining('"trigger":"expiry"'),
      }),
    ]);
    const record = await ledger.dynamo.send(
      new GetCommand({ TableName: ledger.tableName, Key: overrideKeys.record(d.config.region, state.overrideId) }),
    );
    expect(record.Item?.snapshot.services.find((s: { key: string }) => s.key === 'web/api')).toMatchObject({
      desired: 4,
      running: 4,
      target: { min: 2, max: 10, suspended: { dynamicIn: false, dynamicOut: false, scheduled: false } },
      policies: ['cpu-target-tracking'],
    });
    expect(record.Item?.actions).toHaveLength(3);
    expect(record.Item?.actions[1]).toMatchObject({
      call: 'application-autoscaling:RegisterScalableTarget',
      resource: 'web/api',
      requestId: expect.stringMatching(/^req-/),
    });
  });

  it.each([
    ['a plan', { action: 'plan', scope: { tier: 'critical' } }],
    ['a raise with dryRun', { ...raise, dryRun: true }],
  ])('computes and reports %s without any mutating call', async (_what, input) => {
    const d = deps();
    await seedHistory(d);

    const run = await runStateMachine({ definition, input, routes: coreRoutes(d) });

    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(run.visitedStates.at(-1)).toBe(S.planReported);
    expect(run.visitedStates).not.toContain(S.lock);
    expect(fleet.mutations).toEqual([]);
    expect(fleet.events.map((e) => e.type)).toEqual(['Scaling Override Planned']);
    expect(
      (fleet.events[0]!.detail.services as { service: string; target: number }[]).find((s) => s.service === 'web/api')
        ?.target,
    ).toBe(8);
  });

  it('makes one override of two raises at once: the second joins and extends the first', async () => {
    const d = deps();
    const first = runStateMachine({
      definition,
      input: raise,
      routes: coreRoutes(d, { [S.checkHold]: (i: { state: ScaleState }) => ({ ...i.state, phase: 'released' }) }),
    });
    await first;
    const mutations = fleet.mutations.length;

    const second = await runStateMachine({
      definition,
      input: { ...raise, requestId: 'inc-43', hours: 6 },
      routes: coreRoutes(d),
    });

    expect(second.status).toBe('SUCCEEDED');
    expect(second.visitedStates.at(-1)).toBe(S.joined);
    expect(fleet.mutations.length).toBe(mutations);
    const lock = await ledger.dynamo.send(
      new GetCommand({ TableName: ledger.tableName, Key: overrideKeys.lock(d.config.region) }),
    );
    expect(lock.Item?.overrideId).toBe((second.output as ScaleState).joinedOverrideId);
    expect(Date.parse(lock.Item?.holdUntil)).toBe(fleet.now.getTime() + 6 * 3_600_000);
  });

  it('completes the raise with no failed step when calls are throttled, backing off and going on', async () => {
    const d = deps();
    fleet.throttleEvery = 2;

    const run = await runStateMachine({ definition, input: raise, routes: coreRoutes(d) });

    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(run.visitedStates).toContain(S.waitForRateLimit);
    expect(run.visitedStates).not.toContain(S.recordFailure);
    const registered = fleet
      .mutationsOf('application-autoscaling:RegisterScalableTarget')
      .map((m) => m.input.ResourceId);
    expect(registered).toEqual(['service/web/api', 'service/web/frontend']);
  });

  it('extends the active override, and names the problem when there is none', async () => {
    const d = deps();
    const none = await runStateMachine({ definition, input: { action: 'extend', hours: 2 }, routes: coreRoutes(d) });
    expect(none.status).toBe('FAILED');
    expect(none.error).toBe('NoActiveOverride');
    expect(none.cause).toMatch(/no active override/);

    await runStateMachine({
      definition,
      input: raise,
      routes: coreRoutes(d, { [S.checkHold]: (i: { state: ScaleState }) => ({ ...i.state, phase: 'released' }) }),
    });
    const lockBefore = await ledger.dynamo.send(
      new GetCommand({ TableName: ledger.tableName, Key: overrideKeys.lock(d.config.region) }),
    );
    const extended = await runStateMachine({
      definition,
      input: { action: 'extend', hours: 3, reason: 'still impaired' },
      routes: coreRoutes(d),
    });

    expect(extended.status).toBe('SUCCEEDED');
    expect(extended.visitedStates.at(-1)).toBe(S.extended);
    expect(Date.parse((extended.output as ScaleState).holdUntil!)).toBe(
      Date.parse(lockBefore.Item?.holdUntil) + 3 * 3_600_000,
    );
  });

  it('reports a tier that does not reach its targets in time and still holds the rest', async () => {
    const d = deps();
    await seedHistory(d);
    // One host (room for 4 tasks) and a raise of the hosts that does not happen: api cannot place 8 tasks.
    Object.assign(fleet.groups.get('web-hosts')!, { min: 1, desired: 1, inService: 1 });
    const routes = coreRoutes(d, {
      [S.raiseHosts]: (i: { state: ScaleState }) => ({ ...i.state, phase: 'applying', waitSeconds: 0 }),
    });

    const run = await runStateMachine({ definition, input: raise, routes });

    expect(run.status, run.cause).toBe('SUCCEEDED');
    const state = run.output as ScaleState;
    expect(state.tiers[0]).toMatchObject({ tier: 'critical', outcome: 'timed-out' });
    expect(state.services.find((s) => s.key === 'web/api')).toMatchObject({
      reached: false,
      placementFailure: expect.stringMatching(/unable to place/),
    });
    expect(fleet.events[0]).toMatchObject({
      type: 'Scaling Override Applied',
      detail: { message: expect.stringMatching(/not reached: web\/api/) },
    });
  });
});
