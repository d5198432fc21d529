import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DrainDeps } from '#functions/host-draining/core/deps.ts';
import { resolveRequest } from '#functions/host-draining/core/resolve.ts';
import { DRAIN_OPS } from '#functions/host-draining/drain.ts';
import { FINISH_OPS } from '#functions/host-draining/finish.ts';
import type { DrainState } from '#functions/host-draining/state.ts';
import { buildApp } from '#infra/app.ts';
import { routeAsl } from '#local/deploy/asl.ts';
import type { CfnTemplate } from '#local/deploy/template.ts';
import { DRAIN_HOST_STATES as S } from '#state-machines/drain-host.ts';
import {
  definitionFromTemplate,
  handlerRoutes,
  runStateMachine,
  type TaskRoute,
  TEST_TASK_TOKEN,
  taskError,
} from '#test/support/sfn.ts';
import { synthTemplate, testApp } from '#test/support/stack.ts';
import { FakeFleet, sample, terminateEvent, testConfig, WEB_INSTANCE } from '#test/unit/host-draining/fleet.ts';
import exampleConfig from '../../ballast.config.ts';

/**
 * The synthesized drain-host ASL, run with aws-local-stepfunctions. Lambda tasks are routed to the cores
 * on a fake fleet with a virtual clock (each Wait's seconds are added to the clock by the next step);
 * one test runs the real handler modules.
 */
let template: CfnTemplate;
let definition: Record<string, unknown>;
let fleet: FakeFleet;

beforeAll(() => {
  const { stacks } = buildApp({ app: testApp(), config: exampleConfig, nag: false });
  template = synthTemplate(stacks[0]!);
  definition = definitionFromTemplate(template, 'ballast-drain-host');
});

beforeEach(() => {
  fleet = new FakeFleet();
  fleet.addService('api');
  fleet.addService('agent', { schedulingStrategy: 'DAEMON' });
  fleet.addInstance(WEB_INSTANCE, 'web', 'web-hosts');
  fleet.addInstance('i-0bbbbbbbbbbbbbbb1', 'web', 'web-hosts');
  fleet.terminating(WEB_INSTANCE);
});

const DRAIN_STATES: Record<string, string> = {
  [S.acquireBudget]: 'acquire',
  [S.startDrain]: 'start',
  [S.checkTasks]: 'check',
  [S.checkLaunch]: 'launch',
  [S.markHost]: 'mark',
  [S.extendDrain]: 'extend',
  [S.releaseHost]: 'release',
};
const FINISH_STATES: Record<string, string> = {
  [S.completeLifecycleAction]: 'complete',
  [S.releaseBudget]: 'release-budget',
  [S.recordOutcome]: 'record',
  [S.releaseBudgetAfterError]: 'release-budget',
  [S.recordFailure]: 'record',
};

/** Routes every Lambda task to its core; `override` replaces some (to inject faults). */
function coreRoutes(deps: DrainDeps, override: Record<string, TaskRoute> = {}): Record<string, TaskRoute> {
  const routes: Record<string, TaskRoute> = {
    [S.resolve]: (input: { input: unknown; execution: string }) => resolveRequest(input.input, deps, input.execution),
  };
  const step =
    (ops: Record<string, (s: DrainState, d: DrainDeps) => Promise<DrainState>>) =>
    (input: { op: string; state: DrainState }) => {
      // The Wait that led here took `waitSeconds` (or `settleSeconds` after Settle): advance virtual time.
      const state = input.state;
      const waited =
        state.phase === 'settle'
          ? state.settleSeconds
          : state.phase === 'draining' || state.phase === 'stopping' || state.phase === 'waiting-budget'
            ? state.waitSeconds
            : 0;
      fleet.advance(waited);
      if (waited > 0) fleet.tick();
      const op = ops[input.op];
      if (!op) throw new Error(`unknown op ${input.op}`);
      return op(state, deps);
    };
  for (const name of Object.keys(DRAIN_STATES)) routes[name] = step(DRAIN_OPS);
  for (const name of Object.keys(FINISH_STATES)) routes[name] = step(FINISH_OPS);
  // Nothing sends the token back here (no ECS events in the fake fleet): the wait runs to its timeout, the
  // fallback check (the next step advances the clock by its `waitSeconds`).
  routes[S.waitForTasks] = (input: { Payload: { op: string; token: string } }) => {
    expect(input.Payload).toMatchObject({ op: 'park', token: TEST_TASK_TOKEN });
    throw taskError('States.Timeout');
  };
  return { ...routes, ...override };
}

describe('the drain-host state machine', () => {
  it('drains a host on a terminate lifecycle action and completes it only after every task stopped', async () => {
    // Arrange
    fleet.addTask(WEB_INSTANCE, 'service:api');
    fleet.addTask(WEB_INSTANCE, 'service:agent');
    // Act
    const run = await runStateMachine({
      definition,
      input: await terminateEvent(WEB_INSTANCE),
      routes: coreRoutes(fleet.deps()),
    });
    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.visitedStates.slice(0, 6)).toEqual([
      S.resolve,
      S.route,
      S.acquireBudget,
      S.budgetAcquired,
      S.startDrain,
      S.drainDone,
    ]);
    expect(run.visitedStates).toContain(S.waitBeforeNextCheck);
    expect(run.visitedStates.slice(-5)).toEqual([
      S.settle,
      S.completeLifecycleAction,
      S.releaseBudget,
      S.recordOutcome,
      S.done,
    ]);
    expect(fleet.stoppedTasks(WEB_INSTANCE)).toBe(2);
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0]?.input.LifecycleActionResult).toBe('CONTINUE');
    expect((run.output as DrainState).outcome).toBe('drained');
    expect(fleet.ledger.budgets.get('us-east-1#web')?.size ?? 0).toBe(0);
  });

  it('with wake-ups, waits in Wait For Tasks (token) and checks at its timeout when no stop wakes it', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const deps = fleet.deps(testConfig({ wake: true }));

    const run = await runStateMachine({
      definition,
      input: await terminateEvent(WEB_INSTANCE),
      routes: coreRoutes(deps),
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.visitedStates).toContain(S.waitForTasks);
    expect(run.visitedStates).not.toContain(S.waitBeforeNextCheck);
    const parked = run.calls.filter((c) => c.stateName === S.waitForTasks);
    expect(parked.length).toBeGreaterThan(0);
    expect((run.output as DrainState).outcome).toBe('drained');
    expect(fleet.ledger.wakes.size).toBe(1);
  });

  it('sets DRAINING at once on a paced start and lists the host in the Check Tasks after its turn', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const deps = fleet.deps(testConfig({ wake: true }));
    // Two drains of the cluster started in this second: this one lists its host two seconds from now.
    const t0 = fleet.now.getTime();
    fleet.ledger.nextStartAt.set('us-east-1#web', t0 + 2000);

    const run = await runStateMachine({
      definition,
      input: await terminateEvent(WEB_INSTANCE),
      routes: coreRoutes(deps),
    });

    expect(run.status).toBe('SUCCEEDED');
    const start = run.visitedStates.indexOf(S.startDrain);
    expect(run.visitedStates.slice(start, start + 6)).toEqual([
      S.startDrain,
      S.drainDone,
      S.waitBeforeNextCheck,
      S.checkTasks,
      S.drainDone,
      S.waitForTasks,
    ]);
    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState')[0]?.at).toBe(new Date(t0).toISOString());
    const turn = run.calls.find((c) => c.stateName === S.checkTasks)?.input as { state: DrainState };
    expect(turn.state).toMatchObject({ phase: 'draining', waitSeconds: 2, startNote: 'set DRAINING' });
    expect(turn.state.startedAt).toBeUndefined();
    const final = run.output as DrainState;
    expect(final.outcome).toBe('drained');
    expect(final.startedAt).toBe(new Date(t0 + 2000).toISOString());
    expect(fleet.stoppedTasks(WEB_INSTANCE)).toBe(1);
  });

  it('fails a malformed manual input at the first state, naming the field, before any mutating call', async () => {
    const run = await runStateMachine({
      definition,
      input: await sample('manual-invalid-negative-deadline'),
      routes: coreRoutes(fleet.deps()),
    });

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidInput');
    expect(run.cause).toMatch(/deadlineMinutes: must be a positive number/);
    expect(run.visitedStates).toEqual([S.resolve, S.invalidInput]);
    expect(fleet.mutations).toEqual([]);
  });

  it('ends a duplicate delivery as Duplicate without mutating anything', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const event = await terminateEvent(WEB_INSTANCE);
    await runStateMachine({ definition, input: event, routes: coreRoutes(fleet.deps()) });
    const before = fleet.mutations.length;

    // A duplicate delivery starts another execution (EventBridge gives each its own name).
    const again = await runStateMachine({
      definition,
      input: event,
      routes: coreRoutes(fleet.deps()),
      context: { Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:ballast-drain-host:second' } },
    });

    expect(again.status).toBe('SUCCEEDED');
    expect(again.visitedStates).toEqual([S.resolve, S.route, S.duplicate]);
    expect(fleet.mutations).toHaveLength(before);
  });

  it('skips the Auto Scaling test notification', async () => {
    const run = await runStateMachine({
      definition,
      input: await sample('test-notification'),
      routes: coreRoutes(fleet.deps()),
    });

    expect(run.visitedStates).toEqual([S.resolve, S.route, S.skipped]);
  });

  it('holds a launching host until it is ACTIVE, then continues the launch', async () => {
    const host = 'i-0fedcba9876543210';
    fleet.asg.set(host, { group: 'web-hosts', lifecycleState: 'Pending:Wait' });
    fleet.pendingActions.add(host);
    let checks = 0;
    const deps = fleet.deps();
    const routes = coreRoutes(deps);
    const checkLaunch = routes[S.checkLaunch]!;
    routes[S.checkLaunch] = (input, call) => {
      if (++checks === 3) fleet.addInstance(host, 'web', undefined);
      return checkLaunch(input, call);
    };

    const run = await runStateMachine({ definition, input: await sample('lifecycle-launch'), routes });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.visitedStates.filter((s) => s === S.waitForHost)).toHaveLength(2);
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0]?.input).toMatchObject({
      InstanceId: host,
      LifecycleActionResult: 'CONTINUE',
    });
  });

  it('marks a host on a rebalance recommendation without draining it', async () => {
    const run = await runStateMachine({
      definition,
      input: await sample('rebalance-recommendation'),
      routes: coreRoutes(fleet.deps()),
    });

    // Marked, held an hour, then unmarked (nothing followed the recommendation).
    expect(run.visitedStates).toEqual([
      S.resolve,
      S.route,
      S.markHost,
      S.markHeld,
      S.waitBeforeUnmark,
      S.markHost,
      S.markHeld,
      S.recordOutcome,
      S.done,
    ]);
    expect(fleet.instances.get(WEB_INSTANCE)?.status).toBe('ACTIVE');
    expect(fleet.mutationsOf('ecs:PutAttributes')).toHaveLength(1);
    expect(fleet.mutationsOf('ecs:DeleteAttributes')).toHaveLength(1);
  });

  it('retries a throttled check and carries on', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const deps = fleet.deps();
    const routes = coreRoutes(deps);
    const check = routes[S.checkTasks]!;
    let throttled = false;
    routes[S.checkTasks] = (input, call) => {
      if (!throttled) {
        throttled = true;
        throw taskError('ThrottlingException', 'Rate exceeded');
      }
      return check(input, call);
    };

    const run = await runStateMachine({ definition, input: await terminateEvent(WEB_INSTANCE), routes });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries[S.checkTasks]).toBe(1);
  });

  it('gives the budget slot back, records the failure and fails with an actionable cause when a step keeps failing', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const deps = fleet.deps();
    const routes = coreRoutes(deps, {
      [S.checkTasks]: () => {
        throw taskError('AccessDeniedException', 'not authorized to perform ecs:DescribeTasks');
      },
    });

    const run = await runStateMachine({ definition, input: await terminateEvent(WEB_INSTANCE), routes });

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DrainFailed');
    expect(run.cause).toMatch(/drain the instance by hand/);
    expect(run.visitedStates.slice(-3)).toEqual([S.releaseBudgetAfterError, S.recordFailure, S.drainFailed]);
    expect(fleet.ledger.budgets.get('us-east-1#web')?.size ?? 0).toBe(0);
    expect(fleet.ledger.record(WEB_INSTANCE)).toMatchObject({ status: 'finished', outcome: 'failed' });
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')).toHaveLength(0);
  });

  it('gives every Task explicit Retry and Catch, and every Fail state an error and a cause', () => {
    const states = (definition.States ?? {}) as Record<string, Record<string, unknown>>;
    const tasks = routeAsl(definition).tasks.map((t) => t.name);
    for (const name of tasks) {
      expect(states[name]?.Retry, `${name} Retry`).toBeDefined();
      expect(states[name]?.Catch, `${name} Catch`).toBeDefined();
    }
    const fails = Object.entries(states).filter(([, s]) => s.Type === 'Fail');
    expect(fails.map(([n]) => n).sort()).toEqual(
      [S.drainFailed, S.invalidInput, S.resolveFailed, S.unexpectedRequest].sort(),
    );
    for (const [, fail] of fails) {
      expect(fail.Error).toBeTruthy();
      expect(fail.Cause ?? fail.CausePath).toBeTruthy();
    }
    expect(JSON.stringify(definition)).not.toMatch(/JSONata|"Assign"/);
  });

  it('retries every Task on Lambda’s client timeout and the function’s own timeout (issue 10, defect 10)', () => {
    const states = (definition.States ?? {}) as Record<string, { Retry?: { ErrorEquals: string[] }[] }>;
    for (const name of routeAsl(definition).tasks.map((t) => t.name)) {
      const retried = (states[name]?.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried, name).toEqual(
        expect.arrayContaining(['Lambda.ClientExecutionTimeoutException', 'Sandbox.Timedout']),
      );
    }
  });

  it('runs the real resolve handler from the template and rejects a malformed input before any AWS call', async () => {
    const routes = await handlerRoutes(template, definition);
    const fn = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        (r.Metadata as Record<string, unknown> | undefined)?.['ballast:entry'] === 'functions/host-draining/resolve.ts',
    );
    const bundled = (fn?.Metadata as { 'ballast:config'?: Record<string, string> } | undefined)?.['ballast:config'];
    process.env.BALLAST_DRAIN_CONFIG = String(bundled?.BALLAST_DRAIN_CONFIG);
    process.env.BALLAST_LEDGER_TABLE = 'ballast-ledger';
    const unrouted = (): never => {
      throw new Error('must not be reached');
    };
    const all = Object.fromEntries(routeAsl(definition).tasks.map((t) => [t.name, routes[t.name] ?? unrouted]));

    const run = await runStateMachine({ definition, input: await sample('manual-invalid-extra-field'), routes: all });

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidInput');
    expect(run.cause).toMatch(/force: unknown field/);
  });
});
