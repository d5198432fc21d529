import { beforeEach, describe, expect, it } from 'vitest';
import { acquireBudget } from '#functions/host-draining/core/budget.ts';
import { checkTasks, startDrain } from '#functions/host-draining/core/drain.ts';
import { releaseBudget } from '#functions/host-draining/core/finish.ts';
import { resolveRequest } from '#functions/host-draining/core/resolve.ts';
import { DrainStateInvalid } from '#functions/host-draining/errors.ts';
import { parseStep } from '#functions/host-draining/parse.ts';
import type { DrainState } from '#functions/host-draining/state.ts';
import { FakeFleet, terminateEvent } from './fleet.ts';
import { asState } from './flow.ts';

/**
 * Issue 10, defect 8 (in part): a step reads the state an older or newer version of Ballast wrote, and the
 * steps that end a drain give the budget slot back even from a state nothing else can read.
 */
const HOST = 'i-0aaaaaaaaaaaaaaa1';
const OPS = { check: checkTasks, 'release-budget': releaseBudget };
let fleet: FakeFleet;
let running: DrainState;

beforeEach(async () => {
  fleet = new FakeFleet();
  fleet.addService('api');
  fleet.addInstance(HOST, 'web', 'web-hosts');
  fleet.terminating(HOST);
  fleet.addTask(HOST, 'service:api');
  const deps = fleet.deps();
  running = await startDrain(
    await acquireBudget(asState(await resolveRequest(await terminateEvent(HOST), deps)), deps),
    deps,
  );
  expect(running.budget.held).toBe(true);
});

/** The state as a version before `v` wrote it, with fields this version no longer has. */
function olderState(): Record<string, unknown> {
  const { v: _v, ...rest } = running;
  return {
    ...rest,
    seenTasks: ['arn:aws:ecs:us-east-1:123456789012:task/web/old'],
    request: { ...rest.request, legacyHookToken: 'x' },
    tasks: rest.tasks.map((t) => ({ ...t, lastSeenAt: '2026-11-22T02:00:00.000Z' })),
  };
}

describe('a drain state written by another version of Ballast (issue 10, defect 8)', () => {
  it('is migrated: the fields this version does not know are dropped and the drain carries on', async () => {
    const { op, state, read } = parseStep({ op: 'check', state: olderState() }, OPS);

    expect(read.how).toBe('migrated');
    expect(read.dropped).toEqual(['request.legacyHookToken', 'tasks[0].lastSeenAt', 'seenTasks']);
    expect(state.v).toBe(2);
    fleet.tick();
    expect((await op(state, fleet.deps())).phase).toMatch(/draining|settle/);
  });

  it('gives the budget slot back on the failure path even when the state cannot be read', async () => {
    const unreadable = { ...olderState(), tasks: { count: 3 }, phase: 'stopping', error: { Error: 'X', Cause: 'y' } };
    expect(() => parseStep({ op: 'check', state: unreadable }, OPS)).toThrow(DrainStateInvalid);

    const { op, state, read } = parseStep({ op: 'release-budget', state: unreadable }, OPS);
    await op(state, fleet.deps());

    expect(read.how).toBe('salvaged');
    expect(fleet.ledger.budgets.get('us-east-1#web')).toEqual(new Set());
  });

  it('reads a state this version wrote as it is', () => {
    expect(parseStep({ op: 'check', state: running }, OPS).read.how).toBe('current');
  });
});
