import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  alarms,
  type CfnTemplate,
  eventRules,
  functionByArn,
  lambdaFunctions,
  lifecycleHooks,
  loadTemplate,
  roles,
  stateMachines,
  tables,
} from '#local/deploy/template.ts';
import { FIXTURE, fixtureApp } from '#test/fixtures/stack.ts';
import { synthTemplate, testContext } from '#test/support/stack.ts';

const template = synthTemplate(fixtureApp().stack);
const ctx = testContext(template, FIXTURE.stackName);
const ACCOUNT = '123456789012';
const clusterArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${FIXTURE.clusterName}`;

describe('extractors on the synthesized fixture', () => {
  it('maps the Lambda function back to its handler module through ballast metadata', () => {
    const [fn] = lambdaFunctions(template, ctx);
    expect(fn).toMatchObject({
      name: FIXTURE.functionName,
      arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${FIXTURE.functionName}`,
      entry: FIXTURE.handlerEntry,
      handlerExport: FIXTURE.handlerExport,
      timeoutSeconds: 20,
      memoryMb: 256,
      architectures: ['arm64'],
    });
    expect(fn?.environment).toEqual({
      TABLE_NAME: `${FIXTURE.stackName}-${tables(template, ctx)[0]?.logicalId}`,
      CLUSTER_ARN: clusterArn,
    });
    expect(fn?.roleArn).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:role/${FIXTURE.stackName}-EchoRole`));
  });

  it('gives the state machine a runnable, fully resolved definition', () => {
    const [machine] = stateMachines(template, ctx);
    expect(machine?.name).toBe(FIXTURE.stateMachineName);
    expect(machine?.arn).toBe(`arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${FIXTURE.stateMachineName}`);
    expect(machine?.roleLogicalId).toMatch(/^DrainRole/);
    const states = machine?.definition.States as Record<string, Record<string, unknown>>;
    expect(states[FIXTURE.states.invokeEcho]?.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(states[FIXTURE.states.invokeEcho]?.Parameters).toMatchObject({
      FunctionName: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${FIXTURE.functionName}`,
    });
    expect(states[FIXTURE.states.listTasks]?.Parameters).toMatchObject({ Cluster: clusterArn });
    expect(JSON.stringify(machine?.definition)).not.toMatch(/Fn::|"Ref"/);
  });

  it('lets a Lambda ARN in the ASL be traced back to its handler', () => {
    const [machine] = stateMachines(template, ctx);
    const states = machine?.definition.States as Record<string, { Parameters?: { FunctionName?: string } }>;
    const arn = states[FIXTURE.states.invokeEcho]?.Parameters?.FunctionName ?? '';
    expect(functionByArn(lambdaFunctions(template, ctx), `${arn}:$LATEST`)?.entry).toBe(FIXTURE.handlerEntry);
  });

  it('reads the event rule: pattern, target ARN and input transformer', () => {
    const [rule] = eventRules(template, ctx);
    expect(rule?.eventBusName).toBe('default');
    expect(rule?.pattern).toEqual({
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
    });
    expect(rule?.state).toBe('ENABLED');
    expect(rule?.targets).toHaveLength(1);
    const target = rule?.targets[0];
    expect(target?.arn).toBe(`arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${FIXTURE.stateMachineName}`);
    expect(target?.roleArn).toMatch(/:role\//);
    expect(target?.inputTransformer?.inputPathsMap).toMatchObject({ 'detail-EC2InstanceId': '$.detail.EC2InstanceId' });
    expect(target?.inputTransformer?.inputTemplate).toContain('"instanceId":<detail-EC2InstanceId>');
  });

  it('reads the table: keys, index, billing and TTL', () => {
    const [table] = tables(template, ctx);
    expect(table?.keySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table?.globalSecondaryIndexes.map((i) => i.IndexName)).toEqual(['byKind']);
    expect(table?.billingMode).toBe('PAY_PER_REQUEST');
    expect(table?.ttlAttribute).toBe('expiresAt');
    expect(table?.pointInTimeRecovery).toBe(true);
  });

  it('collects a role’s policies from the separate AWS::IAM::Policy resources that attach to it', () => {
    const echoRole = roles(template, ctx).find((r) => r.logicalId.startsWith('EchoRole'));
    expect(echoRole?.assumedBy).toEqual(['lambda.amazonaws.com']);
    const statements = echoRole?.policyDocuments.flatMap((d) => d.Statement) ?? [];
    expect(statements).toContainEqual({
      Action: 'ecs:ListTasks',
      Condition: { ArnEquals: { 'ecs:cluster': clusterArn } },
      Effect: 'Allow',
      Resource: '*',
    });
    const drainRole = roles(template, ctx).find((r) => r.logicalId.startsWith('DrainRole'));
    expect(drainRole?.assumedBy).toEqual(['states.amazonaws.com']);
  });

  it('collects inline policies and in-template managed policies too', () => {
    const snippet: CfnTemplate = {
      Resources: {
        R: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Statement: [
                { Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' },
              ],
            },
            Policies: [
              {
                PolicyName: 'inline',
                PolicyDocument: { Statement: { Effect: 'Allow', Action: 'sns:Publish', Resource: '*' } },
              },
            ],
            ManagedPolicyArns: [{ Ref: 'M' }, 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
          },
        },
        M: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: {
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' }] },
          },
        },
      },
    };
    const [role] = roles(snippet, testContext(snippet));
    expect(role?.policies.map((p) => p.kind)).toEqual(['inline', 'managed']);
    expect(role?.policyDocuments[0]?.Statement).toEqual([{ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }]);
    expect(role?.externalManagedPolicyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
  });

  it('reads lifecycle hooks and alarms', () => {
    const snippet: CfnTemplate = {
      Resources: {
        Group: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { AutoScalingGroupName: 'web-asg' } },
        Hook: {
          Type: 'AWS::AutoScaling::LifecycleHook',
          Properties: {
            AutoScalingGroupName: { Ref: 'Group' },
            LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
            HeartbeatTimeout: 900,
            DefaultResult: 'CONTINUE',
          },
        },
        Failed: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: 'drain-failed',
            Namespace: 'AWS/States',
            MetricName: 'ExecutionsFailed',
            Dimensions: [{ Name: 'StateMachineArn', Value: 'arn:x' }],
            Statistic: 'Sum',
            Period: 300,
            EvaluationPeriods: 1,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            TreatMissingData: 'notBreaching',
          },
        },
      },
    };
    const snippetCtx = testContext(snippet);
    expect(lifecycleHooks(snippet, snippetCtx)).toEqual([
      expect.objectContaining({
        autoScalingGroupName: 'web-asg',
        heartbeatTimeoutSeconds: 900,
        defaultResult: 'CONTINUE',
      }),
    ]);
    expect(alarms(snippet, snippetCtx)).toEqual([
      expect.objectContaining({
        name: 'drain-failed',
        arn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:drain-failed`,
        dimensions: { StateMachineArn: 'arn:x' },
        treatMissingData: 'notBreaching',
      }),
    ]);
  });
});

describe('loadTemplate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-template-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a template from cdk.out and refuses a file that is not one', () => {
    const good = join(dir, 'Stack.template.json');
    writeFileSync(good, JSON.stringify(template));
    expect(Object.keys(loadTemplate(good).Resources)).toEqual(Object.keys(template.Resources));
    const bad = join(dir, 'other.json');
    writeFileSync(bad, '{"hello":1}');
    expect(() => loadTemplate(bad)).toThrow(/no Resources/);
  });
});
