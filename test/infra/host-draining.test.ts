import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#config/schema.ts';
import { rebalanceRecommendationPattern, spotInterruptionPattern } from '#events/ec2.ts';
import { instanceScheduledChangePattern } from '#events/health.ts';
import { launchLifecycleActionPattern, terminateLifecycleActionPattern } from '#events/lifecycle.ts';
import { renderPattern } from '#events/match.ts';
import { DrainConfig } from '#functions/host-draining/config-schema.ts';
import { buildApp } from '#infra/app.ts';
import { BundledFunctionFactory } from '#infra/function-factory.ts';
import { HostDraining } from '#infra/host-draining.ts';
import { Ledger } from '#infra/ledger.ts';
import { Observability } from '#infra/observability.ts';
import { formatNagFindings, nagFindings } from '#test/support/nag.ts';
import { testApp } from '#test/support/stack.ts';
import exampleConfig from '../../ballast.config.ts';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Sid?: string };

const { app, stacks } = buildApp({ app: testApp(), config: exampleConfig, nag: false });
const stack = stacks[0]!;
const template = Template.fromStack(stack);

/** Every statement of the inline policies of the host-draining roles. */
function drainStatements(t: Template = template): Statement[] {
  const policies = t.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.includes('HostDraining'))
    .flatMap(([, p]) => (p.Properties.PolicyDocument.Statement as Statement[]) ?? []);
}
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** A standalone HostDraining in a bare stack, with a configuration of one's own. */
function standalone(overrides: Record<string, unknown>, props: { createHooks?: boolean; taggedGroups?: boolean } = {}) {
  const stackApp = testApp();
  const s = new Stack(stackApp, 'Standalone', { env: { region: 'us-east-1' } });
  const config = parseConfig({
    primaryRegion: 'us-east-1',
    standbyRegion: 'us-west-2',
    regions: {
      'us-east-1': {
        clusters: [{ name: 'web' }],
        autoScalingGroups: [{ name: 'web-hosts', cluster: 'web', ...overrides }],
      },
      'us-west-2': { clusters: [{ name: 'web' }] },
    },
  });
  new HostDraining(s, 'HostDraining', {
    config,
    region: 'us-east-1',
    ledger: new Ledger(s, 'Ledger', { tableName: 'ledger' }).table,
    observability: new Observability(s, 'Observability', { namePrefix: 'ballast', region: 'us-east-1' }),
    functionFactory: new BundledFunctionFactory(),
    ...props,
  });
  return Template.fromStack(s);
}

describe('the HostDraining construct', () => {
  it('creates the Standard drain-host state machine in JSONPath', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'ballast-drain-host',
      StateMachineType: 'STANDARD',
    });
  });

  it.each([
    [
      'terminate lifecycle actions of the configured groups',
      terminateLifecycleActionPattern(['web-hosts', 'worker-hosts'], ['ballast-drain']),
    ],
    [
      'launch lifecycle actions of groups with a launch hook',
      launchLifecycleActionPattern(['web-hosts'], ['ballast-launch']),
    ],
    ['Spot interruption warnings', spotInterruptionPattern()],
    ['rebalance recommendations', rebalanceRecommendationPattern()],
    ['AWS Health scheduled retirements and stops', instanceScheduledChangePattern()],
  ])('starts the workflow with the raw event on %s', (_what, pattern) => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: renderPattern(pattern),
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('HostDrainingWorkflowStateMachine') },
          Input: Match.absent(),
          InputTransformer: Match.absent(),
          DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
        }),
      ],
    });
  });

  it('creates the lifecycle hooks with a heartbeat timeout that lets a drain reach 48 hours', () => {
    const hooks = template.findResources('AWS::AutoScaling::LifecycleHook');
    const terminate = Object.values(hooks).filter(
      (h) => h.Properties.LifecycleTransition === 'autoscaling:EC2_INSTANCE_TERMINATING',
    );
    expect(terminate.map((h) => h.Properties.AutoScalingGroupName).sort()).toEqual(['web-hosts', 'worker-hosts']);
    for (const hook of terminate) {
      expect(hook.Properties.HeartbeatTimeout).toBeGreaterThanOrEqual(1728);
      expect(hook.Properties.DefaultResult).toBe('CONTINUE');
    }
    template.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
      AutoScalingGroupName: 'web-hosts',
      LifecycleHookName: 'ballast-launch',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      NotificationMetadata: '{"cluster":"web"}',
    });
  });

  it('abandons by default under the retain policy, and creates no hooks when told not to', () => {
    const retain = standalone({ drain: { deadlinePolicy: 'retain' } });
    retain.hasResourceProperties('AWS::AutoScaling::LifecycleHook', { DefaultResult: 'ABANDON' });
    standalone({}, { createHooks: false }).resourceCountIs('AWS::AutoScaling::LifecycleHook', 0);
    standalone({ createHooks: false }).resourceCountIs('AWS::AutoScaling::LifecycleHook', 0);
  });

  it('never grants a mutating ECS or Auto Scaling action on every resource', () => {
    const mutating =
      /^(ecs:(UpdateContainerInstancesState|StopTask|PutAttributes|DeleteAttributes)|autoscaling:(CompleteLifecycleAction|RecordLifecycleActionHeartbeat))$/;
    const statements = drainStatements().filter((s) => actionsOf(s).some((a) => mutating.test(a)));
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) expect(resourcesOf(s)).not.toContain('*');
  });

  it('scopes ECS permissions to the configured clusters and lifecycle actions to the configured groups', () => {
    const resources = (action: string) =>
      JSON.stringify(
        drainStatements()
          .filter((s) => actionsOf(s).includes(action))
          .flatMap(resourcesOf),
      );
    expect(resources('ecs:StopTask')).toMatch(/:task\/web\/\*/);
    expect(resources('ecs:StopTask')).toMatch(/:task\/workers\/\*/);
    expect(resources('ecs:UpdateContainerInstancesState')).toMatch(/:container-instance\/web\/\*/);
    expect(resources('ecs:ListContainerInstances')).toMatch(/:cluster\/web"/);
    expect(resources('autoscaling:CompleteLifecycleAction')).toMatch(
      /autoScalingGroup:\*:autoScalingGroupName\/web-hosts/,
    );
    expect(resources('autoscaling:CompleteLifecycleAction')).not.toMatch(/autoScalingGroupName\/\*/);
    expect(resources('events:PutEvents')).toMatch(/event-bus\/default/);
    // Only the read-only descriptions that support no resource-level permission use '*': Auto Scaling's,
    // and the target groups' attributes the settle reads (issue 10, defect 4).
    const star = drainStatements()
      .filter((s) => resourcesOf(s).includes('*'))
      .flatMap(actionsOf)
      .filter((a) => /^(ecs|autoscaling|events|dynamodb|elasticloadbalancing):/.test(a));
    expect([...new Set(star)].sort()).toEqual([
      'autoscaling:DescribeAutoScalingInstances',
      'autoscaling:DescribeLifecycleHooks',
      'autoscaling:DescribeTags',
      'elasticloadbalancing:DescribeTargetGroupAttributes',
    ]);
    expect(
      drainStatements()
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('elasticloadbalancing:')),
    ).toEqual(['elasticloadbalancing:DescribeTargetGroupAttributes']);
  });

  it('allows lifecycle actions on tagged groups only with the opt-in tag condition', () => {
    const tagged = standalone({}, { taggedGroups: true });
    const statements = drainStatements(tagged).filter((s) =>
      JSON.stringify(s.Resource).includes('autoScalingGroupName/*'),
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements)
      expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/ballast:drain': 'true' } });
  });

  it('passes the region’s drain configuration to its functions as one JSON variable', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) =>
      String(f.Metadata?.['ballast:entry'] ?? '').startsWith('functions/host-draining/'),
    );
    expect(functions.map((f) => f.Metadata['ballast:entry']).sort()).toEqual([
      'functions/host-draining/drain.ts',
      'functions/host-draining/finish.ts',
      'functions/host-draining/reclaim.ts',
      'functions/host-draining/resolve.ts',
      'functions/host-draining/wake.ts',
    ]);
    for (const fn of functions) {
      const env = fn.Properties.Environment.Variables;
      const config = DrainConfig.parse(JSON.parse(fn.Metadata['ballast:config'].BALLAST_DRAIN_CONFIG));
      expect(env.BALLAST_CONFIG_FILE).toBe('ballast-config.json');
      expect(config.groups['worker-hosts']?.policy).toMatchObject({ deadlinePolicy: 'force', standaloneTasks: 'stop' });
      expect(config.deregistrationDelays.web).toEqual({ api: 30, frontend: 30 });
      expect(env.BALLAST_LEDGER_TABLE.Ref).toMatch(/LedgerTable/);
    }
  });

  it('sends STOPPED tasks of the configured clusters to the wake function, which may only record them and answer tokens', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) => r.Properties.EventPattern?.source?.[0] === 'aws.ecs',
    );
    expect(rules).toHaveLength(1);
    const pattern = rules[0]!.Properties.EventPattern;
    expect(pattern['detail-type']).toEqual(['ECS Task State Change']);
    expect(pattern.detail.lastStatus).toEqual(['STOPPED']);
    expect(JSON.stringify(pattern.detail.clusterArn)).toContain(':cluster/web');
    const targetsFn = JSON.stringify(rules[0]!.Properties.Targets);
    expect(targetsFn).toMatch(/Wake/);

    const wake = Object.entries(template.findResources('AWS::Lambda::Function')).find(
      ([, f]) => f.Metadata?.['ballast:entry'] === 'functions/host-draining/wake.ts',
    )!;
    const roleRef = wake[1].Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleRef))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((st: { Action: string | string[] }) => [st.Action].flat()).sort();
    expect(actions).toContain('states:SendTaskSuccess');
    expect(actions).toContain('dynamodb:UpdateItem');
    // Only UpdateItem on the ledger; the rest is the function factory's own (logs, X-Ray), none on AWS data.
    expect(actions.filter((a: string) => a.startsWith('dynamodb:') || a.startsWith('states:'))).toEqual([
      'dynamodb:UpdateItem',
      'states:SendTaskSuccess',
    ]);
    expect(actions.filter((a: string) => /^(ecs|autoscaling|events):/.test(a))).toEqual([]);
  });

  it('sends the drain workflow’s failed, timed-out and aborted executions to the reclaim function', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) =>
        r.Properties.EventPattern?.source?.[0] === 'aws.states' && r.Properties.Description?.includes('budget slot'),
    );
    expect(rules).toHaveLength(1);
    const rule = rules[0]!;
    expect(rule.Properties.EventPattern.detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    expect(JSON.stringify(rule.Properties.EventPattern.detail.stateMachineArn)).toMatch(/HostDraining.*Workflow/);
    expect(JSON.stringify(rule.Properties.Targets[0].Arn)).toMatch(/HostDrainingReclaim/);
    expect(rule.Properties.Targets[0].DeadLetterConfig).toBeDefined();
  });

  it('lets the drain functions describe only their own workflow’s executions', () => {
    // The drain function (budget holders) and the resolve function (one drain per instance, defect 9).
    const describe = drainStatements().filter((s) => actionsOf(s).includes('states:DescribeExecution'));
    expect(describe).toHaveLength(2);
    for (const statement of describe) {
      expect(actionsOf(statement)).toEqual(['states:DescribeExecution']);
      expect(resourcesOf(statement)).toHaveLength(1);
      expect(JSON.stringify(resourcesOf(statement))).toContain(':execution:ballast-drain-host:*');
    }
  });

  it('fills missing data points in the failures alarm’s sum (issue 10, defect 11)', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      String(a.Properties.AlarmDescription).startsWith('Drain host: an execution failed'),
    );
    const expression = alarms[0]!.Properties.Metrics.find((m: { Expression?: string }) => m.Expression).Expression;
    expect(expression).toBe('FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)');
  });

  it('lets CloudWatch alarms of this account publish to the alerts topic (issue 10, defect 11)', () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, any>[]);
    const cloudwatch = statements.filter(
      (st) => st.Effect === 'Allow' && JSON.stringify(st.Principal).includes('cloudwatch.amazonaws.com'),
    );
    expect(cloudwatch).toHaveLength(1);
    expect(cloudwatch[0]!.Action).toBe('sns:Publish');
    expect(JSON.stringify(cloudwatch[0]!.Condition)).toContain('aws:SourceAccount');
  });

  it('gives the drain functions only the item operations they use on the ledger (issue 10, defect 11)', () => {
    const ledgerActions = drainStatements()
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('dynamodb:'));
    expect(ledgerActions).not.toContain('dynamodb:Scan');
    expect(ledgerActions).not.toContain('dynamodb:BatchWriteItem');
    expect(ledgerActions).not.toContain('dynamodb:DeleteItem');
    expect(new Set(ledgerActions)).toEqual(
      new Set(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']),
    );
  });

  it('alarms on failed drain executions', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Drain host: an execution failed'),
    });
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const findings = nagFindings(app).filter((f) => f.path.includes('HostDraining'));
    expect(findings, formatNagFindings(findings)).toEqual([]);
  });
});
