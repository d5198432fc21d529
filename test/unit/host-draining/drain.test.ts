import { beforeEach, describe, expect, it } from 'vitest';
import { FakeFleet, REGION, T0, terminateEvent, testConfig, WEB_INSTANCE } from './fleet.ts';
import { asState, drive } from './flow.ts';

/** Terminate drains: task classes, settling, deadline policies, services that cannot move. */
let fleet: FakeFleet;

beforeEach(() => {
  fleet = new FakeFleet();
  fleet.addService('api');
  fleet.addService('frontend');
  fleet.addService('agent', { schedulingStrategy: 'DAEMON' });
  fleet.addInstance(WEB_INSTANCE, 'web', 'web-hosts');
  fleet.addInstance('i-0bbbbbbbbbbbbbbb1', 'web', 'web-hosts');
  fleet.terminating(WEB_INSTANCE);
});

describe('a terminate lifecycle action', () => {
  it('completes the lifecycle action with CONTINUE only after every task stopped and the load balancers settled', async () => {
    // Arrange
    fleet.addTask(WEB_INSTANCE, 'service:api');
    fleet.addTask(WEB_INSTANCE, 'service:frontend');
    fleet.addTask(WEB_INSTANCE, 'service:api');
    // Act
    const { output } = await drive(await terminateEvent(WEB_INSTANCE), fleet, fleet.deps());
    // Assert
    const state = asState(output);
    const [complete] = fleet.mutationsOf('autoscaling:CompleteLifecycleAction');
    expect(state.outcome).toBe('drained');
    expect(complete?.input.LifecycleActionResult).toBe('CONTINUE');
    expect(fleet.stoppedTasks(WEB_INSTANCE)).toBe(3);
    // frontend's target group has the longest deregistration delay (45 s) plus the 5 s settle extra.
    expect(state.settleSeconds).toBe(50);
    const lastStop = fleet.now.getTime() - 50_000;
    expect(new Date(complete!.at).getTime()).toBeGreaterThanOrEqual(lastStop);
    expect(fleet.eventTypes()).toEqual(['Drain Started', 'Drain Completed']);
  });

  it('sets the container instance DRAINING and records the drain with its tasks by class', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    fleet.addTask(WEB_INSTANCE, 'agent-family', {});
    fleet.addTask(WEB_INSTANCE, 'service:agent');

    await drive(
      await terminateEvent(WEB_INSTANCE),
      fleet,
      fleet.deps(testConfig({ web: { standaloneTasks: 'stop', standaloneGraceSeconds: 60 } })),
    );

    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState')[0]?.input.status).toBe('DRAINING');
    const record = fleet.ledger.record(WEB_INSTANCE, 'terminate');
    expect(record).toMatchObject({
      status: 'finished',
      outcome: 'drained',
      trigger: 'terminate',
      cluster: 'web',
      group: 'web-hosts',
      tasks: { service: 1, standalone: 1, daemon: 1 },
      remaining: { service: 0, standalone: 0, daemon: 0 },
      lifecycleResult: 'CONTINUE',
    });
    expect(record?.startedAt).toBe(T0.toISOString());
    expect(typeof record?.finishedAt).toBe('string');
  });

  it('waits for tasks that are already desired STOPPED but still stopping (the ListTasks trap)', async () => {
    const stopping = fleet.addTask(WEB_INSTANCE, 'service:api', { desiredStatus: 'STOPPED', lastStatus: 'RUNNING' });
    fleet.unstoppable.add(stopping);
    let checksWhileStopping = 0;

    const { output } = await drive(await terminateEvent(WEB_INSTANCE), fleet, fleet.deps(), {
      beforeCheck: () => {
        checksWhileStopping += 1;
        if (checksWhileStopping === 3) {
          fleet.unstoppable.delete(stopping);
          fleet.tasks.get(stopping)!.lastStatus = 'STOPPED';
        }
      },
    });

    expect(asState(output).tasks.map((t) => t.arn)).toContain(stopping);
    expect(checksWhileStopping).toBe(3);
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')).toHaveLength(1);
  });

  it('records tasks that arrive on the host after the drain started and waits for them too', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    let late: string | undefined;

    const { output } = await drive(await terminateEvent(WEB_INSTANCE), fleet, fleet.deps(), {
      beforeCheck: () => {
        late ??= fleet.addTask(WEB_INSTANCE, 'service:frontend');
      },
    });

    expect(asState(output).tasks.map((t) => t.arn)).toContain(late);
    expect(fleet.tasks.get(late!)?.lastStatus).toBe('STOPPED');
  });
});

describe('task classes', () => {
  it('leaves standalone tasks alone under the wait policy and times out with them still running', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const job = fleet.addTask(WEB_INSTANCE, 'family:nightly-report');

    const { output } = await drive(
      await terminateEvent(WEB_INSTANCE),
      fleet,
      fleet.deps(testConfig({ web: { deadlineMinutes: 30 } })),
    );

    const state = asState(output);
    expect(fleet.mutationsOf('ecs:StopTask')).toHaveLength(0);
    expect(fleet.tasks.get(job)?.lastStatus).toBe('RUNNING');
    expect(state.outcome).toBe('timed-out');
    expect(fleet.events.at(-1)?.detail.remaining).toEqual({ service: 0, daemon: 0, standalone: 1 });
  });

  it('stops standalone tasks only after the grace period under the stop policy', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const job = fleet.addTask(WEB_INSTANCE, 'family:nightly-report');
    const config = testConfig({ web: { standaloneTasks: 'stop', standaloneGraceSeconds: 600 } });

    const { output } = await drive(await terminateEvent(WEB_INSTANCE), fleet, fleet.deps(config));

    const [stop] = fleet.mutationsOf('ecs:StopTask');
    expect(stop?.input.task).toBe(job);
    expect(new Date(stop!.at).getTime() - T0.getTime()).toBeGreaterThanOrEqual(600_000);
    expect(asState(output).outcome).toBe('drained');
  });

  it('stops daemon tasks only after every other task on the host is STOPPED', async () => {
    const api = fleet.addTask(WEB_INSTANCE, 'service:api');
    const daemon = fleet.addTask(WEB_INSTANCE, 'service:agent');
    fleet.unstoppable.add(api);
    let checks = 0;

    await drive(await terminateEvent(WEB_INSTANCE), fleet, fleet.deps(), {
      beforeCheck: () => {
        checks += 1;
        if (checks === 4) {
          expect(fleet.mutationsOf('ecs:StopTask')).toHaveLength(0);
          fleet.unstoppable.delete(api);
          fleet.tasks.get(api)!.lastStatus = 'STOPPED';
        }
      },
    });

    const stops = fleet.mutationsOf('ecs:StopTask');
    expect(stops.map((s) => s.input.task)).toEqual([daemon]);
    expect(checks).toBeGreaterThan(4);
    expect(fleet.tasks.get(daemon)?.lastStatus).toBe('STOPPED');
  });
});

describe('deadline policies', () => {
  const stuckHost = () => {
    const task = fleet.addTask(WEB_INSTANCE, 'service:api');
    fleet.unstoppable.add(task);
    return task;
  };

  it("continues the termination at the deadline under 'continue' and says so", async () => {
    stuckHost();
    const { output } = await drive(
      await terminateEvent(WEB_INSTANCE),
      fleet,
      fleet.deps(testConfig({ web: { deadlinePolicy: 'continue', deadlineMinutes: 20 } })),
    );

    expect(asState(output).outcome).toBe('timed-out');
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0]?.input.LifecycleActionResult).toBe('CONTINUE');
    expect(fleet.mutationsOf('ecs:StopTask')).toHaveLength(0);
    expect(fleet.eventTypes().at(-1)).toBe('Drain Timed Out');
    expect(fleet.now.getTime() - T0.getTime()).toBeGreaterThanOrEqual(20 * 60_000);
  });

  it("stops what remains at the deadline under 'force', then continues", async () => {
    const task = fleet.addTask(WEB_INSTANCE, 'service:api');
    fleet.addService('api', { minimumHealthyPercent: 100, maximumPercent: 100 });

    const { output } = await drive(
      await terminateEvent(WEB_INSTANCE),
      fleet,
      fleet.deps(testConfig({ web: { deadlinePolicy: 'force', deadlineMinutes: 20 } })),
    );

    const [stop] = fleet.mutationsOf('ecs:StopTask');
    expect(stop?.input.task).toBe(task);
    expect(new Date(stop!.at).getTime() - T0.getTime()).toBeGreaterThanOrEqual(20 * 60_000);
    expect(asState(output).outcome).toBe('forced');
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0]?.input.LifecycleActionResult).toBe('CONTINUE');
    expect(fleet.eventTypes().at(-1)).toBe('Drain Timed Out');
  });

  it("abandons the lifecycle action under 'retain' and emits Host Retained so a person decides", async () => {
    stuckHost();
    const { output } = await drive(
      await terminateEvent(WEB_INSTANCE),
      fleet,
      fleet.deps(testConfig({ web: { deadlinePolicy: 'retain', deadlineMinutes: 20 } })),
    );

    expect(asState(output).outcome).toBe('retained');
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0]?.input.LifecycleActionResult).toBe('ABANDON');
    const retained = fleet.events.at(-1);
    expect(retained?.type).toBe('Host Retained');
    expect(retained?.detail.message).toMatch(/A person must decide/);
    expect(retained?.detail.remaining.service).toBe(1);
  });
});

describe('a service that cannot move', () => {
  it('is reported in Drain Started when its deployment is 100/100', async () => {
    fleet.addService('api', { minimumHealthyPercent: 100, maximumPercent: 100 });
    fleet.addTask(WEB_INSTANCE, 'service:api');

    await drive(await terminateEvent(WEB_INSTANCE), fleet, fleet.deps(testConfig({ web: { deadlineMinutes: 10 } })));

    const started = fleet.events.find((e) => e.type === 'Drain Started');
    expect(started?.detail.stuckServices).toEqual([
      { service: 'api', reason: expect.stringMatching(/maximumPercent 100/) },
    ]);
  });

  it('is reported within one poll when the scheduler has no room to place its replacement', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:frontend');
    let polls = 0;

    await drive(await terminateEvent(WEB_INSTANCE), fleet, fleet.deps(testConfig({ web: { deadlineMinutes: 10 } })), {
      beforeCheck: () => {
        polls += 1;
        if (polls === 2) fleet.addService('frontend', { noRoom: true });
        if (polls === 2)
          fleet.tasks.forEach((t) => {
            t.desiredStatus = 'RUNNING';
            t.lastStatus = 'RUNNING';
          });
      },
    });

    const stuck = fleet.events.find((e) => e.type === 'Drain Stuck');
    expect(stuck?.detail.stuckServices[0]?.service).toBe('frontend');
    expect(stuck?.detail.stuckServices[0]?.reason).toMatch(/no room/);
  });
});

describe('instances with nothing to drain', () => {
  it('completes at once and records an instance that is in no cluster', async () => {
    fleet.addInstance('i-0ccccccccccccccc2', 'web', 'web-hosts', { status: 'INACTIVE' });
    fleet.instances.delete('i-0ccccccccccccccc2');
    fleet.asg.set('i-0ccccccccccccccc2', { group: 'web-hosts', lifecycleState: 'Terminating:Wait' });
    fleet.pendingActions.add('i-0ccccccccccccccc2');

    const { output, steps } = await drive(await terminateEvent('i-0ccccccccccccccc2'), fleet, fleet.deps());

    expect(asState(output).outcome).toBe('not-in-cluster');
    expect(steps).toEqual(['Resolve Request', 'Complete Lifecycle Action', 'Release Budget', 'Record Outcome']);
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0]?.input.LifecycleActionResult).toBe('CONTINUE');
    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState')).toHaveLength(0);
    expect(fleet.ledger.record('i-0ccccccccccccccc2')).toMatchObject({ status: 'finished', outcome: 'not-in-cluster' });
  });

  it('records an instance that is already terminated without touching ECS', async () => {
    fleet.asg.delete(WEB_INSTANCE);
    fleet.pendingActions.delete(WEB_INSTANCE);
    fleet.instances.get(WEB_INSTANCE)!.status = 'INACTIVE';

    const { output } = await drive(await terminateEvent(WEB_INSTANCE), fleet, fleet.deps());

    const state = asState(output);
    expect(state.outcome).toBe('gone');
    expect(state.lifecycleCompleted).toBe(false);
    expect(fleet.mutations).toEqual([]);
    expect(fleet.ledger.record(WEB_INSTANCE)).toMatchObject({ outcome: 'gone', status: 'finished' });
    expect(fleet.eventTypes()).toEqual(['Drain Completed']);
  });
});

describe('ECS managed draining on the group (complement mode)', () => {
  it('does not set DRAINING itself but still stops daemon tasks last and answers its own hook', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const daemon = fleet.addTask(WEB_INSTANCE, 'service:agent');
    let checks = 0;

    await drive(await terminateEvent(WEB_INSTANCE), fleet, fleet.deps(testConfig({ managedDraining: true })), {
      beforeCheck: () => {
        // ECS managed draining sets the instance DRAINING on its own.
        if (++checks === 1) fleet.instances.get(WEB_INSTANCE)!.status = 'DRAINING';
      },
    });

    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState')).toHaveLength(0);
    expect(fleet.mutationsOf('ecs:StopTask').map((m) => m.input.task)).toEqual([daemon]);
    const [complete] = fleet.mutationsOf('autoscaling:CompleteLifecycleAction');
    expect(complete?.input.LifecycleHookName).toBe('ballast-drain');
  });
});

describe('dry-run', () => {
  it('logs and emits the plan but makes no mutating call', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    fleet.addTask(WEB_INSTANCE, 'family:job');

    const { output } = await drive(
      await terminateEvent(WEB_INSTANCE),
      fleet,
      fleet.deps(testConfig(), { dryRun: true }),
    );

    const state = asState(output);
    expect(fleet.mutations).toEqual([]);
    expect(state.outcome).toBe('dry-run');
    expect(state.message).toMatch(/would set DRAINING/);
    expect(fleet.events.map((e) => [e.type, e.detail.dryRun])).toEqual([
      ['Drain Started', true],
      ['Drain Completed', true],
    ]);
    expect(fleet.ledger.budgets.get(`${REGION}#web`)?.size ?? 0).toBe(0);
  });
});
