import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from 'vitest';
import { LIMITS } from '#config/limits.ts';
import { acquireBudget } from '#functions/host-draining/core/budget.ts';
import { checkTasks, startDrain } from '#functions/host-draining/core/drain.ts';
import { completeLifecycleAction, recordOutcome, releaseBudget } from '#functions/host-draining/core/finish.ts';
import { resolveRequest } from '#functions/host-draining/core/resolve.ts';
import type { DrainState } from '#functions/host-draining/state.ts';
import { FakeFleet, sample, T0, terminateEvent, testConfig } from './fleet.ts';
import { asState, drive } from './flow.ts';

/**
 * Issue 10, host draining hardened: each test here failed before its fix (see the commit messages).
 */
let fleet: FakeFleet;
const HOST = 'i-0aaaaaaaaaaaaaaa1';
const OTHER = 'i-0aaaaaaaaaaaaaaa2';
const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:ballast-drain-host:run-1';
const EXEC_2 = 'arn:aws:states:us-east-1:123456789012:execution:ballast-drain-host:run-2';

beforeEach(() => {
  fleet = new FakeFleet();
  fleet.addService('api');
  for (const host of [HOST, OTHER]) {
    fleet.addInstance(host, 'web', 'web-hosts');
    fleet.terminating(host);
    fleet.addTask(host, 'service:api');
  }
  fleet.addInstance('i-0bbbbbbbbbbbbbbb1', 'web', 'web-hosts');
});

describe('defect 5: a claim knows its owner', () => {
  it('carries on when the same execution retries Resolve Request after the claim’s response was lost', async () => {
    // Arrange: the conditional put is applied, but its response never reaches the function.
    const deps = fleet.deps();
    fleet.ledger.loseNextClaimResponse = true;
    const event = await terminateEvent(HOST);
    await expect(resolveRequest(event, deps, EXEC)).rejects.toThrow('socket hang up');
    // Act: Step Functions retries the step (same execution).
    const retried = await resolveRequest(event, deps, EXEC);
    // Assert: it drains; a second delivery (another execution) is still a Duplicate.
    expect(asState(retried).action).toBe('drain');
    expect(asState(retried).execution).toBe(EXEC);
    expect((await resolveRequest(event, deps, EXEC_2)).action).toBe('duplicate');
  });
});

describe('defect 1: a budget slot of an execution that is not running is reclaimed on acquire', () => {
  it('frees the slot of an aborted holder, closes its record with the real outcome, and takes the slot', async () => {
    // Arrange: OTHER's drain holds the only slot; its execution was stopped from the console.
    const deps = fleet.deps(testConfig({ web: { budgetHosts: 1 } }));
    const holder = asState(await resolveRequest(await terminateEvent(OTHER), deps, EXEC_2));
    expect((await acquireBudget(holder, deps)).budget.held).toBe(true);
    fleet.executions.set(EXEC_2, 'ABORTED');
    fleet.executions.set(EXEC, 'RUNNING');
    // Act
    const mine = await acquireBudget(asState(await resolveRequest(await terminateEvent(HOST), deps, EXEC)), deps);
    // Assert
    expect(mine.phase).toBe('draining');
    expect(mine.budget.held).toBe(true);
    expect(fleet.ledger.budgets.get('us-east-1#web')).toEqual(new Set([mine.budget.holder]));
    expect(fleet.ledger.record(OTHER)).toMatchObject({ status: 'finished', outcome: 'execution-aborted' });
  });

  it('keeps the slot of a holder whose execution is still running', async () => {
    const deps = fleet.deps(testConfig({ web: { budgetHosts: 1 } }));
    await acquireBudget(asState(await resolveRequest(await terminateEvent(OTHER), deps, EXEC_2)), deps);
    fleet.executions.set(EXEC_2, 'RUNNING');

    const mine = await acquireBudget(asState(await resolveRequest(await terminateEvent(HOST), deps, EXEC)), deps);

    expect(mine.phase).toBe('waiting-budget');
    expect(fleet.ledger.record(OTHER)?.status).toBe('active');
  });
});

describe('the sweep of a full budget runs once a minute per cluster, not on every waiting drain’s retry (issue 11)', () => {
  it('checks the holders’ executions once for many waiting drains, and again after the minute', async () => {
    const deps = fleet.deps(testConfig({ web: { budgetHosts: 1 } }));
    await acquireBudget(asState(await resolveRequest(await terminateEvent(OTHER), deps, EXEC_2)), deps);
    fleet.executions.set(EXEC_2, 'RUNNING');
    const waiting = asState(await resolveRequest(await terminateEvent(HOST), deps, EXEC));
    const described = () => fleet.sfn.commandCalls(DescribeExecutionCommand).length;

    let state = await acquireBudget(waiting, deps);
    expect(state.phase).toBe('waiting-budget');
    expect(described()).toBe(1);
    for (let i = 0; i < 3; i += 1) {
      fleet.advance(15);
      state = await acquireBudget(state, deps);
    }
    expect(described()).toBe(1);
    // A minute on, the next retry checks again, and frees the slot of a holder that died meanwhile.
    fleet.advance(30);
    fleet.executions.set(EXEC_2, 'ABORTED');
    state = await acquireBudget(state, deps);
    expect(described()).toBe(2);
    expect(state.budget.held).toBe(true);
  });
});

describe('defect 6: a partial PutEvents failure', () => {
  it('retries the failed entry, and a drain that worked is recorded as drained even if its event cannot be sent', async () => {
    // Arrange: 'Drain Started' is throttled once per entry; 'Drain Completed' is never accepted.
    fleet.failingEvents.set('Drain Started', 1);
    fleet.failingEvents.set('Drain Completed', 1000);
    const deps = fleet.deps();
    // Act
    const { output } = await drive(await terminateEvent(HOST), fleet, deps);
    // Assert
    expect(fleet.eventTypes()).toContain('Drain Started');
    expect(asState(output).outcome).toBe('drained');
    expect(fleet.ledger.record(HOST)).toMatchObject({ status: 'finished', outcome: 'drained' });
    expect(fleet.ledger.record(HOST)?.undeliveredEvents).toEqual(['Drain Completed']);
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')).toHaveLength(1);
  });

  it('does not throw from Record Outcome when the final event is rejected', async () => {
    fleet.failingEvents.set('Drain Completed', 1000);
    const deps = fleet.deps();
    const { output } = await drive(await terminateEvent(HOST), fleet, deps);
    await expect(recordOutcome(asState(output), deps)).resolves.toMatchObject({ outcome: 'drained' });
  });
});

describe('defect 3: settle keeps the hook alive, within its deadlines, and reports an expired hook', () => {
  /** Gaps (s) between the hook's event, each heartbeat and the completion. */
  function hookGaps(): number[] {
    const times = [
      T0.getTime(),
      ...fleet.mutations
        .filter((m) => m.action.startsWith('autoscaling:') && m.input.InstanceId === HOST)
        .map((m) => new Date(m.at).getTime()),
    ];
    return times.slice(1).map((t, i) => (t - times[i]!) / 1000);
  }

  it('heartbeats through a settle longer than the heartbeat timeout', async () => {
    // Arrange: a 120 s heartbeat timeout, and a settle of 30 s (api) + 600 s extra.
    fleet.hooks.set('web-hosts/ballast-drain', { HeartbeatTimeout: 120, GlobalTimeout: 12_000 });
    const deps = fleet.deps(testConfig({ web: { settleSeconds: 600 } }));
    // Act
    const { output, steps } = await drive(await terminateEvent(HOST), fleet, deps);
    // Assert: never 120 s without a heartbeat, and the settle really lasted.
    expect(asState(output).outcome).toBe('drained');
    expect(Math.max(...hookGaps())).toBeLessThan(120);
    expect(fleet.now.getTime() - T0.getTime()).toBeGreaterThanOrEqual(630_000);
    expect(steps.slice(-4)).toEqual(['Settle', 'Complete Lifecycle Action', 'Release Budget', 'Record Outcome']);
  });

  it('ends the settle before the hook’s global timeout', async () => {
    fleet.hooks.set('web-hosts/ballast-drain', { HeartbeatTimeout: 300, GlobalTimeout: 900 });
    const deps = fleet.deps(testConfig({ web: { settleSeconds: 3000, deadlineMinutes: 10 } }));

    const { output } = await drive(await terminateEvent(HOST), fleet, deps);

    const completed = fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0];
    expect(completed).toBeDefined();
    expect(new Date(completed!.at).getTime()).toBeLessThan(T0.getTime() + 900_000);
    expect(asState(output).message).toMatch(/global timeout/);
  });

  it('reports a hook that expired while Ballast could not reach it as expired, never as completed', async () => {
    // Arrange: a 300 s heartbeat timeout; Ballast's next check comes 10 minutes late (an outage), by when the
    // hook has run out on its own.
    fleet.hooks.set('web-hosts/ballast-drain', { HeartbeatTimeout: 300, GlobalTimeout: 30_000 });
    const deps = fleet.deps(testConfig({ web: { settleSeconds: 120 } }));
    let late = false;
    const outage = () => {
      if (late) return;
      late = true;
      fleet.advance(600);
      fleet.pendingActions.delete(HOST);
    };
    // Act
    const { output } = await drive(await terminateEvent(HOST), fleet, deps, { beforeCheck: outage });
    // Assert
    expect(asState(output).outcome).toBe('hook-expired');
    expect(fleet.eventTypes()).not.toContain('Drain Completed');
    expect(fleet.eventTypes()).toContain('Drain Timed Out');
    expect(fleet.ledger.record(HOST)).toMatchObject({ status: 'finished', outcome: 'hook-expired' });
  });

  it('reports a lifecycle action completed outside Ballast during the settle as hook-lost, not drained', async () => {
    const deps = fleet.deps(testConfig({ web: { settleSeconds: 120 } }));
    // Someone completes the action by hand as soon as the tasks are gone (before Ballast's settle ends).
    const byHand = () => {
      if (fleet.stoppedTasks(HOST) === 1) fleet.pendingActions.delete(HOST);
    };

    const { output } = await drive(await terminateEvent(HOST), fleet, deps, { beforeCheck: byHand });

    expect(asState(output).outcome).toBe('hook-lost');
    expect(fleet.eventTypes()).not.toContain('Drain Completed');
    expect(fleet.ledger.record(HOST)).toMatchObject({ status: 'finished', outcome: 'hook-lost' });
  });
});

describe('defect 2: the drain state stays bounded whatever the host runs', () => {
  it('keeps the state far under 256 KiB on a host with thousands of recently stopped short tasks', async () => {
    // Arrange: a host that ran 3,000 one-minute jobs in the last hour (ECS lists them as STOPPED), and more
    // keep arriving and stopping between checks.
    fleet.addService('jobs', { schedulingStrategy: 'REPLICA' });
    for (let i = 0; i < 3000; i++) {
      fleet.addTask(HOST, 'service:jobs', {
        desiredStatus: 'STOPPED',
        lastStatus: 'STOPPED',
        stoppedAt: new Date(T0.getTime() - (i + 1) * 1000),
      });
    }
    const deps = fleet.deps();
    const sizes: number[] = [];
    let arrivals = 0;
    const churn = (state: unknown) => {
      sizes.push(Buffer.byteLength(JSON.stringify(state)));
      if (arrivals >= 400) return;
      for (let i = 0; i < 200; i++, arrivals++) {
        fleet.addTask(HOST, 'service:jobs', { desiredStatus: 'STOPPED', lastStatus: 'STOPPED', stoppedAt: fleet.now });
      }
    };
    // Act
    const { output } = await drive(await terminateEvent(HOST), fleet, deps, { beforeCheck: churn });
    // Assert: every task of the drain is counted once (the running one and the 400 that came and stopped
    // during it; the 3,000 that had stopped before the request are listed by ECS but are not the drain's),
    // and no state comes near the payload limit.
    const final = asState(output);
    sizes.push(Buffer.byteLength(JSON.stringify(final)));
    expect(final.outcome).toBe('drained');
    expect(Math.max(...sizes)).toBeLessThan(LIMITS.sfnPayloadBytesMax / 8);
    expect(fleet.ledger.record(HOST)?.tasks).toEqual({ service: 401, daemon: 0, standalone: 0 });
  });
});

describe('defect 10: release, extend and force', () => {
  it('stops a drain that is still waiting for budget when the host is released', async () => {
    // Arrange: OTHER holds the only slot (running); HOST waits for it.
    const deps = fleet.deps(testConfig({ web: { budgetHosts: 1 } }));
    fleet.executions.set(EXEC_2, 'RUNNING');
    await acquireBudget(asState(await resolveRequest(await terminateEvent(OTHER), deps, EXEC_2)), deps);
    const waiting = await acquireBudget(asState(await resolveRequest(await terminateEvent(HOST), deps, EXEC)), deps);
    expect(waiting.phase).toBe('waiting-budget');
    // Act: an operator releases HOST; its next Acquire Budget runs.
    await drive({ action: 'release', instanceId: HOST }, fleet, deps);
    const next = await acquireBudget(waiting, deps);
    // Assert
    expect(next.phase).toBe('finish');
    expect(next.outcome).toBe('released');
  });

  it('leaves the running drain’s slot alone when an extend fails (its failure path releases nothing it does not hold)', async () => {
    const deps = fleet.deps(testConfig({ web: { budgetHosts: 1 } }));
    const running = await acquireBudget(asState(await resolveRequest(await terminateEvent(HOST), deps, EXEC)), deps);
    expect(running.budget.held).toBe(true);
    const extend = asState(await resolveRequest({ action: 'extend', instanceId: HOST, minutes: 30 }, deps, EXEC_2));

    // The extend's step failed: 'Release Budget After Error' runs with its state.
    await releaseBudget(extend, deps);

    expect(fleet.ledger.budgets.get('us-east-1#web')).toEqual(new Set([running.budget.holder]));
  });

  it('ends a forced drain before the hook’s global timeout even while stopped tasks take their time', async () => {
    // Arrange: the deadline is the hook's global timeout less the margin; a task ignores StopTask.
    fleet.hooks.set('web-hosts/ballast-drain', { HeartbeatTimeout: 300, GlobalTimeout: 1200 });
    fleet.unstoppable.add(fleet.taskOn(HOST)[0]!.arn);
    const deps = fleet.deps(testConfig({ web: { deadlinePolicy: 'force', deadlineMinutes: 60 } }));
    // Act
    const { output } = await drive(await terminateEvent(HOST), fleet, deps);
    // Assert
    const completed = fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0];
    expect(asState(output).outcome).toBe('forced');
    expect(new Date(completed!.at).getTime()).toBeLessThan(T0.getTime() + 1200_000);
  });
});

describe('a lost response of Complete Lifecycle Action (found by the chaos suite, seed 67160009)', () => {
  it('keeps the real outcome when the retry finds the action it completed no longer pending', async () => {
    // Arrange: a drain up to its completion.
    const fresh = fleet.deps();
    let state = asState(await resolveRequest(await terminateEvent(HOST), fresh, EXEC));
    state = await acquireBudget(state, fresh);
    state = await startDrain(state, fresh);
    while (state.phase === 'draining') {
      fleet.advance(state.waitSeconds);
      fleet.tick();
      state = await checkTasks(state, fresh);
    }
    const finishing: DrainState = state;
    // Act: the first attempt completes the action, its response is lost; Step Functions retries the step.
    await completeLifecycleAction(finishing, fresh);
    const retried = await completeLifecycleAction(finishing, fresh);
    // Assert
    expect(retried.outcome).toBe('drained');
    expect(retried.lifecycleCompleted).toBe(true);
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')).toHaveLength(1);
  });
});

describe('defect 4: settle reads the real deregistration delays of the target groups', () => {
  /** Seconds from the last task STOPPED on HOST to the CompleteLifecycleAction. */
  function settledFor(): number {
    const completed = fleet.mutationsOf('autoscaling:CompleteLifecycleAction').find((m) => m.input.InstanceId === HOST);
    const lastStop = Math.max(...fleet.taskOn(HOST).map((t) => t.stoppedAt?.getTime() ?? 0));
    return (new Date(completed!.at).getTime() - lastStop) / 1000;
  }

  it('settles for the target group’s real delay, not the configured one', async () => {
    // Arrange: the configuration says api-tg drains in 30 s; the target group really takes 400 s.
    fleet.targetGroups.set('api-tg', 400);
    const deps = fleet.deps(testConfig({ web: { settleSeconds: 0 } }));
    // Act
    const { output } = await drive(await terminateEvent(HOST), fleet, deps);
    // Assert
    expect(asState(output).outcome).toBe('drained');
    expect(settledFor()).toBeGreaterThanOrEqual(400);
  });

  it('settles for the target group of a service missing from the configuration', async () => {
    // Arrange: billing is not in Ballast's configuration; its target group has a 600 s delay.
    fleet.targetGroups.set('billing-tg', 600);
    fleet.addService('billing', { targetGroups: ['billing-tg'] });
    fleet.addTask(HOST, 'service:billing');
    const deps = fleet.deps(testConfig({ web: { settleSeconds: 0 } }));
    // Act
    const { output } = await drive(await terminateEvent(HOST), fleet, deps);
    // Assert
    expect(asState(output).outcome).toBe('drained');
    expect(asState(output).message).toMatch(/billing-tg 600 s/);
    expect(settledFor()).toBeGreaterThanOrEqual(600);
  });

  it('assumes ELB’s default delay when a target group’s attributes cannot be read', async () => {
    fleet.elb.rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const deps = fleet.deps(testConfig({ web: { settleSeconds: 0 } }));

    const { output } = await drive(await terminateEvent(HOST), fleet, deps);

    expect(asState(output).outcome).toBe('drained');
    expect(settledFor()).toBeGreaterThanOrEqual(LIMITS.elbDeregistrationDelayDefaultSeconds);
  });
});

describe('defect 9: one drain per instance, and a manual drain of a host in its hook keeps the hook’s real clock', () => {
  const holders = () => fleet.ledger.budgets.get('us-east-1#web') ?? new Set<string>();

  it('starts nothing for a manual drain of a host a running lifecycle drain holds', async () => {
    // Arrange: the terminate drain of HOST runs and holds a slot.
    const deps = fleet.deps();
    fleet.executions.set(EXEC, 'RUNNING');
    const lifecycle = await acquireBudget(asState(await resolveRequest(await terminateEvent(HOST), deps, EXEC)), deps);
    expect(lifecycle.budget.held).toBe(true);
    // Act: an operator drains the same host by hand.
    const manual = await resolveRequest({ action: 'drain', instanceId: HOST, reason: 'patch' }, deps, EXEC_2);
    // Assert: nothing claimed but the refused request's record, one slot.
    expect(manual.action).toBe('skip');
    expect(manual.message).toMatch(/already being drained by terminate-/);
    expect(holders().size).toBe(1);
    expect([...fleet.ledger.drains.values()].map((r) => r.status).sort()).toEqual(['active', 'refused']);
  });

  it('lets a Spot warning take over a running terminate drain: one slot, one completion, the old one superseded', async () => {
    // Arrange: the terminate drain of HOST has started (slot held, host DRAINING).
    const deps = fleet.deps();
    fleet.executions.set(EXEC, 'RUNNING');
    let lifecycle = asState(await resolveRequest(await terminateEvent(HOST), deps, EXEC));
    lifecycle = await startDrain(await acquireBudget(lifecycle, deps), deps);
    const spotEvent = await sample('spot-interruption');
    const spot = {
      ...spotEvent,
      time: T0.toISOString(),
      detail: { ...(spotEvent.detail as object), 'instance-id': HOST },
    };
    // Act: the Spot warning arrives; then the terminate drain's next check runs.
    const taking = asState(await resolveRequest(spot, deps, EXEC_2));
    const old = await checkTasks(lifecycle, deps);
    const oldEnd = await recordOutcome(await releaseBudget(await completeLifecycleAction(old, deps), deps), deps);
    // Assert: the old drain ended superseded without completing the hook or freeing the slot.
    expect(taking.hook?.name).toBe('ballast-drain');
    expect(holders()).toEqual(new Set([taking.budget.holder]));
    expect(oldEnd.outcome).toBe('superseded');
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')).toHaveLength(0);
    // The Spot drain finishes, completes the hook once and gives the one slot back.
    let state = await startDrain(await acquireBudget(taking, deps), deps);
    while (state.phase === 'draining') {
      fleet.advance(state.waitSeconds);
      fleet.tick();
      state = await checkTasks(state, deps);
    }
    state = await recordOutcome(await releaseBudget(await completeLifecycleAction(state, deps), deps), deps);
    expect(state.outcome).toBe('drained');
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')).toHaveLength(1);
    expect(holders().size).toBe(0);
  });

  it('counts the hook of a host already in Terminating:Wait from the lifecycle action, and heartbeats at once', async () => {
    // Arrange: HOST's terminate drain failed at T0 (its hook still waits); an hour later an operator drains it.
    fleet.hooks.set('web-hosts/ballast-drain', { HeartbeatTimeout: 1800, GlobalTimeout: 10_800 });
    const deps = fleet.deps();
    fleet.executions.set(EXEC, 'FAILED');
    const failed = asState(await resolveRequest(await terminateEvent(HOST), deps, EXEC));
    await recordOutcome({ ...failed, error: { Error: 'States.TaskFailed', Cause: 'boom' } }, deps);
    fleet.advance(3600);
    // Act
    const manual = asState(await resolveRequest({ action: 'drain', instanceId: HOST, reason: 'retry' }, deps, EXEC_2));
    const started = await startDrain(await acquireBudget(manual, deps), deps);
    // Assert: the global timeout is the lifecycle action's (T0 + 3 h), not the command's (T0 + 4 h) ...
    expect(manual.hook?.globalDeadlineAt).toBe(new Date(T0.getTime() + 10_800_000).toISOString());
    expect(new Date(manual.deadlineAt).getTime()).toBeLessThanOrEqual(T0.getTime() + 10_800_000 - 120_000);
    // ... and the first check heartbeats at once (the last heartbeat is unknown).
    const beats = fleet.mutationsOf('autoscaling:RecordLifecycleActionHeartbeat');
    expect(beats.map((b) => b.at)).toContain(new Date(T0.getTime() + 3_600_000).toISOString());
    expect(started.lastHeartbeatAt).toBe(new Date(T0.getTime() + 3_600_000).toISOString());
  });
});

describe('events that real accounts send (issue 10)', () => {
  it('reports a host whose container instance is INACTIVE as gone, not as in no cluster', async () => {
    // Arrange: HOST was drained once (Ballast knows its container instance), then left the cluster.
    const deps = fleet.deps();
    fleet.executions.set(EXEC, 'SUCCEEDED');
    const first = await startDrain(
      await acquireBudget(asState(await resolveRequest(await terminateEvent(HOST, 'first'), deps, EXEC)), deps),
      deps,
    );
    await recordOutcome(await releaseBudget({ ...first, phase: 'finish', outcome: 'timed-out' }, deps), deps);
    fleet.instances.get(HOST)!.status = 'INACTIVE';
    // Act: a new lifecycle action for the same instance.
    const { output } = await drive(await terminateEvent(HOST, 'second'), fleet, deps);
    // Assert
    expect(asState(output).outcome).toBe('gone');
  });

  it('completes a host of a configured group that is in no container instance of its cluster, with a warning', async () => {
    fleet.addInstance('i-0ddddddddddddddd1', 'workers', 'web-hosts');
    fleet.terminating('i-0ddddddddddddddd1');

    const { output } = await drive(await terminateEvent('i-0ddddddddddddddd1'), fleet, fleet.deps());

    expect(asState(output).outcome).toBe('not-in-cluster');
    expect(asState(output).message).toMatch(/cluster is misconfigured/);
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')).toHaveLength(1);
  });
});

describe('a lifecycle event that is malformed but safely actionable (issue 10)', () => {
  it('drains a terminate event without a token and completes the action by instance id', async () => {
    const event = await terminateEvent(HOST);
    const { LifecycleActionToken: _token, ...detail } = event.detail as Record<string, unknown>;

    const { output } = await drive({ ...event, detail }, fleet, fleet.deps());

    expect(asState(output).outcome).toBe('drained');
    const [complete] = fleet.mutationsOf('autoscaling:CompleteLifecycleAction');
    expect(complete?.input).toMatchObject({ InstanceId: HOST, LifecycleActionResult: 'CONTINUE' });
    expect(complete?.input).not.toHaveProperty('LifecycleActionToken');
  });

  it('names the missing field and the fix when an event cannot be acted on', async () => {
    const event = await terminateEvent(HOST);
    const { LifecycleHookName: _hook, ...detail } = event.detail as Record<string, unknown>;

    await expect(resolveRequest({ ...event, detail }, fleet.deps())).rejects.toThrow(
      /detail\.LifecycleHookName: is missing; the event must carry it/,
    );
    expect(fleet.mutations).toEqual([]);
  });
});
