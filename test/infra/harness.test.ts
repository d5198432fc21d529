import { describe, expect, it } from 'vitest';
import { badFixtureApp } from '#test/fixtures/bad-stack.ts';
import { FIXTURE, fixtureApp } from '#test/fixtures/stack.ts';
import { cfnLint, cfnLintAvailable, formatCfnLint } from '#test/support/cfn-lint.ts';
import { IamRequestInvalid, isAllowed } from '#test/support/iam.ts';
import { formatNagFindings, nagFindings, unjustifiedAcknowledgements } from '#test/support/nag.ts';
import { synthTemplate } from '#test/support/stack.ts';

const { stack } = fixtureApp();
const template = synthTemplate(stack);
const roleId = stack.getLogicalId(stack.ecsRole.node.defaultChild as never);
const opts = { stackName: FIXTURE.stackName };
const ecs = 'arn:aws:ecs:us-east-1:123456789012';
const ownCluster = `${ecs}:cluster/${FIXTURE.clusterName}`;
const otherCluster = `${ecs}:cluster/someone-elses-cluster`;

describe('IAM decisions on the fixture role (iam-simulate)', () => {
  it('allows ecs:ListTasks on its own cluster', async () => {
    const decision = await isAllowed(template, roleId, 'ecs:ListTasks', ownCluster, opts);
    expect(decision.allowed, JSON.stringify(decision.details)).toBe(true);
    expect(decision.details.context).toEqual({ 'ecs:cluster': ownCluster });
  });

  it('denies ecs:ListTasks on another cluster', async () => {
    const decision = await isAllowed(template, roleId, 'ecs:ListTasks', otherCluster, opts);
    expect(decision.allowed).toBe(false);
    expect(decision.details.result).toBe('ImplicitlyDenied');
  });

  it('denies ecs:StopTask even on its own cluster', async () => {
    const task = `${ecs}:task/${FIXTURE.clusterName}/0123456789abcdef`;
    expect((await isAllowed(template, roleId, 'ecs:DescribeTasks', task, opts)).allowed).toBe(true);
    const decision = await isAllowed(template, roleId, 'ecs:StopTask', task, opts);
    expect(decision.allowed).toBe(false);
    expect(decision.details.result).toBe('ImplicitlyDenied');
  });

  it('reads grants attached through AWS::IAM::Policy resources (the table grant)', async () => {
    const table = `arn:aws:dynamodb:us-east-1:123456789012:table/${FIXTURE.stackName}-${stack.getLogicalId(stack.table.node.defaultChild as never)}`;
    expect((await isAllowed(template, roleId, 'dynamodb:PutItem', table, opts)).allowed).toBe(true);
    expect((await isAllowed(template, roleId, 'dynamodb:DeleteTable', table, opts)).allowed).toBe(false);
  });

  it('refuses a request it cannot evaluate rather than calling it denied', async () => {
    await expect(isAllowed(template, roleId, 'ecs:ListTaskz', ownCluster, opts)).rejects.toThrow(IamRequestInvalid);
  });
});

describe('cdk-nag helper', () => {
  it('finds the findings of an intentionally bad stack', () => {
    const findings = nagFindings(badFixtureApp({ acknowledge: false }).app);
    expect(findings.map((f) => f.ruleId)).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Action::ecs:*]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-SNS3',
        expect.stringMatching(/^AwsSolutions-IAM4\[Policy::.*AWSLambdaBasicExecutionRole\]$/),
      ]),
    );
    expect(findings.find((f) => f.ruleId === 'AwsSolutions-SNS3')?.path).toBe('BallastBadFixture/PlainTopic/Resource');
  });

  it('finds nothing once every finding is acknowledged with a reason', () => {
    const { app } = badFixtureApp({ acknowledge: true });
    const findings = nagFindings(app);
    expect(findings, formatNagFindings(findings)).toEqual([]);
    expect(unjustifiedAcknowledgements(app)).toEqual([]);
  });
});

describe('cfn-lint helper', () => {
  it.skipIf(!cfnLintAvailable())('passes the fixture template with no E* findings', async () => {
    const report = await cfnLint(template);
    expect(report.errors, formatCfnLint(report.errors)).toEqual([]);
  });

  it.skipIf(!cfnLintAvailable())('reports a broken template as E* errors', async () => {
    const broken = {
      Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicNmae: 'typo' } } },
    };
    const report = await cfnLint(broken);
    expect(report.errors.map((f) => f.ruleId)).toContain('E3002');
    expect(report.errors[0]?.path).toEqual(['Resources', 'Topic', 'Properties', 'TopicNmae']);
  });
});
