import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FailoverConfig } from '#functions/region-failover/config-schema.ts';
import { buildApp } from '#infra/app.ts';
import { formatNagFindings, nagFindings } from '#test/support/nag.ts';
import { testApp } from '#test/support/stack.ts';
import exampleConfig from '../../ballast.config.ts';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, any>; Sid?: string };

const { app, stacks } = buildApp({ app: testApp(), config: exampleConfig, nag: false });
const east = Template.fromStack(stacks[0]!);
const west = Template.fromStack(stacks[1]!);

function failoverStatements(t: Template): Statement[] {
  return Object.entries(t.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.includes('RegionFailover'))
    .flatMap(([, p]) => (p.Properties.PolicyDocument.Statement as Statement[]) ?? []);
}
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const withAction = (t: Template, action: string) => failoverStatements(t).filter((s) => actionsOf(s).includes(action));

describe('the RegionFailover construct', () => {
  it.each([
    ['us-east-1', east],
    ['us-west-2', west],
  ])('creates the Standard region-failover state machine in %s (every region can be the destination)', (_r, t) => {
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'ballast-region-failover',
      StateMachineType: 'STANDARD',
    });
  });

  it("lets the steps raise only this region's configured services and groups", () => {
    const update = JSON.stringify(withAction(west, 'ecs:UpdateService').flatMap(resourcesOf));
    expect(update).toContain(':us-west-2:');
    expect(update).toContain('service/web/api');
    expect(update).toContain('service/workers/jobs');
    expect(update).not.toContain('us-east-1');
    expect(update).not.toContain('*');
    const groups = JSON.stringify(withAction(west, 'autoscaling:UpdateAutoScalingGroup').flatMap(resourcesOf));
    expect(groups).toMatch(/autoScalingGroupName\/web-hosts/);
    expect(groups).toMatch(/autoScalingGroupName\/worker-hosts/);
    expect(groups).not.toMatch(/autoScalingGroupName\/\*/);
    // best-effort reads of the source: DescribeServices on the configured services of every region
    const describe = JSON.stringify(withAction(west, 'ecs:DescribeServices').flatMap(resourcesOf));
    expect(describe).toContain('us-east-1');
    expect(describe).toContain('us-west-2');
  });

  it('steers only the configured record names of the configured hosted zone, by UPSERT', () => {
    const [change] = withAction(west, 'route53:ChangeResourceRecordSets');
    expect(JSON.stringify(resourcesOf(change!))).toContain('hostedzone/Z0EXAMPLE0BALLAST');
    expect(change!.Condition).toEqual({
      'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['api.example.com', 'www.example.com'],
        'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
      },
    });
  });

  it('grants no mutating action on every resource, except RegisterScalableTarget held to the ecs namespace', () => {
    const star = failoverStatements(west).filter((s) => resourcesOf(s).includes('*'));
    const mutating = star
      .flatMap(actionsOf)
      .filter((a) => !/^(xray|logs):/.test(a)) // tracing and log delivery: no resource-level permissions
      .filter((a) => !/:(Describe|Get|List)/.test(a));
    expect(mutating).toEqual(['application-autoscaling:RegisterScalableTarget']);
    const register = star.find((s) => actionsOf(s).includes('application-autoscaling:RegisterScalableTarget'))!;
    expect(register.Condition).toEqual({ StringEquals: { 'application-autoscaling:service-namespace': 'ecs' } });
  });

  it('passes every region’s services and the failover policy to its functions as one JSON variable', () => {
    const functions = Object.values(west.findResources('AWS::Lambda::Function')).filter((f) =>
      String(f.Metadata?.['ballast:entry'] ?? '').startsWith('functions/region-failover/'),
    );
    expect(functions.map((f) => f.Metadata['ballast:entry']).sort()).toEqual([
      'functions/region-failover/steps.ts',
      'functions/region-failover/trigger.ts',
      'functions/region-failover/validate.ts',
    ]);
    for (const fn of functions) {
      const config = FailoverConfig.parse(JSON.parse(fn.Metadata['ballast:config'].BALLAST_FAILOVER_CONFIG));
      expect(config.region).toBe('us-west-2');
      expect(Object.keys(config.regions).sort()).toEqual(['us-east-1', 'us-west-2']);
      expect(config.policy.rungs).toEqual([1, 5, 25, 50, 100]);
      expect(config.regions['us-west-2']?.services.find((s) => s.name === 'api')?.targetGroups).toEqual(['api-tg']);
    }
  });

  it('runs the automatic trigger every minute, recommend by default: it may read and emit, not start', () => {
    west.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('RegionFailoverTrigger'), 'Arn'] } })],
    });
    const trigger = Object.entries(west.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.includes('RegionFailoverTrigger'))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
    const actions = trigger
      .flatMap(actionsOf)
      .filter((a) => !/^(xray|logs):/.test(a))
      .sort();
    expect(actions).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'events:PutEvents',
      'route53:GetHealthCheckStatus',
      'route53:ListResourceRecordSets',
    ]);
  });

  it('lets an auto trigger start only its own failover and read only the configured alarms', () => {
    const config = {
      ...exampleConfig,
      policies: {
        ...exampleConfig.policies,
        failover: {
          ...exampleConfig.policies!.failover!,
          trigger: { action: 'auto', alarms: { 'us-east-1': ['api-5xx'] } },
        },
      },
    };
    const built = buildApp({ app: testApp(), config, nag: false });
    const t = Template.fromStack(built.stacks[1]!);
    const trigger = Object.entries(t.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.includes('RegionFailoverTrigger'))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
    const start = trigger.find((s) => actionsOf(s).includes('states:StartExecution'))!;
    expect(JSON.stringify(start.Resource)).toMatch(/RegionFailoverWorkflowStateMachine/);
    const alarms = trigger.find((s) => actionsOf(s).includes('cloudwatch:DescribeAlarms'))!;
    expect(JSON.stringify(alarms.Resource)).toMatch(/:cloudwatch:us-east-1:.*:alarm:api-5xx/);
    const off = buildApp({
      app: testApp(),
      config: {
        ...config,
        policies: { ...config.policies, failover: { ...config.policies.failover, trigger: { action: 'off' } } },
      },
      nag: false,
    });
    const rules = Object.values(Template.fromStack(off.stacks[1]!).findResources('AWS::Events::Rule'));
    expect(JSON.stringify(rules)).not.toMatch(/RegionFailoverTrigger/);
  });

  it('checks readiness on a schedule through the same state machine', () => {
    west.hasResourceProperties('AWS::Events::Rule', {
      // The example fleet checks hourly (ballast.config.ts); the default is every 15 minutes.
      ScheduleExpression: 'rate(1 hour)',
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('RegionFailoverWorkflowStateMachine') },
          Input: '{"action":"readiness"}',
        }),
      ],
    });
  });

  it('alarms on failed failover executions', () => {
    west.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Region failover: an execution failed'),
    });
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const findings = nagFindings(app).filter((f) => f.path.includes('RegionFailover'));
    expect(findings, formatNagFindings(findings)).toEqual([]);
  });
});
