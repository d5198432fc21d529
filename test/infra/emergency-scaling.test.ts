import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { formatNagFindings, nagFindings } from '#test/support/nag.ts';
import { testApp } from '#test/support/stack.ts';
import exampleConfig from '../../ballast.config.ts';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Sid?: string };

const { app, stacks } = buildApp({ app: testApp(), config: exampleConfig, nag: false });
const template = Template.fromStack(stacks[0]!);

/** The statements of one emergency-scaling function's role (by its construct id: Sample, Validate, Raise). */
function statementsOf(fn: string): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.includes('EmergencyScaling') && id.includes(fn))
    .flatMap(([, p]) => (p.Properties.PolicyDocument.Statement as Statement[]) ?? []);
}
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const bySid = (fn: string, sid: string) => statementsOf(fn).find((s) => s.Sid === sid);
const json = (value: unknown) => JSON.stringify(value);

describe('the EmergencyScaling construct', () => {
  it('creates the Standard emergency-scale state machine', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'ballast-emergency-scale',
      StateMachineType: 'STANDARD',
    });
  });

  it('runs the detector on a schedule and on AWS Health issues, with least privilege', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 minutes)', State: 'ENABLED' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.health'],
        'detail-type': ['AWS Health Event'],
        detail: { service: ['CLOUDWATCH', 'ECS', 'AUTOSCALING', 'EC2'], eventTypeCategory: ['issue'] },
      },
    });
    const detector = statementsOf('Detect');
    const nonLedger = detector
      .flatMap(actionsOf)
      .filter((a) => !/^(dynamodb|logs|xray):/.test(a))
      .sort();

    expect(nonLedger).toEqual([
      'application-autoscaling:DescribeScalingPolicies',
      'cloudwatch:DescribeAlarms',
      'cloudwatch:GetMetricData',
      'cloudwatch:PutMetricData',
      'ecs:DescribeServices',
      'events:PutEvents',
      'states:StartExecution',
    ]);
    expect(bySid('Detect', 'PublishCanary')?.Condition).toEqual({
      StringEquals: { 'cloudwatch:namespace': 'Ballast/Canary' },
    });
    const alarms = json(resourcesOf(bySid('Detect', 'ReadTargetTrackingAlarms')!));
    expect(alarms).toContain('alarm:TargetTracking-service/web/api-*');
    expect(alarms).toContain('alarm:TargetTracking-service/workers/jobs-*');
    expect(alarms).not.toContain('"*"');
    const started = json(resourcesOf(bySid('Detect', 'StartWorkflows')!));
    expect(started).toContain('stateMachine:ballast-emergency-scale');
    expect(started).toContain('stateMachine:ballast-restore-scaling');
  });

  it('samples capacity on a schedule (the example fleet: every 5 minutes) into the ledger', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
    const sampler = statementsOf('Sample');
    expect(sampler.flatMap(actionsOf)).not.toContain('cloudwatch:GetMetricData');
    expect(
      sampler
        .flatMap(actionsOf)
        .filter((a) => !/^(dynamodb|logs|xray):/.test(a))
        .sort(),
    ).toEqual(['autoscaling:DescribeAutoScalingGroups', 'ecs:DescribeServices']);
  });

  it('scopes service calls to the configured services and group changes to the configured groups', () => {
    const update = bySid('Raise', 'UpdateServicesWithoutScalableTarget')!;
    expect(resourcesOf(update).map(json).join(' ')).toMatch(
      /service\/web\/api.*service\/web\/frontend.*service\/workers\/jobs/,
    );
    expect(resourcesOf(update).map(json).join(' ')).not.toContain('*');
    const groups = bySid('Raise', 'RaiseGroups')!;
    expect(actionsOf(groups)).toEqual(['autoscaling:UpdateAutoScalingGroup']);
    expect(resourcesOf(groups).map(json).join(' ')).toMatch(
      /autoScalingGroupName\/web-hosts.*autoScalingGroupName\/worker-hosts/,
    );
  });

  it('lets RegisterScalableTarget touch only ECS service DesiredCount targets', () => {
    expect(bySid('Raise', 'RegisterEcsScalableTargets')?.Condition).toEqual({
      StringEquals: {
        'application-autoscaling:service-namespace': 'ecs',
        'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
      },
    });
  });

  it('gives the validating function no AWS permission at all', () => {
    expect(
      statementsOf('Validate')
        .flatMap(actionsOf)
        .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:')),
    ).toEqual([]);
  });

  it('lets the raise start only the restore-scaling state machine', () => {
    expect(json(bySid('Raise', 'StartRestore')?.Resource)).toContain('stateMachine:ballast-restore-scaling');
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const findings = nagFindings(app).filter((f) => f.path.includes('EmergencyScaling'));
    expect(findings, formatNagFindings(findings)).toEqual([]);
  });
});
