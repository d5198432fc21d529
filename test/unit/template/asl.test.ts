import { describe, expect, it } from 'vitest';
import { classifyResource, routeAsl } from '#local/deploy/asl.ts';

const definition = {
  StartAt: 'Fan Out',
  States: {
    'Fan Out': {
      Type: 'Parallel',
      Next: 'Per Service',
      Retry: [{ ErrorEquals: ['States.ALL'] }],
      Branches: [
        {
          StartAt: 'Describe',
          States: {
            Describe: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:ecs:describeServices', End: true },
          },
        },
        {
          StartAt: 'Pause',
          States: { Pause: { Type: 'Wait', SecondsPath: '$.delay', End: true } },
        },
      ],
    },
    'Per Service': {
      Type: 'Map',
      Next: 'Record',
      ItemProcessor: {
        StartAt: 'Drain One',
        States: {
          'Drain One': {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:1:function:drain', 'Payload.$': '$' },
            End: true,
          },
        },
      },
    },
    Record: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Retry: [{ ErrorEquals: ['DynamoDB.ProvisionedThroughputExceededException'] }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
      Next: 'Sleep',
    },
    Sleep: { Type: 'Wait', Seconds: 60, Next: 'Done' },
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail', Error: 'RecordFailed' },
  },
};

describe('routeAsl', () => {
  it('lists every Task, nested ones included, with where it sits', () => {
    const { tasks } = routeAsl(definition);
    expect(tasks.map((t) => [t.name, t.path])).toEqual([
      ['Describe', ['Fan Out']],
      ['Drain One', ['Per Service']],
      ['Record', []],
    ]);
    expect(tasks.find((t) => t.name === 'Record')).toMatchObject({ hasRetry: true, hasCatch: true });
  });

  it('lists Wait states and the states that retry', () => {
    const routing = routeAsl(definition);
    expect(routing.waits.map((w) => [w.name, w.seconds ?? w.secondsPath])).toEqual([
      ['Pause', '$.delay'],
      ['Sleep', 60],
    ]);
    expect(routing.retryStates).toEqual(['Fan Out', 'Record']);
    expect(routing.duplicateNames).toEqual([]);
  });

  it('reads the legacy Map Iterator too, and reports duplicate state names', () => {
    const routing = routeAsl({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Iterator: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'x', End: true } } },
          Next: 'T',
        },
        T: { Type: 'Task', Resource: 'y', End: true },
      },
    });
    expect(routing.tasks.map((t) => t.name)).toEqual(['T', 'T']);
    expect(routing.duplicateNames).toEqual(['T']);
  });
});

describe('classifyResource', () => {
  it('classifies the Lambda integrations', () => {
    expect(
      classifyResource('arn:aws:states:::lambda:invoke', { FunctionName: 'arn:aws:lambda:us-east-1:1:function:f' }),
    ).toMatchObject({
      kind: 'lambda',
      functionArn: 'arn:aws:lambda:us-east-1:1:function:f',
      payloadResponseOnly: false,
    });
    expect(classifyResource('arn:aws:lambda:us-east-1:1:function:f')).toMatchObject({
      kind: 'lambda',
      functionArn: 'arn:aws:lambda:us-east-1:1:function:f',
      payloadResponseOnly: true,
    });
    expect(classifyResource('arn:aws:states:::lambda:invoke', { 'FunctionName.$': '$.fn' })).toMatchObject({
      kind: 'lambda',
      functionArn: undefined,
      functionNamePath: '$.fn',
    });
    expect(classifyResource('arn:aws:states:::lambda:invoke.waitForTaskToken', {}).pattern).toBe('wait-for-task-token');
  });

  it('classifies AWS SDK integrations with PascalCased actions and their IAM action', () => {
    expect(classifyResource('arn:aws:states:::aws-sdk:ecs:listTasks')).toMatchObject({
      kind: 'sdk',
      service: 'ecs',
      action: 'ListTasks',
      iamAction: 'ecs:ListTasks',
      integration: 'aws-sdk',
      pattern: 'request-response',
    });
    expect(classifyResource('arn:aws:states:::aws-sdk:applicationautoscaling:registerScalableTarget')).toMatchObject({
      service: 'applicationautoscaling',
      iamAction: 'application-autoscaling:RegisterScalableTarget',
    });
  });

  it('classifies optimized integrations and their .sync / .waitForTaskToken suffixes', () => {
    expect(classifyResource('arn:aws:states:::events:putEvents')).toMatchObject({
      kind: 'sdk',
      service: 'events',
      action: 'PutEvents',
      integration: 'optimized',
    });
    expect(classifyResource('arn:aws:states:::dynamodb:updateItem')).toMatchObject({
      service: 'dynamodb',
      action: 'UpdateItem',
    });
    expect(classifyResource('arn:aws:states:::sns:publish')).toMatchObject({ service: 'sns', action: 'Publish' });
    expect(classifyResource('arn:aws:states:::states:startExecution.sync:2')).toMatchObject({
      service: 'states',
      action: 'StartExecution',
      pattern: 'sync',
    });
    expect(classifyResource('arn:aws:states:::sqs:sendMessage.waitForTaskToken').pattern).toBe('wait-for-task-token');
  });

  it('classifies activities and leaves the rest as other', () => {
    expect(classifyResource('arn:aws:states:us-east-1:1:activity:approve')).toMatchObject({ kind: 'activity' });
    expect(classifyResource('arn:aws:states:::http:invoke')).toMatchObject({ kind: 'other' });
  });
});
