import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { SendTaskSuccessCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from 'vitest';
import { acquireBudget } from '#functions/host-draining/core/budget.ts';
import { checkTasks, startDrain } from '#functions/host-draining/core/drain.ts';
import { resolveRequest } from '#functions/host-draining/core/resolve.ts';
import { onTaskStopped, parkDrain, waitingFor } from '#functions/host-draining/core/wake.ts';
import type { DrainState } from '#functions/host-draining/state.ts';
import { FakeFleet, terminateEvent, testConfig, WEB_INSTANCE } from './fleet.ts';

/**
 * Wake-ups (core/wake.ts): Start Drain opens the host's wake item, every STOPPED task is recorded on it, and the
 * workflow's token is answered by whichever write comes second — the park or the last awaited stop — so no
 * stop between the check and the park is missed, a stop on another host wakes nothing, and a token that is
 * no longer waited on is not an error.
 */
const REGION = 'us-east-1';
let fleet: FakeFleet;
let answered: string[];

beforeEach(() => {
  fleet = new FakeFleet();
  fleet.addService('api');
  fleet.addService('agent', { schedulingStrategy: 'DAEMON' });
  fleet.addInstance(WEB_INSTANCE, 'web', 'web-hosts');
  fleet.addInstance('i-0bbbbbbbbbbbbbbb1', 'web', 'web-hosts');
  fleet.terminating(WEB_INSTANCE);
  answered = [];
  fleet.sfn.on(SendTaskSuccessCommand).callsFake((input: { taskToken: string }) => {
    answered.push(input.taskToken);
    return {};
  });
});

async function started(deps = fleet.deps(testConfig({ wake: true }))): Promise<DrainState> {
  const resolved = (await resolveRequest(await terminateEvent(WEB_INSTANCE), deps, 'exec-1')) as DrainState;
  return startDrain(await acquireBudget(resolved, deps), deps);
}

describe('waking a drain when its host’s last task stops', () => {
  it('waits in phase stopping for the non-daemon tasks, then for the daemons it stopped', async () => {
    const api = fleet.addTask(WEB_INSTANCE, 'service:api');
    const agent = fleet.addTask(WEB_INSTANCE, 'service:agent');

    const state = await started();

    expect(state.phase).toBe('stopping');
    expect(waitingFor(state)).toEqual([api]);
    expect(
      waitingFor({ ...state, tasks: state.tasks.map((t) => (t.arn === api ? { ...t, stopped: true } : t)) }),
    ).toEqual([agent]);
    expect(fleet.ledger.wakes.size).toBe(1);
  });

  it('answers the token when the last awaited task stops, not before, and only once', async () => {
    const a = fleet.addTask(WEB_INSTANCE, 'service:api');
    const b = fleet.addTask(WEB_INSTANCE, 'service:api');
    const deps = fleet.deps(testConfig({ wake: true }));
    const state = await started(deps);
    const arn = state.containerInstanceArn!;

    expect(await parkDrain(state, 'token-1', deps)).toEqual({ parked: true });
    expect(await onTaskStopped(REGION, arn, a, deps)).toBe('recorded');
    expect(answered).toEqual([]);
    expect(await onTaskStopped(REGION, arn, b, deps)).toBe('woke');
    expect(answered).toEqual(['token-1']);
    // A duplicate delivery of the last stop wakes nothing twice.
    expect(await onTaskStopped(REGION, arn, b, deps)).toBe('recorded');
    expect(answered).toEqual(['token-1']);
  });

  it('answers its own token at once when the tasks stopped between the check and the park', async () => {
    const a = fleet.addTask(WEB_INSTANCE, 'service:api');
    const deps = fleet.deps(testConfig({ wake: true }));
    const state = await started(deps);
    await onTaskStopped(REGION, state.containerInstanceArn!, a, deps);

    expect(await parkDrain(state, 'token-2', deps)).toEqual({ parked: false });
    expect(answered).toEqual(['token-2']);
  });

  it('records nothing and wakes nothing for a stop on a host no drain waits on', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const deps = fleet.deps(testConfig({ wake: true }));
    await started(deps);

    expect(
      await onTaskStopped(REGION, 'arn:aws:ecs:us-east-1:123456789012:container-instance/web/other', 'x', deps),
    ).toBe('no-drain');
    expect(answered).toEqual([]);
  });

  it('treats a token the workflow no longer waits on (timed out meanwhile) as done, not as an error', async () => {
    const a = fleet.addTask(WEB_INSTANCE, 'service:api');
    const deps = fleet.deps(testConfig({ wake: true }));
    const state = await started(deps);
    await parkDrain(state, 'token-3', deps);
    fleet.sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    await expect(onTaskStopped(REGION, state.containerInstanceArn!, a, deps)).resolves.toBe('woke');
    // The same stop delivered again completes nothing: the token is not sent twice.
    await expect(onTaskStopped(REGION, state.containerInstanceArn!, a, deps)).resolves.toBe('recorded');
    expect(fleet.sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('polls instead (phase draining), with no wake item, when wake-ups are off', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const off = await started(fleet.deps(testConfig({ wake: false })));
    expect(off.phase).toBe('draining');
    expect(fleet.ledger.wakes.size).toBe(0);
  });

  describe('what a woken check reads (fewer calls per check, issue 11)', () => {
    /** Parks, stops the awaited tasks in ECS, delivers their events, and returns the state the woken check gets. */
    async function wokenBy(stop: string[], deps = fleet.deps(testConfig({ wake: true }))) {
      const state = await started(deps);
      await parkDrain(state, 'token-w', deps);
      let woken: unknown;
      fleet.sfn.on(SendTaskSuccessCommand).callsFake((input: { output: string }) => {
        woken = JSON.parse(input.output);
        return {};
      });
      for (const arn of stop) {
        Object.assign(fleet.tasks.get(arn)!, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: fleet.now });
        await onTaskStopped(REGION, state.containerInstanceArn!, arn, deps);
      }
      expect(woken).toMatchObject({ reported: 'all-stopped' });
      fleet.ecs.resetHistory();
      return { state: { ...state, woken } as DrainState, deps };
    }

    it('takes the tasks the wake reported STOPPED as stopped without describing them', async () => {
      const a = fleet.addTask(WEB_INSTANCE, 'service:api');
      const b = fleet.addTask(WEB_INSTANCE, 'service:api');
      fleet.addTask(WEB_INSTANCE, 'service:agent');
      const { state, deps } = await wokenBy([a, b]);

      const next = await checkTasks(state, deps);

      expect(next.tasks.filter((t) => t.stopped).map((t) => t.arn)).toEqual([a, b]);
      expect(fleet.ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
      // The daemon is still listed as desired RUNNING: open, and now stopped by Ballast.
      expect(fleet.mutationsOf('ecs:StopTask')).toHaveLength(1);
    });

    it('lists nothing when the container instance counts exactly the tasks not reported STOPPED', async () => {
      const a = fleet.addTask(WEB_INSTANCE, 'service:api');
      const agent = fleet.addTask(WEB_INSTANCE, 'service:agent');
      const { state, deps } = await wokenBy([a]);

      const next = await checkTasks(state, deps);

      // One task desired RUNNING, the daemon, the one open task not reported: no ListTasks, no DescribeTasks.
      expect(fleet.ecs.commandCalls(ListTasksCommand)).toHaveLength(0);
      expect(fleet.ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
      expect(next.tasks.find((t) => t.arn === a)?.stopped).toBe(true);
      expect(next.tasks.find((t) => t.arn === agent)?.stopped).toBe(false);
    });

    it('lists the host when the count differs: a task that stopped without an event is found', async () => {
      const a = fleet.addTask(WEB_INSTANCE, 'service:api');
      const agent = fleet.addTask(WEB_INSTANCE, 'service:agent');
      const { state, deps } = await wokenBy([a]);
      // The daemon stopped too, and its event is lost: ECS counts 0 desired RUNNING, 1 was expected.
      Object.assign(fleet.tasks.get(agent)!, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: fleet.now });

      const next = await checkTasks(state, deps);

      expect(fleet.ecs.commandCalls(ListTasksCommand)).toHaveLength(1);
      expect(next.tasks.every((t) => t.stopped)).toBe(true);
      expect(next.phase).toBe('settle');
    });

    it('describes a reported task that ECS still lists as desired RUNNING, and believes ECS', async () => {
      const a = fleet.addTask(WEB_INSTANCE, 'service:api');
      const { state, deps } = await wokenBy([a]);
      // The event said STOPPED, but ECS lists and describes the task as running: ECS wins.
      Object.assign(fleet.tasks.get(a)!, { lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });

      const next = await checkTasks(state, deps);

      // ECS counts one task desired RUNNING where none was expected: the check lists the host.
      expect(fleet.ecs.commandCalls(ListTasksCommand)).toHaveLength(1);
      expect(fleet.ecs.commandCalls(DescribeTasksCommand)).toHaveLength(1);
      expect(next.tasks.find((t) => t.arn === a)?.stopped).toBe(false);
      expect(next.phase).toBe('stopping');
    });

    it('settles with the target groups read at the start, and the delays read from the load balancer', async () => {
      const a = fleet.addTask(WEB_INSTANCE, 'service:api');
      fleet.targetGroups.set('api-tg', 77);
      const { state, deps } = await wokenBy([a], fleet.deps(testConfig({ wake: true, web: { settleSeconds: 0 } })));

      const next = await checkTasks(state, deps);

      expect(next.settleFor).toMatch(/api-tg 77 s/);
      expect(fleet.ecs.commandCalls(DescribeServicesCommand)).toHaveLength(0);
    });
  });

  it('reports a host that left the cluster before Start Drain as gone, from the DRAINING call’s failure', async () => {
    fleet.addTask(WEB_INSTANCE, 'service:api');
    const deps = fleet.deps(testConfig({ wake: true }));
    const resolved = (await resolveRequest(await terminateEvent(WEB_INSTANCE), deps, 'exec-1')) as DrainState;
    fleet.instances.get(WEB_INSTANCE)!.status = 'INACTIVE';

    const state = await startDrain(await acquireBudget(resolved, deps), deps);

    expect(state.outcome).toBe('gone');
    expect(fleet.ecs.commandCalls(UpdateContainerInstancesStateCommand)).toHaveLength(1);
  });
});
