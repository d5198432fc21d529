import { describe, expect, it } from 'vitest';
import { type EchoEvent, handler as echoHandler } from '#test/fixtures/handlers/echo.ts';
import { FIXTURE, fixtureApp } from '#test/fixtures/stack.ts';
import {
  definitionFromTemplate,
  handlerRoutes,
  runStateMachine,
  type TaskRoute,
  taskError,
  UnknownStateError,
  UnroutedTaskError,
} from '#test/support/sfn.ts';
import { synthTemplate } from '#test/support/stack.ts';

const S = FIXTURE.states;
const template = synthTemplate(fixtureApp().stack);
const definition = definitionFromTemplate(template, FIXTURE.stateMachineName, { stackName: FIXTURE.stackName });
const CLUSTER_ARN = `arn:aws:ecs:us-east-1:123456789012:cluster/${FIXTURE.clusterName}`;
const INSTANCE = `arn:aws:ecs:us-east-1:123456789012:container-instance/${FIXTURE.clusterName}/abc`;

const listTasks: TaskRoute = () => ({ TaskArns: ['arn:aws:ecs:us-east-1:123456789012:task/fixture-cluster/t1'] });

describe('runStateMachine on the synthesized fixture ASL', () => {
  it('runs the success path with the real handler as the Lambda route', async () => {
    const result = await runStateMachine({
      definition,
      input: { containerInstanceArn: INSTANCE },
      routes: { [S.invokeEcho]: (event: EchoEvent) => echoHandler(event), [S.listTasks]: listTasks },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.visitedStates).toEqual([S.invokeEcho, S.isReady, S.listTasks, S.done]);
    expect(result.transitions).toBe(4);
    expect(result.output).toEqual({
      containerInstanceArn: INSTANCE,
      echo: { ready: true, containerInstanceArn: INSTANCE },
      tasks: { taskArns: ['arn:aws:ecs:us-east-1:123456789012:task/fixture-cluster/t1'] },
    });
    // The Lambda route got the Payload; the SDK route got the API request with the resolved cluster ARN.
    expect(result.calls.map((c) => c.input)).toEqual([
      { containerInstanceArn: INSTANCE, executionName: 'local-execution' },
      { Cluster: CLUSTER_ARN, ContainerInstance: INSTANCE },
    ]);
    expect(result.calls[0]?.taskInput).toMatchObject({ FunctionName: expect.stringContaining(FIXTURE.functionName) });
  });

  it('finds the real handler of each Lambda task through its ballast:entry metadata', async () => {
    const routes = await handlerRoutes(template, definition, { stackName: FIXTURE.stackName });
    expect(Object.keys(routes)).toEqual([S.invokeEcho]);

    const result = await runStateMachine({
      definition,
      input: { containerInstanceArn: INSTANCE },
      routes: { ...routes, [S.listTasks]: listTasks },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ echo: { ready: true, containerInstanceArn: INSTANCE } });
  });

  it('retries a transient error, loops through the Wait until ready, then succeeds', async () => {
    let attempt = 0;
    const result = await runStateMachine({
      definition,
      input: { containerInstanceArn: INSTANCE },
      routes: {
        [S.invokeEcho]: (event: EchoEvent) => {
          attempt++;
          if (attempt === 1) throw taskError('Fixture.Transient', 'agent not connected yet');
          return { containerInstanceArn: event.containerInstanceArn, ready: attempt >= 3 };
        },
        [S.listTasks]: listTasks,
      },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.retries).toEqual({ [S.invokeEcho]: 1 });
    expect(result.visitedStates).toEqual([
      S.invokeEcho,
      S.isReady,
      S.waitForReady,
      S.invokeEcho,
      S.isReady,
      S.listTasks,
      S.done,
    ]);
    expect(attempt).toBe(3);
  });

  it('ends in the Fail state once the retries are spent, with its error and cause', async () => {
    let attempts = 0;
    const result = await runStateMachine({
      definition,
      input: { containerInstanceArn: INSTANCE },
      routes: {
        [S.invokeEcho]: () => {
          attempts++;
          throw taskError('Fixture.Transient', 'still failing');
        },
        [S.listTasks]: listTasks,
      },
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('EchoFailed');
    expect(result.cause).toMatch(/echo function kept failing/);
    expect(attempts).toBe(3); // the first call and MaxAttempts: 2 retries
    expect(result.visitedStates).toEqual([S.invokeEcho, S.echoFailed]);
  });

  it('catches a named handler error without retrying it, and gives it Lambda’s error shape', async () => {
    const result = await runStateMachine({
      definition,
      input: { containerInstanceArn: '' },
      routes: { [S.invokeEcho]: (event: EchoEvent) => echoHandler(event), [S.listTasks]: listTasks },
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('EchoFailed');
    expect(result.calls).toHaveLength(1);
    const caught = result.events.find((e) => e.type === 'StateEntered' && e.state.name === S.echoFailed);
    expect(caught?.type === 'StateEntered' && caught.state.input).toMatchObject({
      error: {
        Error: 'MissingContainerInstance',
        Cause: expect.stringContaining('"errorType":"MissingContainerInstance"'),
      },
    });
  });

  it('routes an SDK error (Ecs.*) through the SDK task’s Catch', async () => {
    const result = await runStateMachine({
      definition,
      input: { containerInstanceArn: INSTANCE },
      routes: {
        [S.invokeEcho]: (event: EchoEvent) => echoHandler(event),
        [S.listTasks]: () => {
          throw taskError('Ecs.ClusterNotFoundException', 'Cluster not found.');
        },
      },
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ListTasksFailed');
    expect(result.visitedStates.at(-1)).toBe(S.listTasksFailed);
  });

  it('aborts a loop that never ends instead of hanging the test', async () => {
    const result = await runStateMachine({
      definition,
      input: { containerInstanceArn: INSTANCE },
      routes: { [S.invokeEcho]: () => ({ ready: false, containerInstanceArn: INSTANCE }), [S.listTasks]: listTasks },
      maxTransitions: 30,
    });

    expect(result.status).toBe('ABORTED');
    expect(result.error).toBe('Harness.MaxTransitionsExceeded');
    expect(result.transitions).toBeGreaterThanOrEqual(30);
  });
});

describe('the routing guard', () => {
  it('refuses to run while any Task is unrouted, naming every one (nested ones too)', async () => {
    const nested = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          End: true,
          Branches: [
            {
              StartAt: 'A',
              States: { A: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:ecs:listTasks', End: true } },
            },
            {
              StartAt: 'Each',
              States: {
                Each: {
                  Type: 'Map',
                  End: true,
                  ItemProcessor: {
                    StartAt: 'B',
                    States: {
                      B: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:b', End: true },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    };
    let called = false;
    const run = runStateMachine({ definition: nested, routes: { A: () => (called = true) } });

    await expect(run).rejects.toThrow(UnroutedTaskError);
    await expect(run).rejects.toThrow(/Unrouted: B$/);
    await expect(runStateMachine({ definition: nested, routes: {} })).rejects.toThrow(/Unrouted: A, B/);
    expect(called).toBe(false);
  });

  it('rejects a route for a state that does not exist (a misspelt contract)', async () => {
    await expect(
      runStateMachine({
        definition,
        routes: { [S.invokeEcho]: () => ({}), [S.listTasks]: listTasks, 'List Task': listTasks },
      }),
    ).rejects.toThrow(UnknownStateError);
  });
});
