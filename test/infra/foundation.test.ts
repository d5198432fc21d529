import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { Ballast } from '#infra/ballast.ts';
import example from '../../ballast.config.ts';

const offline = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

describe('the Ballast CDK app', () => {
  const { stacks } = buildApp({ app: offline(), nag: false });
  const primary = Template.fromStack(stacks[0]!);

  it('synthesizes one stack per configured region, each pinned to its region', () => {
    expect(stacks.map((s) => [s.stackName, s.region])).toEqual([
      ['ballast-us-east-1', 'us-east-1'],
      ['ballast-us-west-2', 'us-west-2'],
    ]);
    expect(stacks[0]!.templateOptions.metadata).toEqual({ 'ballast:region': 'us-east-1' });
  });

  it('keeps a ledger table that is on-demand, recoverable, encrypted, expiring and retained', () => {
    primary.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        TableName: 'ballast-ledger',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byKind' })],
      }),
    });
  });

  it('forwards failed, timed-out and aborted executions to an encrypted alerts topic', () => {
    primary.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: Match.objectLike({ status: ['FAILED', 'TIMED_OUT', 'ABORTED'] }),
      }),
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('Alerts') } })],
    });
    primary.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'ballast-alerts',
      KmsMasterKeyId: Match.anyValue(),
    });
    primary.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'ballast-us-east-1' });
  });

  it('is a construct another CDK app can use with the same configuration object', () => {
    const app = offline();
    const stack = new Stack(app, 'TheirStack', { env: { region: 'us-west-2' } });
    const ballast = new Ballast(stack, 'Ballast', { config: example, region: 'us-west-2' });
    expect(ballast.config.standbyRegion).toBe('us-west-2');
    Template.fromStack(stack).resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('passes host-draining options through the top construct', () => {
    const rules = (options?: { taggedGroups: boolean }) => {
      const stack = new Stack(offline(), 'TheirStack', { env: { region: 'us-east-1' } });
      new Ballast(stack, 'Ballast', {
        config: example,
        region: 'us-east-1',
        ...(options ? { hostDraining: options } : {}),
      });
      return Object.keys(Template.fromStack(stack).findResources('AWS::Events::Rule')).length;
    };
    expect(rules({ taggedGroups: true })).toBe(rules() + 1);
  });

  it('refuses a region the configuration does not describe, naming it', () => {
    const stack = new Stack(offline(), 'TheirStack');
    expect(() => new Ballast(stack, 'Ballast', { config: example, region: 'eu-west-1' })).toThrow(
      /region 'eu-west-1' is not in config.regions/,
    );
  });

  it('fails synth on a bad configuration with a message naming the field', () => {
    const bad = structuredClone(example) as any;
    bad.standbyRegion = bad.primaryRegion;
    expect(() => buildApp({ app: offline(), config: bad, nag: false })).toThrow(/standbyRegion: must differ/);
  });
});
