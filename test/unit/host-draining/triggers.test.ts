import { beforeEach, describe, expect, it } from 'vitest';
import { checkTasks } from '#functions/host-draining/core/drain.ts';
import { resolveRequest } from '#functions/host-draining/core/resolve.ts';
import { FakeFleet, sample, T0, terminateEvent, testConfig, WEB_INSTANCE } from './fleet.ts';
import { asState, drive } from './flow.ts';

/** The other triggers: launch, Spot, rebalance, manual drain/extend/release, duplicates, skips, bad input. */
let fleet: FakeFleet;
const NEW_HOST = 'i-0fedcba9876543210';

beforeEach(() => {
  fleet = new FakeFleet();
  fleet.addService('api');
  fleet.addService('agent', { schedulingStrategy: 'DAEMON' });
  fleet.addInstance(WEB_INSTANCE, 'web', 'web-hosts');
  fleet.addInstance('i-0bbbbbbbbbbbbbbb1', 'web', 'web-hosts');
});

describe('the launch hook', () => {
  it('holds a new host until its container instance is ACTIVE with the agent connected, then continues', async () => {
    // Arrange: the host boots; the agent registers after a minute and connects a bit later.
    fleet.asg.set(NEW_HOST, { group: 'web-hosts', lifecycleState: 'Pending:Wait' });
    fleet.pendingActions.add(NEW_HOST);
    let checks = 0;
    const launch = await sample('lifecycle-launch');
    const deps = fleet.deps();
    const originalClock = deps.clock;
    const watching = {
      ...deps,
      clock: () => {
        const now = originalClock();
        const elapsed = (now.getTime() - T0.getTime()) / 1000;
        if (elapsed >= 60 && !fleet.instances.has(NEW_HOST))
          fleet.addInstance(NEW_HOST, 'web', undefined, { agentConnected: false });
        if (elapsed >= 120) fleet.instances.get(NEW_HOST)!.agentConnected = true;
        checks += 1;
        return now;
      },
    };
    // Act
    const { output, steps } = await drive(launch, fleet, watching);
    // Assert
    const state = asState(output);
    const [complete] = fleet.mutationsOf('autoscaling:CompleteLifecycleAction');
    expect(state.outcome).toBe('launch-ready');
    // A launch is not a drain (issue 10: no 'Drain Completed (launch-ready)').
    expect(fleet.eventTypes()).toEqual(['Host Ready']);
    expect(complete?.input).toMatchObject({ LifecycleHookName: 'ballast-launch', LifecycleActionResult: 'CONTINUE' });
    expect(new Date(complete!.at).getTime() - T0.getTime()).toBeGreaterThanOrEqual(120_000);
    expect(steps.filter((s) => s === 'Check Launch').length).toBeGreaterThan(2);
    expect(checks).toBeGreaterThan(0);
  });

  it('abandons the launch when the host never joins its cluster', async () => {
    fleet.asg.set(NEW_HOST, { group: 'web-hosts', lifecycleState: 'Pending:Wait' });
    fleet.pendingActions.add(NEW_HOST);

    const { output } = await drive(await sample('lifecycle-launch'), fleet, fleet.deps());

    expect(asState(output).outcome).toBe('launch-timed-out');
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0]?.input.LifecycleActionResult).toBe('ABANDON');
    expect(fleet.eventTypes()).toEqual(['Host Launch Abandoned']);
  });
});

describe('warm pools (issue 10: Origin and Destination)', () => {
  it('lets a host into the warm pool at once: its agent does not register there', async () => {
    fleet.asg.set(NEW_HOST, { group: 'web-hosts', lifecycleState: 'Warmed:Pending:Wait' });
    fleet.pendingActions.add(NEW_HOST);

    const { output, steps } = await drive(await sample('lifecycle-launch-into-warm-pool'), fleet, fleet.deps());

    expect(asState(output).outcome).toBe('warm-pool');
    expect(steps).not.toContain('Check Launch');
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0]?.input).toMatchObject({
      InstanceId: NEW_HOST,
      LifecycleActionResult: 'CONTINUE',
    });
    expect(fleet.now).toEqual(T0);
  });

  it('sets a host Ballast drained into the warm pool ACTIVE again when it comes back to the group', async () => {
    // Arrange: the host went into the warm pool on scale-in (drained: DRAINING), and now comes back.
    fleet.addInstance(NEW_HOST, 'web', 'web-hosts');
    fleet.addTask(NEW_HOST, 'service:api');
    fleet.terminating(NEW_HOST);
    const into = await sample('lifecycle-terminate-into-warm-pool');
    const drained = await drive(
      { ...into, detail: { ...(into.detail as object), EC2InstanceId: NEW_HOST } },
      fleet,
      fleet.deps(),
    );
    expect(asState(drained.output).outcome).toBe('drained');
    expect(fleet.instances.get(NEW_HOST)?.status).toBe('DRAINING');
    fleet.asg.set(NEW_HOST, { group: 'web-hosts', lifecycleState: 'Pending:Wait' });
    fleet.pendingActions.add(NEW_HOST);
    // Act
    const { output } = await drive(await sample('lifecycle-launch-from-warm-pool'), fleet, fleet.deps());
    // Assert
    expect(asState(output).outcome).toBe('launch-ready');
    expect(fleet.instances.get(NEW_HOST)?.status).toBe('ACTIVE');
    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState').at(-1)?.input).toMatchObject({ status: 'ACTIVE' });
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction').at(-1)?.input).toMatchObject({
      LifecycleActionResult: 'CONTINUE',
    });
  });

  it('leaves a DRAINING host that Ballast did not drain to whoever drains it', async () => {
    fleet.addInstance(NEW_HOST, 'web', 'web-hosts', { status: 'DRAINING' });
    fleet.asg.set(NEW_HOST, { group: 'web-hosts', lifecycleState: 'Pending:Wait' });
    fleet.pendingActions.add(NEW_HOST);

    const { output } = await drive(await sample('lifecycle-launch-from-warm-pool'), fleet, fleet.deps());

    expect(asState(output).outcome).toBe('launch-timed-out');
    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState')).toHaveLength(0);
  });
});

describe('a Spot interruption warning', () => {
  it('drains at once outside the budget, stops standalone tasks, and reports what could not move in two minutes', async () => {
    fleet.ledger.budgets.set('us-east-1#web', new Set(['i-0aaaaaaaaaaaaaaa1#x', 'i-0aaaaaaaaaaaaaaa2#y']));
    const slow = fleet.addTask(WEB_INSTANCE, 'service:api');
    fleet.unstoppable.add(slow);
    const job = fleet.addTask(WEB_INSTANCE, 'family:job');
    const spot = { ...(await sample('spot-interruption')), time: T0.toISOString() };

    const { output, steps } = await drive(spot, fleet, fleet.deps());

    const state = asState(output);
    expect(steps).not.toContain('Wait For Budget');
    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState')[0]?.at).toBe(T0.toISOString());
    expect(fleet.mutationsOf('ecs:StopTask').map((m) => m.input.task)).toContain(job);
    expect(state.outcome).toBe('spot-deadline');
    expect(fleet.now.getTime() - T0.getTime()).toBeLessThanOrEqual(120_000);
    expect(fleet.events.at(-1)).toMatchObject({ type: 'Drain Timed Out', detail: { remaining: { service: 1 } } });
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')).toHaveLength(0);
  });
});

describe('Spot instance-action stop and hibernate (issue 10)', () => {
  it('drains a hibernating host at once (no two-minute warning) and says how to give it back its tasks', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const spot = { ...(await sample('spot-interruption-hibernate')), time: T0.toISOString() };

    const resolved = asState(await resolveRequest(spot, fleet.deps()));
    fleet.ledger.drains.clear();
    const { output } = await drive(spot, fleet, fleet.deps());

    expect(resolved.deadlineAt).toBe(T0.toISOString());
    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState')[0]?.at).toBe(T0.toISOString());
    expect(fleet.now.getTime() - T0.getTime()).toBeLessThanOrEqual(10_000);
    expect(asState(output).message).toMatch(/hibernates and comes back later .*"action": "release"/);
  });

  it('keeps the two minutes for a stop, and a release sets the returned host ACTIVE again', async () => {
    const spot = { ...(await sample('spot-interruption-stop')), time: T0.toISOString() };
    const resolved = asState(await resolveRequest(spot, fleet.deps()));
    fleet.ledger.drains.clear();
    await drive(spot, fleet, fleet.deps());
    expect(new Date(resolved.deadlineAt).getTime() - T0.getTime()).toBe(110_000);
    expect(fleet.instances.get(WEB_INSTANCE)?.status).toBe('DRAINING');

    const { output } = await drive({ action: 'release', instanceId: WEB_INSTANCE }, fleet, fleet.deps());

    expect(asState(output).outcome).toBe('released');
    expect(fleet.instances.get(WEB_INSTANCE)?.status).toBe('ACTIVE');
  });
});

describe('AWS Health scheduled changes (issue 10: marked, with an event)', () => {
  it('marks the retiring host, drains nothing, and reports when the change begins', async () => {
    const { output, steps } = await drive(await sample('health-instance-retirement'), fleet, fleet.deps());

    expect(steps).toEqual(['Resolve Request', 'Mark Host', 'Record Outcome']);
    expect(asState(output).outcome).toBe('marked');
    expect(fleet.instances.get(WEB_INSTANCE)?.attributes.get('ballast.drain-pending')).toBe('health');
    expect(fleet.instances.get(WEB_INSTANCE)?.status).toBe('ACTIVE');
    expect(fleet.events.at(-1)).toMatchObject({
      type: 'Host Maintenance Scheduled',
      detail: { instanceId: WEB_INSTANCE, trigger: 'health' },
    });
    expect(fleet.events.at(-1)?.detail.message).toMatch(/begins at 2026-12-06T10:00:00.000Z/);
  });

  it('marks every affected host of its clusters, and none outside them', async () => {
    const event = await sample('health-instance-retirement');
    const detail = event.detail as Record<string, unknown>;
    const other = 'i-0eeeeeeeeeeeeeee1';
    const { output } = await drive(
      {
        ...event,
        resources: [],
        detail: { ...detail, affectedEntities: [{ entityValue: other }, { entityValue: 'i-0bbbbbbbbbbbbbbb1' }] },
      },
      fleet,
      fleet.deps(),
    );

    expect(fleet.instances.get('i-0bbbbbbbbbbbbbbb1')?.attributes.get('ballast.drain-pending')).toBe('health');
    expect(fleet.mutationsOf('ecs:PutAttributes')).toHaveLength(1);
    expect(asState(output).message).toMatch(/marked i-0bbbbbbbbbbbbbbb1 \(web\)/);
  });
});

describe('a rebalance recommendation', () => {
  it('marks the host with an attribute that keeps new tasks off it, without DRAINING', async () => {
    const held: (string | undefined)[] = [];
    const { output } = await drive(await sample('rebalance-recommendation'), fleet, fleet.deps(), {
      beforeCheck: () => {
        held.push(fleet.instances.get(WEB_INSTANCE)?.attributes.get('ballast.drain-pending'));
      },
    });

    expect(asState(output).outcome).toBe('marked');
    expect(held).toEqual(['rebalance']);
    expect(fleet.instances.get(WEB_INSTANCE)?.status).toBe('ACTIVE');
    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState')).toHaveLength(0);
  });

  it('removes its mark after an hour when no interruption, replacement or drain followed (issue 10, defect 10)', async () => {
    const { output, steps } = await drive(await sample('rebalance-recommendation'), fleet, fleet.deps());

    expect(steps).toEqual(['Resolve Request', 'Mark Host', 'Wait Before Unmark', 'Mark Host', 'Record Outcome']);
    expect(fleet.now.getTime() - T0.getTime()).toBe(3_600_000);
    expect(fleet.instances.get(WEB_INSTANCE)?.attributes.has('ballast.drain-pending')).toBe(false);
    expect(asState(output).message).toMatch(/mark removed/);
  });

  it('leaves the mark to a drain that followed the recommendation', async () => {
    const { output } = await drive(await sample('rebalance-recommendation'), fleet, fleet.deps(), {
      beforeCheck: () => {
        fleet.instances.get(WEB_INSTANCE)!.status = 'DRAINING';
      },
    });

    expect(fleet.instances.get(WEB_INSTANCE)?.attributes.get('ballast.drain-pending')).toBe('rebalance');
    expect(fleet.mutationsOf('ecs:DeleteAttributes')).toHaveLength(0);
    expect(asState(output).message).toMatch(/being drained/);
  });

  it('skips an instance of a group Ballast does not drain', async () => {
    fleet.addInstance(WEB_INSTANCE, 'web', 'someone-elses-group');
    const { output } = await drive(await sample('rebalance-recommendation'), fleet, fleet.deps());

    expect(output.action).toBe('skip');
    expect(fleet.mutations).toEqual([]);
  });
});

describe('duplicate and late events', () => {
  it('changes nothing when the same lifecycle action is delivered twice', async () => {
    fleet.terminating(WEB_INSTANCE);
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const event = await terminateEvent(WEB_INSTANCE, 'token-1');
    const first = await resolveRequest(event, fleet.deps());

    const second = await drive(event, fleet, fleet.deps());

    expect(first.action).toBe('drain');
    expect(second.output.action).toBe('duplicate');
    expect(second.steps).toEqual(['Resolve Request']);
    expect(fleet.mutations).toEqual([]);
  });

  it('changes nothing when a lifecycle action arrives again after its drain completed', async () => {
    fleet.terminating(WEB_INSTANCE);
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const event = await terminateEvent(WEB_INSTANCE, 'token-2');
    await drive(event, fleet, fleet.deps());
    const before = fleet.mutations.length;
    const eventsBefore = fleet.events.length;
    fleet.advance(3600);

    const late = await drive(event, fleet, fleet.deps());

    expect(late.output.action).toBe('duplicate');
    expect(fleet.mutations).toHaveLength(before);
    expect(fleet.events).toHaveLength(eventsBefore);
  });

  it('skips the autoscaling:TEST_NOTIFICATION explicitly', async () => {
    const { output } = await drive(await sample('test-notification'), fleet, fleet.deps());

    expect(output).toMatchObject({ action: 'skip', message: expect.stringMatching(/TEST_NOTIFICATION/) });
    expect(fleet.ledger.drains.size).toBe(0);
  });

  it('skips a lifecycle action of a hook that is not Ballast’s', async () => {
    const event = await terminateEvent(WEB_INSTANCE);
    (event.detail as Record<string, unknown>).LifecycleHookName = 'ecs-managed-draining-termination-hook';

    const { output } = await drive(event, fleet, fleet.deps());

    expect(output.action).toBe('skip');
    expect(fleet.mutations).toEqual([]);
  });
});

describe('groups opted in by tag', () => {
  it('drains a tagged group found through its tags, with the cluster from the hook metadata', async () => {
    fleet.addInstance('i-0aaaabbbbccccdddd', 'workers', 'tagged-hosts');
    fleet.terminating('i-0aaaabbbbccccdddd');
    fleet.tags.set('tagged-hosts', { 'ballast:drain': 'true' });
    const notification = {
      ...(await sample('hook-notification-terminate')),
      AutoScalingGroupName: 'tagged-hosts',
      Time: T0.toISOString(),
    };

    const { output } = await drive(notification, fleet, fleet.deps());

    expect(asState(output)).toMatchObject({ outcome: 'drained', cluster: 'workers', group: 'tagged-hosts' });
  });
});

describe('manual actions', () => {
  it('carries on when the host is already DRAINING (a re-run): the one DRAINING call it makes changes nothing', async () => {
    fleet.instances.get(WEB_INSTANCE)!.status = 'DRAINING';
    fleet.addTask(WEB_INSTANCE, 'service:api', { desiredStatus: 'STOPPED', lastStatus: 'STOPPING' });

    const { output } = await drive(await sample('manual-drain'), fleet, fleet.deps());

    const state = asState(output);
    expect(state.outcome).toBe('drained');
    expect(state.message).not.toMatch(/error/i);
    // Setting DRAINING again is how Start Drain learns the host is still registered; it asks for nothing else.
    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState').map((m) => m.input.status)).toEqual(['DRAINING']);
    expect(fleet.instances.get(WEB_INSTANCE)!.status).toBe('DRAINING');
    expect(fleet.ledger.record(WEB_INSTANCE, 'manual-drain')).toMatchObject({
      reason: 'kernel patch on this host',
      outcome: 'drained',
    });
  });

  it('completes the pending lifecycle action by instance id when a manual drain finds one', async () => {
    fleet.terminating(WEB_INSTANCE);
    fleet.addTask(WEB_INSTANCE, 'service:api');

    await drive({ action: 'drain', instanceId: WEB_INSTANCE }, fleet, fleet.deps());

    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0]?.input).toMatchObject({
      InstanceId: WEB_INSTANCE,
      LifecycleHookName: 'ballast-drain',
      LifecycleActionResult: 'CONTINUE',
    });
  });

  it('extends the deadline of the running drain', async () => {
    fleet.terminating(WEB_INSTANCE);
    fleet.unstoppable.add(fleet.addTask(WEB_INSTANCE, 'service:api'));
    const deps = fleet.deps(testConfig({ web: { deadlineMinutes: 30 } }));
    const resolved = asState(await resolveRequest(await terminateEvent(WEB_INSTANCE), deps));

    await drive({ action: 'extend', instanceId: WEB_INSTANCE, minutes: 60 }, fleet, deps);
    fleet.advance(31 * 60);
    const checked = await checkTasks(
      {
        ...resolved,
        phase: 'draining',
        startedAt: T0.toISOString(),
        containerInstanceArn: resolved.containerInstanceArn,
      },
      deps,
    );

    expect(new Date(checked.deadlineAt).getTime() - new Date(resolved.deadlineAt).getTime()).toBe(60 * 60_000);
    expect(checked.phase).toBe('draining');
    // The extend heartbeats the hook at once, so the new time is not lost to an expiring heartbeat.
    expect(fleet.mutationsOf('autoscaling:RecordLifecycleActionHeartbeat')[0]?.at).toBe(T0.toISOString());
  });

  it('releases a host held by a drain: completes its lifecycle action, and the drain ends at its next check', async () => {
    fleet.terminating(WEB_INSTANCE);
    fleet.unstoppable.add(fleet.addTask(WEB_INSTANCE, 'service:api'));
    const deps = fleet.deps();
    const resolved = asState(await resolveRequest(await terminateEvent(WEB_INSTANCE), deps));

    const release = await drive(await sample('manual-release'), fleet, deps);
    const checked = await checkTasks({ ...resolved, phase: 'draining', startedAt: T0.toISOString() }, deps);

    expect(asState(release.output).outcome).toBe('released');
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')[0]?.input.LifecycleActionResult).toBe('CONTINUE');
    expect(checked).toMatchObject({ phase: 'finish', outcome: 'released' });
    expect(checked.lifecycleResult).toBeUndefined();
  });

  it('sets a manually drained host without a lifecycle action ACTIVE again on release', async () => {
    fleet.instances.get(WEB_INSTANCE)!.status = 'DRAINING';
    fleet.instances.get(WEB_INSTANCE)!.attributes.set('ballast.drain-pending', 'rebalance');

    await drive({ action: 'release', instanceId: WEB_INSTANCE }, fleet, fleet.deps());

    expect(fleet.instances.get(WEB_INSTANCE)?.status).toBe('ACTIVE');
    expect(fleet.instances.get(WEB_INSTANCE)?.attributes.size).toBe(0);
  });
});

describe('a malformed manual input', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an unknown instance id format', 'manual-invalid-instance-id', /^instanceId: must be an EC2 instance id/],
    ['a negative deadline', 'manual-invalid-negative-deadline', /^deadlineMinutes: must be a positive number/],
    ['an extra field', 'manual-invalid-extra-field', /^force: unknown field/],
    ['an unknown cluster', 'manual-invalid-unknown-cluster', /^cluster: unknown cluster 'no-such-cluster'/],
    ['an unknown action', { action: 'nuke', instanceId: WEB_INSTANCE }, /^action: /],
    [
      'an extend of an instance nobody drains',
      { action: 'extend', instanceId: WEB_INSTANCE, minutes: 5 },
      /^instanceId: no drain/,
    ],
  ];

  it.each(cases)(
    'fails with InvalidInput naming the field for %s, before any mutating call',
    async (_what, input, message) => {
      const raw = typeof input === 'string' ? await sample(input) : input;

      const error = await resolveRequest(raw, fleet.deps()).catch((e: unknown) => e as Error);

      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('InvalidInput');
      expect((error as Error).message).toMatch(message);
      expect(fleet.mutations).toEqual([]);
      expect(fleet.ledger.drains.size).toBe(0);
    },
  );
});
