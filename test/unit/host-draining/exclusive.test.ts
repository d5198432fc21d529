import { beforeEach, describe, expect, it } from 'vitest';
import { acquireBudget } from '#functions/host-draining/core/budget.ts';
import type { DrainDeps } from '#functions/host-draining/core/deps.ts';
import { checkTasks, startDrain } from '#functions/host-draining/core/drain.ts';
import { completeLifecycleAction, recordOutcome, releaseBudget } from '#functions/host-draining/core/finish.ts';
import { reclaimExecution } from '#functions/host-draining/core/reclaim.ts';
import { resolveRequest } from '#functions/host-draining/core/resolve.ts';
import type { DrainState } from '#functions/host-draining/state.ts';
import { FakeFleet, sample, T0, terminateEvent } from './fleet.ts';
import { asState, isState } from './flow.ts';

/**
 * One drain per instance, atomically (issue 10, defect 9's limit): the instance claim is one ledger item
 * taken with a conditional write, so two requests for one host resolved at the same instant cannot both
 * drain it. Before the claim, both passed the check (a read of running drains) and both drained.
 */
let fleet: FakeFleet;
const HOST = 'i-0aaaaaaaaaaaaaaa1';
const exec = (n: number) => `arn:aws:states:us-east-1:123456789012:execution:ballast-drain-host:run-${n}`;

beforeEach(() => {
  fleet = new FakeFleet();
  fleet.addService('api');
  fleet.addInstance(HOST, 'web', 'web-hosts');
  fleet.addInstance('i-0bbbbbbbbbbbbbbb1', 'web', 'web-hosts');
  fleet.addTask(HOST, 'service:api');
  for (let n = 1; n <= 4; n++) fleet.executions.set(exec(n), 'RUNNING');
});

const holders = () => fleet.ledger.budgets.get('us-east-1#web') ?? new Set<string>();

/** Runs a resolved drain to its end as the state machine would; returns its last state and the most slots held. */
async function runToEnd(start: DrainState, deps: DrainDeps, seen: { maxHolders: number }): Promise<DrainState> {
  const note = () => {
    seen.maxHolders = Math.max(seen.maxHolders, holders().size);
  };
  let state = await acquireBudget(start, deps);
  note();
  for (let i = 0; state.phase === 'waiting-budget' && i < 500; i++) {
    fleet.advance(state.waitSeconds);
    fleet.tick();
    state = await acquireBudget(state, deps);
    note();
  }
  if (state.phase !== 'finish') {
    state = await startDrain(state, deps);
    for (let i = 0; state.phase === 'draining' && i < 500; i++) {
      fleet.advance(state.waitSeconds);
      fleet.tick();
      state = await checkTasks(state, deps);
      note();
    }
    if (state.phase === 'settle') fleet.advance(state.settleSeconds);
  }
  return recordOutcome(await releaseBudget(await completeLifecycleAction(state, deps), deps), deps);
}

async function spotWarning(instanceId: string) {
  const event = await sample('spot-interruption');
  return { ...event, time: T0.toISOString(), detail: { ...(event.detail as object), 'instance-id': instanceId } };
}

describe('one drain per instance, claimed atomically', () => {
  it('lets exactly one of two manual drains of one host resolved at the same instant start', async () => {
    // Arrange: two operators drain the same host with different requests, at once.
    const deps = fleet.deps();
    fleet.ledger.gateClaims(2);
    // Act
    const [a, b] = await Promise.all([
      resolveRequest({ action: 'drain', instanceId: HOST, reason: 'patch', requestId: 'change-1' }, deps, exec(1)),
      resolveRequest({ action: 'drain', instanceId: HOST, reason: 'patch', requestId: 'change-2' }, deps, exec(2)),
    ]);
    // Assert: one drains, the other started nothing and names the one that does.
    const outputs = [a, b];
    const drains = outputs.filter(isState);
    const skipped = outputs.filter((o) => !isState(o));
    expect(drains).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.message).toMatch(
      new RegExp(`already being drained by ${drains[0]!.request.drainId} \\(manual-drain\\): nothing started`),
    );
    const seen = { maxHolders: 0 };
    const end = await runToEnd(drains[0]!, deps, seen);
    expect(end.outcome).toBe('drained');
    expect(seen.maxHolders).toBe(1);
    expect(fleet.mutationsOf('ecs:UpdateContainerInstancesState').length).toBeGreaterThan(0);
    // The refused request started nothing and is not counted as a drain of the host.
    expect([...fleet.ledger.drains.values()].map((r) => r.status).sort()).toEqual(['finished', 'refused']);
  });

  it('lets a terminate hook and a Spot warning resolved at the same instant drain the host once: one takes the other over', async () => {
    // Arrange: the host is terminating (its hook waits) and its Spot warning arrives in the same instant.
    fleet.terminating(HOST);
    const deps = fleet.deps();
    fleet.ledger.gateClaims(2);
    // Act
    const [hook, spot] = await Promise.all([
      resolveRequest(await terminateEvent(HOST), deps, exec(1)),
      resolveRequest(await spotWarning(HOST), deps, exec(2)),
    ]);
    const seen = { maxHolders: 0 };
    const ends = await Promise.all([asState(hook), asState(spot)].map((s) => runToEnd(s, deps, seen)));
    // Assert: both requests are answered; one drain ran and completed the hook once, the other was superseded.
    expect(ends.map((e) => e.outcome).sort()).toEqual(['drained', 'superseded'].sort());
    expect(seen.maxHolders).toBeLessThanOrEqual(1); // a Spot drain goes at once, without a slot
    expect(holders().size).toBe(0);
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')).toHaveLength(1);
    const winner = ends.find((e) => e.outcome === 'drained')!;
    expect(winner.hook?.name).toBe('ballast-drain');
  });

  it('lets a terminate hook take over a running manual drain: the claim, the slot and the end move to the hook', async () => {
    // Arrange: an operator's drain of HOST runs (slot held, host DRAINING); then Auto Scaling terminates it.
    const deps = fleet.deps();
    const manual = await startDrain(
      await acquireBudget(
        asState(
          await resolveRequest({ action: 'drain', instanceId: HOST, reason: 'patch', requestId: 'c-1' }, deps, exec(1)),
        ),
        deps,
      ),
      deps,
    );
    fleet.terminating(HOST);
    // Act
    const hook = asState(await resolveRequest(await terminateEvent(HOST), deps, exec(2)));
    const seen = { maxHolders: 0 };
    const [manualEnd, hookEnd] = await Promise.all([runToEnd(manual, deps, seen), runToEnd(hook, deps, seen)]);
    // Assert
    // The claim moved to the hook's drain; the host terminates, so it is not let go (it expires with its TTL).
    expect(fleet.ledger.instanceClaims.get(`us-east-1#${HOST}`)?.drainId).toBe(hook.request.drainId);
    expect(manualEnd.outcome).toBe('superseded');
    expect(hookEnd.outcome).toBe('drained');
    expect(seen.maxHolders).toBe(1);
    expect(holders().size).toBe(0);
    expect(fleet.mutationsOf('autoscaling:CompleteLifecycleAction')).toHaveLength(1);
  });

  it('lets a request after a terminate drain that completed take the claim its finished holder kept', async () => {
    fleet.terminating(HOST);
    fleet.addTask(HOST, 'service:api');
    const deps = fleet.deps();
    const hook = asState(await resolveRequest(await terminateEvent(HOST), deps, exec(1)));
    const end = await runToEnd(hook, deps, { maxHolders: 0 });
    fleet.executions.set(exec(1), 'SUCCEEDED');
    expect(end.outcome).toBe('drained');
    expect(fleet.ledger.instanceClaims.get(`us-east-1#${HOST}`)?.drainId).toBe(hook.request.drainId);

    const late = await resolveRequest(
      { action: 'drain', instanceId: HOST, reason: 'late', requestId: 'c-9' },
      deps,
      exec(2),
    );

    expect(isState(late) && late.action).toBe('drain');
    expect(fleet.ledger.instanceClaims.get(`us-east-1#${HOST}`)?.drainId).toBe(asState(late).request.drainId);
  });

  it('frees the host at the end of a drain, so the next request for it drains', async () => {
    const deps = fleet.deps();
    const first = asState(
      await resolveRequest({ action: 'drain', instanceId: HOST, reason: 'one', requestId: 'change-1' }, deps, exec(1)),
    );
    await runToEnd(first, deps, { maxHolders: 0 });
    fleet.executions.set(exec(1), 'SUCCEEDED');

    const second = await resolveRequest(
      { action: 'drain', instanceId: HOST, reason: 'two', requestId: 'change-2' },
      deps,
      exec(2),
    );

    expect(isState(second) && second.action).toBe('drain');
    expect(fleet.ledger.instanceClaims.get(`us-east-1#${HOST}`)?.drainId).toBe(asState(second).request.drainId);
  });

  it('takes the host from a drain whose execution was stopped from outside, with or without the reclaim', async () => {
    // Arrange: a manual drain holds the host; its execution is then stopped (no Record Outcome ran).
    const deps = fleet.deps();
    const held = asState(
      await resolveRequest({ action: 'drain', instanceId: HOST, reason: 'one', requestId: 'change-1' }, deps, exec(1)),
    );
    fleet.executions.set(exec(1), 'ABORTED');
    // Act: a new request before the reclaim has run ...
    const next = await resolveRequest(
      { action: 'drain', instanceId: HOST, reason: 'two', requestId: 'change-2' },
      deps,
      exec(2),
    );
    // Assert: ... is not refused by the dead holder.
    expect(isState(next) && next.action).toBe('drain');
    expect(fleet.ledger.instanceClaims.get(`us-east-1#${HOST}`)?.drainId).toBe(asState(next).request.drainId);
    // The reclaim of the aborted execution later leaves the new holder alone.
    await reclaimExecution(
      {
        'detail-type': 'Step Functions Execution Status Change',
        source: 'aws.states',
        detail: {
          executionArn: exec(1),
          stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ballast-drain-host',
          status: 'ABORTED',
          input: JSON.stringify({ action: 'drain', instanceId: HOST, reason: 'one', requestId: 'change-1' }),
        },
      },
      deps,
    );
    expect(held.request.drainId).not.toBe(asState(next).request.drainId);
    expect(fleet.ledger.instanceClaims.get(`us-east-1#${HOST}`)?.drainId).toBe(asState(next).request.drainId);
  });

  it('lets the reclaim free the host of an execution that ended without its end steps', async () => {
    const deps = fleet.deps();
    await resolveRequest({ action: 'drain', instanceId: HOST, reason: 'one', requestId: 'change-1' }, deps, exec(1));
    fleet.executions.set(exec(1), 'TIMED_OUT');

    await reclaimExecution(
      {
        'detail-type': 'Step Functions Execution Status Change',
        source: 'aws.states',
        detail: {
          executionArn: exec(1),
          stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ballast-drain-host',
          status: 'TIMED_OUT',
          input: JSON.stringify({ action: 'drain', instanceId: HOST, reason: 'one', requestId: 'change-1' }),
        },
      },
      deps,
    );

    expect(fleet.ledger.instanceClaims.has(`us-east-1#${HOST}`)).toBe(false);
  });

  it('asks again a manual drain that was refused, once the host is free', async () => {
    // Arrange: a lifecycle drain holds the host; the operator's drain is refused.
    fleet.terminating(HOST);
    const deps = fleet.deps();
    const lifecycle = asState(await resolveRequest(await terminateEvent(HOST), deps, exec(1)));
    const request = { action: 'drain', instanceId: HOST, reason: 'patch', requestId: 'change-9' };
    expect((await resolveRequest(request, deps, exec(2))).action).toBe('skip');
    // Act: the lifecycle drain ends; the same request is sent again.
    await runToEnd(lifecycle, deps, { maxHolders: 0 });
    fleet.executions.set(exec(1), 'SUCCEEDED');
    const again = await resolveRequest(request, deps, exec(3));
    // Assert: not a Duplicate of the refused one: it drains.
    expect(again.action).toBe('drain');
  });
});
