import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAILOVER_EVENT } from '#events/failover-events.ts';
import type { FailoverDeps } from '#functions/region-failover/core/deps.ts';
import { FAILOVER_OPS, validateRequest } from '#functions/region-failover/core/flow.ts';
import type { FailoverState } from '#functions/region-failover/state.ts';
import { buildApp } from '#infra/app.ts';
import { routeAsl } from '#local/deploy/asl.ts';
import type { CfnTemplate } from '#local/deploy/template.ts';
import { REGION_FAILOVER_STATES as S } from '#state-machines/region-failover.ts';
import { definitionFromTemplate, handlerRoutes, runStateMachine, type TaskRoute } from '#test/support/sfn.ts';
import { synthTemplate, testApp } from '#test/support/stack.ts';
import { type LedgerTable, startLedgerTable } from '#test/unit/region-failover/ledger-table.ts';
import { BASE_CONFIG, FailoverWorld } from '#test/unit/region-failover/world.ts';
import exampleConfig from '../../ballast.config.ts';

/**
 * The synthesized region-failover ASL, run with aws-local-stepfunctions. Lambda tasks are routed to the cores
 * over a fake multi-region AWS (aws-sdk-client-mock) and a real DynamoDB (dynalite) ledger; each Wait's seconds
 * advance the world's virtual clock in the step that follows it.
 */
let template: CfnTemplate;
let definition: Record<string, unknown>;
let ledger: LedgerTable;
let world: FailoverWorld;

beforeAll(() => {
  const { stacks } = buildApp({ app: testApp(), config: exampleConfig, nag: false });
  template = synthTemplate(stacks[1]!);
  definition = definitionFromTemplate(template, 'ballast-region-failover');
});

beforeEach(async () => {
  ledger = await startLedgerTable();
  world = new FailoverWorld(ledger);
});
afterEach(async () => {
  await ledger.close();
});

const STEP_STATES: Record<string, string> = {
  [S.checkReadiness]: 'readiness',
  [S.recordCommand]: 'command',
  [S.acquireFence]: 'fence',
  [S.raiseCapacity]: 'raise',
  [S.checkCapacity]: 'capacity',
  [S.shiftTraffic]: 'shift',
  [S.checkChange]: 'change',
  [S.watchRung]: 'watch',
  [S.checkCommands]: 'paused',
  [S.completeFailover]: 'complete',
  [S.scaleDownOldRegion]: 'scale-down',
  [S.abortFailover]: 'abort',
  [S.recordFailure]: 'fail',
};

/** Which steps come right after a Wait state (so the world's clock moves by `waitSeconds` first). */
function waitedBefore(op: string, state: FailoverState): number {
  if (['capacity', 'change', 'watch', 'paused', 'scale-down'].includes(op)) return state.waitSeconds;
  if (op === 'shift' && state.phase === 'warm-up') return state.waitSeconds;
  if (op === 'complete' && state.phase === 'settling') return state.waitSeconds;
  return 0;
}

function coreRoutes(
  w: FailoverWorld,
  deps: FailoverDeps,
  override: Record<string, TaskRoute> = {},
): Record<string, TaskRoute> {
  const routes: Record<string, TaskRoute> = { [S.validate]: (input) => validateRequest(input, deps) };
  for (const [name, op] of Object.entries(STEP_STATES)) {
    routes[name] = (input: { op: string; state: FailoverState }) => {
      w.advance(waitedBefore(input.op, input.state));
      const step = FAILOVER_OPS[input.op];
      if (!step) throw new Error(`unknown op ${input.op} (state ${name} expects ${op})`);
      return step(input.state, deps);
    };
  }
  return { ...routes, ...override };
}

const start = (extra: Record<string, unknown> = {}) => ({
  action: 'failover',
  to: 'us-west-2',
  requestId: 'incident-311',
  ...extra,
});

describe('the region-failover state machine', () => {
  it('raises the standby first, then climbs every rung, and completes with the fence naming the destination', async () => {
    // Arrange: the source's recent peak is 12 api tasks; api has a scalable target (max 10), frontend none
    await world.ledger.dynamo.send(
      new (await import('@aws-sdk/lib-dynamodb')).PutCommand({
        TableName: ledger.tableName,
        Item: { pk: 'HISTORY#us-east-1#web/api', sk: '2026-12-01T03:00:00.000Z', running: 12, desired: 12 },
      }),
    );
    world.service('us-west-2', 'web/api').scalable = { min: 2, max: 10, scaleInSuspended: false };
    world.service('us-east-1', 'web/frontend').desired = 6;
    // Act
    const run = await runStateMachine({ definition, input: start(), routes: coreRoutes(world, world.deps()) });
    // Assert: capacity before traffic
    expect(run.status, run.cause).toBe('SUCCEEDED');
    const firstChange = world.calls.findIndex((c) => c.action === 'route53:ChangeResourceRecordSets');
    const raises = world.calls
      .map((c, i) => ({ ...c, i }))
      .filter((c) => /RegisterScalableTarget|UpdateService|UpdateAutoScalingGroup/.test(c.action));
    expect(raises.length).toBeGreaterThan(0);
    expect(raises.every((c) => c.i < firstChange)).toBe(true);
    // clamp-safe: one RegisterScalableTarget with MinCapacity = target, MaxCapacity >= target, scale-in suspended
    const register = world.mutations('application-autoscaling:RegisterScalableTarget');
    expect(register).toHaveLength(1);
    expect(register[0]!.input).toMatchObject({
      MinCapacity: 12,
      MaxCapacity: 12,
      SuspendedState: { DynamicScalingInSuspended: true },
    });
    expect(world.mutations('ecs:UpdateService').map((c) => c.input)).toEqual([
      { cluster: 'web', service: 'frontend', desiredCount: 6 },
    ]);
    expect(world.service('us-west-2', 'web/api')).toMatchObject({ desired: 12, running: 12 });
    // the group's MinSize was raised, never lowered
    expect(world.mutations('autoscaling:UpdateAutoScalingGroup')[0]?.input.MinSize).toBeGreaterThan(1);
    // every rung, in order, then all traffic on the destination
    const percents = (run.output as FailoverState).rungs;
    const shifted = world.events.filter(
      (e) => e.detailType === FAILOVER_EVENT.step && /of traffic to/.test(e.detail.message),
    );
    expect(shifted.map((e) => e.detail.percent)).toEqual(percents);
    expect(world.percentTo('us-west-2')).toBe(100);
    expect(await ledger.store('us-west-2').readFence()).toMatchObject({ activeRegion: 'us-west-2', epoch: 1 });
    expect(world.events.map((e) => e.detailType)).toEqual(
      expect.arrayContaining([FAILOVER_EVENT.started, FAILOVER_EVENT.completed]),
    );
    const record = await ledger.store('us-west-2').getRecord((run.output as FailoverState).failoverId);
    expect(record).toMatchObject({ outcome: 'completed', source: 'us-east-1', destination: 'us-west-2', percent: 100 });
    expect(run.visitedStates).toContain(S.warmUp);
    expect(run.visitedStates.at(-1)).toBe(S.done);
  });

  it('fails over with the source region down: best-effort reads time out, nothing in the source is needed', async () => {
    // Arrange
    world.region('us-east-1').down = true;
    // Act
    const run = await runStateMachine({
      definition,
      input: start({ mode: 'immediate' }),
      routes: coreRoutes(world, world.deps()),
    });
    // Assert
    expect(run.status, run.cause).toBe('SUCCEEDED');
    const inSource = world.calls.filter((c) => c.region === 'us-east-1');
    // Best-effort reads only: its desired counts for the targets, its request counts for the measured drain.
    expect(inSource.map((c) => c.action)).toEqual(['ecs:DescribeServices', 'cloudwatch:GetMetricData']);
    // without history or the source's desired count, the destination is raised to its floor and says so
    const detail = world.events.find((e) => e.detailType === FAILOVER_EVENT.completed)!.detail;
    expect(detail.services.find((s) => s.service === 'api')?.problem).toMatch(/raised to the floor/);
  });

  it('moves all traffic in one Route 53 change in immediate mode, waiting for INSYNC and the TTL', async () => {
    const run = await runStateMachine({
      definition,
      input: start({ mode: 'immediate' }),
      routes: coreRoutes(world, world.deps()),
    });
    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(world.mutations('route53:ChangeResourceRecordSets')).toHaveLength(1);
    expect(run.visitedStates).toContain(S.waitForClients);
    expect(run.visitedStates).not.toContain(S.holdRung);
    expect(world.percentTo('us-west-2')).toBe(100);
  });

  it('cuts a bad rung back to the previous one at once, pauses, and goes back to the source on abort', async () => {
    // Arrange: the standby fails 30 % of requests once it carries 25 % or more
    world.region('us-west-2').errorRateAt = (percent) => (percent >= 25 ? 0.3 : 0);
    const deps = world.deps();
    let maxPercent = 0;
    const routes = coreRoutes(world, deps);
    const shift = routes[S.shiftTraffic]!;
    const paused = routes[S.checkCommands]!;
    let commanded = false;
    // Act: the operator looks at the paused failover and aborts it
    const run = await runStateMachine({
      definition,
      input: start(),
      routes: {
        ...routes,
        [S.shiftTraffic]: async (input, call) => {
          const out = (await shift(input, call)) as FailoverState;
          maxPercent = Math.max(maxPercent, world.percentTo('us-west-2'));
          return out;
        },
        [S.checkCommands]: async (input, call) => {
          if (!commanded) {
            commanded = true;
            await deps.store.recordCommand(input.state.failoverId, 'abort', world.now, 'standby is bad');
          }
          return paused(input, call);
        },
      },
    });
    // Assert
    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(run.visitedStates.at(-1)).toBe(S.aborted);
    expect(maxPercent).toBe(25);
    const cut = world.events.filter((e) => e.detailType === FAILOVER_EVENT.cutBack);
    expect(cut).toHaveLength(1);
    expect(cut[0]!.detail).toMatchObject({ percent: 5 });
    // The watch reads the last two complete minutes: the bad rung's 30 % blended with the minute before it.
    expect(cut[0]!.detail.reason).toMatch(/error rate (2\d|30)\.\d\d% over 2\.00%/);
    expect(world.percentTo('us-west-2')).toBe(0);
    const fence = await ledger.store('us-west-2').readFence();
    expect(fence).toMatchObject({ activeRegion: 'us-east-1' });
    expect(fence.holder).toBeUndefined();
    // the bad rung was watched for one watch interval only before the cut back
    const output = run.output as FailoverState;
    expect(output.cutBacks).toEqual([expect.objectContaining({ fromPercent: 25, toPercent: 5 })]);
  });

  it('resumes after a cut back when the operator says so, and then climbs on', async () => {
    let bad = true;
    world.region('us-west-2').errorRateAt = (percent) => (bad && percent >= 50 ? 0.5 : 0);
    const deps = world.deps();
    const routes = coreRoutes(world, deps);
    const paused = routes[S.checkCommands]!;
    const run = await runStateMachine({
      definition,
      input: start(),
      routes: {
        ...routes,
        [S.checkCommands]: async (input, call) => {
          if (bad) {
            bad = false; // fixed by the operator
            await deps.store.recordCommand(input.state.failoverId, 'resume', world.now);
          }
          return paused(input, call);
        },
      },
      maxTransitions: 2000,
    });
    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(run.visitedStates.at(-1)).toBe(S.done);
    expect(world.events.filter((e) => e.detailType === FAILOVER_EVENT.cutBack)).toHaveLength(1);
    expect(world.percentTo('us-west-2')).toBe(100);
  });

  it('skips the rest of a hold on promote, and takes the command through the same state machine', async () => {
    const deps = world.deps();
    const routes = coreRoutes(world, deps);
    const watch = routes[S.watchRung]!;
    const watchedAt: number[] = [];
    const run = await runStateMachine({
      definition,
      input: start(),
      routes: {
        ...routes,
        [S.watchRung]: async (input, call) => {
          watchedAt.push(input.state.percent);
          if (watchedAt.length === 1) {
            const command = await runStateMachine({
              definition,
              input: { action: 'promote', reason: 'looks fine' },
              routes: coreRoutes(world, deps),
            });
            expect(command.status, command.cause).toBe('SUCCEEDED');
            expect(command.visitedStates).toEqual([S.validate, S.route, S.recordCommand, S.commandRecorded]);
          }
          return watch(input, call);
        },
      },
    });
    expect(run.status, run.cause).toBe('SUCCEEDED');
    // 1 % was watched once (the promote), every later rung twice (120 s hold, a watch every 60 s)
    expect(watchedAt).toEqual([1, 5, 5, 25, 25, 50, 50, 100, 100]);
    // ... plus the drain measured at completion: the request counts of each region, once.
    expect(world.mutations('cloudwatch:GetMetricData')).toHaveLength(watchedAt.length - 1 + 2);
  });

  it('lets exactly one of two failovers started at once in two regions proceed; the other ends in Fence Held', async () => {
    // Arrange: three regions, one ledger (the fence item as both see it)
    const config = {
      ...BASE_CONFIG,
      regions: { ...BASE_CONFIG.regions, 'us-east-2': BASE_CONFIG.regions['us-west-2'] },
    };
    const west = new FailoverWorld(ledger, config, 'us-west-2');
    const central = new FailoverWorld(ledger, config, 'us-east-2');
    // Act
    const [a, b] = await Promise.all([
      runStateMachine({ definition, input: start(), routes: coreRoutes(west, west.deps()) }),
      runStateMachine({ definition, input: start({ to: 'us-east-2' }), routes: coreRoutes(central, central.deps()) }),
    ]);
    // Assert
    const runs = [a, b];
    expect(runs.filter((r) => r.status === 'SUCCEEDED')).toHaveLength(1);
    const loser = runs.find((r) => r.status === 'FAILED')!;
    expect(loser.error).toBe('FenceHeld');
    expect(loser.cause).toMatch(/holds the fence .*changed nothing/);
    const loserWorld = loser === a ? west : central;
    expect(
      loserWorld.calls.filter((c) => /UpdateService|RegisterScalableTarget|ChangeResourceRecordSets/.test(c.action)),
    ).toEqual([]);
    const winner = loser === a ? 'us-east-2' : 'us-west-2';
    expect(await ledger.store(winner).readFence()).toMatchObject({ activeRegion: winner, epoch: 1 });
  });

  it('rejects a malformed input at the first state, naming the field, with no AWS call', async () => {
    const run = await runStateMachine({
      definition,
      input: { action: 'failover', to: 'us-west-2', rungs: [5, 1, 100], shares: 50 },
      routes: coreRoutes(world, world.deps()),
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidInput');
    expect(run.cause).toMatch(/shares: unknown field/);
    expect(run.cause).toMatch(/rungs\.1: must be strictly increasing/);
    expect(run.visitedStates).toEqual([S.validate, S.invalidInput]);
    expect(world.calls).toEqual([]);
  });

  it('refuses a failover started in the wrong region before any call', async () => {
    const run = await runStateMachine({
      definition,
      input: start({ to: 'us-east-1' }),
      routes: coreRoutes(world, world.deps()),
    });
    expect(run.error).toBe('InvalidInput');
    expect(run.cause).toMatch(/to: us-east-1 is not this region \(us-west-2\)/);
    expect(world.calls).toEqual([]);
  });

  it('changes nothing when the weighted records to steer are missing', async () => {
    world.records.get('api.example.com')!.delete('us-west-2');
    const run = await runStateMachine({ definition, input: start(), routes: coreRoutes(world, world.deps()) });
    expect(run.error).toBe('RecordsMissing');
    expect(run.cause).toMatch(/api\.example\.com CNAME SetIdentifier=us-west-2/);
    expect(world.calls.filter((c) => !/Describe|List|Get/.test(c.action))).toEqual([]);
    expect((await ledger.store('us-west-2').readFence()).epoch).toBe(0);
  });

  it('releases the fence and reports where traffic is when a step keeps failing', async () => {
    const deps = world.deps();
    const routes = coreRoutes(world, deps);
    const run = await runStateMachine({
      definition,
      input: start(),
      routes: {
        ...routes,
        [S.watchRung]: () => {
          const error = new Error('GetMetricData: access denied');
          error.name = 'AccessDeniedException';
          throw error;
        },
      },
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('FailoverFailed');
    expect(run.visitedStates.slice(-2)).toEqual([S.recordFailure, S.failoverFailed]);
    expect((await ledger.store('us-west-2').readFence()).holder).toBeUndefined();
    const failed = world.events.find((e) => e.detailType === FAILOVER_EVENT.failed)!;
    expect(failed.detail.message).toMatch(/1% of traffic on us-west-2/);
    expect(failed.detail.reason).toMatch(/AccessDeniedException/);
  });

  it('drills: 1 % to the destination for the hold, then back, with an evidence record against the RTO', async () => {
    // Act
    const run = await runStateMachine({
      definition,
      input: { action: 'drill', to: 'us-west-2', percent: 1, holdSeconds: 300, requestId: 'release-42' },
      routes: coreRoutes(world, world.deps()),
    });
    // Assert
    expect(run.status, run.cause).toBe('SUCCEEDED');
    const shares = world.shareHistory.map((h) => h.percents['us-west-2']);
    expect(shares).toEqual([1, 0]);
    expect(world.percentTo('us-west-2')).toBe(0);
    const fence = await ledger.store('us-west-2').readFence();
    expect(fence).toMatchObject({ activeRegion: 'us-east-1', epoch: 1 });
    expect(fence.holder).toBeUndefined();
    const report = world.events.find((e) => e.detailType === FAILOVER_EVENT.drillReport)!;
    expect(report.detail.kind).toBe('drill');
    const evidence = report.detail.evidence!;
    expect(evidence.phases.capacity).toBeGreaterThan(0);
    expect(evidence.phases.traffic).toBeGreaterThanOrEqual(60); // INSYNC plus the 60 s TTL
    expect(evidence.totalSeconds).toBe(
      evidence.phases.fence! + evidence.phases.capacity! + evidence.phases.health! + evidence.phases.traffic!,
    );
    // measured from the request counts: the first minute in which the destination carried its 1 %
    expect(evidence.drainSeconds).toBe(60);
    expect(evidence).toMatchObject({ rtoSeconds: 900, withinRto: true });
    const record = await ledger.store('us-west-2').getRecord((run.output as FailoverState).failoverId);
    expect(record).toMatchObject({ kind: 'drill', outcome: 'completed', evidence });
  });

  it('fails back only once the old region has been healthy and out of traffic long enough', async () => {
    // Arrange: us-west-2 is active since a failover that completed just now
    const fence = ledger.store('us-west-2');
    await fence.acquire('failover-1111111111111111aaaa', 'us-west-2', world.now);
    await fence.complete('failover-1111111111111111aaaa', 1, 'us-west-2', world.now);
    const east = new FailoverWorld(ledger, BASE_CONFIG, 'us-east-1');
    east.now = new Date(world.now);
    const sets = east.records.get('api.example.com')!;
    sets.get('us-east-1')!.Weight = 0;
    sets.get('us-west-2')!.Weight = 200;
    // Act: too early
    const early = await runStateMachine({
      definition,
      input: { action: 'failback', requestId: 'back-1' },
      routes: coreRoutes(east, east.deps()),
    });
    // Assert
    expect(early.error).toBe('NotHealthyLongEnough');
    expect(early.cause).toMatch(/the last failover ended 0 s ago \(needs 1800 s\)/);
    expect(east.calls.filter((c) => !/Describe|List|Get/.test(c.action))).toEqual([]);
    // Act: half an hour later
    east.advance(1800);
    const run = await runStateMachine({
      definition,
      input: { action: 'failback', mode: 'immediate', requestId: 'back-2' },
      routes: coreRoutes(east, east.deps()),
    });
    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(await fence.readFence()).toMatchObject({ activeRegion: 'us-east-1', epoch: 2 });
    expect(east.events.map((e) => e.detailType)).toContain(FAILOVER_EVENT.failbackCompleted);
    expect((run.output as FailoverState).source).toBe('us-west-2');
    expect(east.percentTo('us-east-1')).toBe(100);
  });

  it('checks readiness read-only and emits Readiness Changed only when the result changes', async () => {
    // Arrange: the source's peak needs 50 api tasks, above the standby's ceiling of 40
    await ledger.dynamo.send(
      new (await import('@aws-sdk/lib-dynamodb')).PutCommand({
        TableName: ledger.tableName,
        Item: { pk: 'HISTORY#us-east-1#web/api', sk: '2026-12-01T09:00:00.000Z', running: 50, desired: 50 },
      }),
    );
    world.service('us-west-2', 'web/frontend').running = 0;
    const check = () =>
      runStateMachine({ definition, input: { action: 'readiness' }, routes: coreRoutes(world, world.deps()) });
    // Act
    const first = await check();
    const second = await check();
    await ledger.dynamo.send(
      new (await import('@aws-sdk/lib-dynamodb')).PutCommand({
        TableName: ledger.tableName,
        Item: { pk: 'HISTORY#us-east-1#web/api', sk: '2026-12-01T09:00:00.000Z', running: 10, desired: 10 },
      }),
    );
    world.service('us-west-2', 'web/frontend').running = 1;
    const third = await check();
    // Assert
    expect(first.visitedStates).toEqual([S.validate, S.route, S.checkReadiness, S.readinessChecked]);
    expect((first.output as FailoverState).problems).toEqual([
      'headroom: web/api would need 50 tasks but its ceiling is 40',
      'web/frontend runs 0, below its floor 1',
      // 2 hosts run 3 tasks today; 42 tasks would need 28 of them
      'headroom: group web-hosts would need 28 hosts but its MaxSize is 20',
    ]);
    expect((third.output as FailoverState).outcome).toBe('ready');
    expect(second.status).toBe('SUCCEEDED');
    const changed = world.events.filter((e) => e.detailType === 'Readiness Changed');
    expect(changed.map((e) => (e.detail as unknown as { ready: boolean }).ready)).toEqual([false, true]);
    expect(world.calls.filter((c) => !/Describe|List|Get|PutEvents/.test(c.action))).toEqual([]);
  });

  it('scales the old region down to its floors after the bake, and reports it when that region is unreachable', async () => {
    // Arrange
    const config = {
      ...BASE_CONFIG,
      policies: { failover: { ...BASE_CONFIG.policies.failover, scaleDownAfterBakeSeconds: 3600 } },
    };
    const baking = new FailoverWorld(ledger, config);
    baking.service('us-east-1', 'web/api').scalable = { min: 12, max: 40, scaleInSuspended: true };
    baking.service('us-east-1', 'web/api').desired = 12;
    baking.service('us-east-1', 'web/frontend').desired = 6;
    // Act
    const run = await runStateMachine({
      definition,
      input: start({ mode: 'immediate' }),
      routes: coreRoutes(baking, baking.deps()),
    });
    // Assert
    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(run.visitedStates.slice(-4)).toEqual([S.bakeThenScaleDown, S.bake, S.scaleDownOldRegion, S.done]);
    const lowered = baking.calls.filter(
      (c) => c.region === 'us-east-1' && /RegisterScalableTarget|UpdateService/.test(c.action),
    );
    expect(lowered.map((c) => c.input)).toEqual([
      expect.objectContaining({
        ResourceId: 'service/web/api',
        MinCapacity: 4,
        SuspendedState: expect.objectContaining({ DynamicScalingInSuspended: false }),
      }),
      { cluster: 'web', service: 'frontend', desiredCount: 2 },
    ]);
    // the bake came first: the old region was lowered an hour after the failover completed
    const completedAt = Date.parse(baking.events.find((e) => e.detailType === FAILOVER_EVENT.completed)!.detail.at);
    const loweredAt = Date.parse(baking.events.find((e) => /after the bake/.test(e.detail.message))!.detail.at);
    expect(loweredAt - completedAt).toBe(3_600_000);
    expect((run.output as FailoverState).scaledDown).toEqual([
      'web/api minimum 12 -> 4, scale-in resumed',
      'web/frontend desired 6 -> 2',
    ]);

    // Arrange: the same, with the old region still down
    await ledger.close();
    ledger = await startLedgerTable();
    const down = new FailoverWorld(ledger, config);
    down.region('us-east-1').down = true;
    const again = await runStateMachine({
      definition,
      input: start({ mode: 'immediate' }),
      routes: coreRoutes(down, down.deps()),
    });
    expect(again.status, again.cause).toBe('SUCCEEDED');
    expect((again.output as FailoverState).scaledDown).toEqual([
      'us-east-1 could not be reached: nothing was lowered; scale it down by hand',
    ]);
  });

  it('routes every Task state (the definition has no JSONata and no Assign)', () => {
    const names = routeAsl(definition).tasks.map((t) => t.name);
    expect(new Set(names)).toEqual(new Set([S.validate, ...Object.keys(STEP_STATES)]));
    expect(JSON.stringify(definition)).not.toMatch(/JSONata|"Assign"/);
  });

  it('runs the real validate handler from the template and rejects a malformed input before any AWS call', async () => {
    const routes = await handlerRoutes(template, definition);
    const fn = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        (r.Metadata as Record<string, unknown> | undefined)?.['ballast:entry'] ===
          'functions/region-failover/validate.ts',
    );
    const bundled = (fn?.Metadata as { 'ballast:config'?: Record<string, string> } | undefined)?.['ballast:config'];
    process.env.BALLAST_FAILOVER_CONFIG = String(bundled?.BALLAST_FAILOVER_CONFIG);
    process.env.BALLAST_LEDGER_TABLE = 'ballast-ledger';
    const unrouted = (): never => {
      throw new Error('must not be reached');
    };
    const all = Object.fromEntries(routeAsl(definition).tasks.map((t) => [t.name, routes[t.name] ?? unrouted]));
    const run = await runStateMachine({ definition, input: { action: 'failover', to: 'west' }, routes: all });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidInput');
    expect(run.cause).toMatch(/to: must be an AWS region name/);
  });
});
