// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub templates are literal CloudFormation strings, not JS templates.
import { describe, expect, it } from 'vitest';
import {
  assignPhysicalIds,
  type CfnTemplate,
  deploymentContext,
  generatedName,
  IntrinsicResolutionError,
  type ResolveContext,
  resolveIntrinsics,
} from '#local/deploy/template.ts';

const template: CfnTemplate = {
  Parameters: {
    Env: { Type: 'String', Default: 'prod' },
    Subnets: { Type: 'CommaDelimitedList', Default: 'subnet-a,subnet-b' },
  },
  Conditions: {
    IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
    IsNotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
  },
  Mappings: { Sizes: { prod: { Memory: 1024 } } },
  Resources: {
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'drain-host' } },
    Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
    Role: { Type: 'AWS::IAM::Role', Properties: { Path: '/ballast/' } },
    Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'ledger' } },
    Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/ballast/drain' } },
    Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'ballast' } },
    Rule: { Type: 'AWS::Events::Rule', Properties: { Name: 'on-alarm', EventBusName: { Ref: 'Bus' } } },
    Cluster: { Type: 'AWS::ECS::Cluster', Properties: { ClusterName: 'web' } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'dlq' } },
  },
};

const ctx: ResolveContext = deploymentContext(template, {
  stackName: 'Ballast-use1',
  region: 'us-east-1',
  accountId: '123456789012',
});

const resolve = (value: unknown) => resolveIntrinsics(value, ctx);

describe('resolveIntrinsics', () => {
  it('resolves the pseudo parameters', () => {
    expect(
      resolve({
        region: { Ref: 'AWS::Region' },
        account: { Ref: 'AWS::AccountId' },
        partition: { Ref: 'AWS::Partition' },
        suffix: { Ref: 'AWS::URLSuffix' },
        stack: { Ref: 'AWS::StackName' },
      }),
    ).toEqual({
      region: 'us-east-1',
      account: '123456789012',
      partition: 'aws',
      suffix: 'amazonaws.com',
      stack: 'Ballast-use1',
    });
  });

  it('returns what CloudFormation returns for Ref: a name for most types, an ARN or URL for some', () => {
    expect(resolve({ Ref: 'Fn' })).toBe('drain-host');
    expect(resolve({ Ref: 'Table' })).toBe('ledger');
    expect(resolve({ Ref: 'Machine' })).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:Ballast-use1-Machine');
    expect(resolve({ Ref: 'Topic' })).toBe('arn:aws:sns:us-east-1:123456789012:alerts');
    expect(resolve({ Ref: 'Queue' })).toBe('https://sqs.us-east-1.amazonaws.com/123456789012/dlq');
    expect(resolve({ Ref: 'Rule' })).toBe('ballast|on-alarm');
  });

  it('builds real-shaped ARNs for Fn::GetAtt from the resource type and physical name', () => {
    expect(
      resolve({
        fn: { 'Fn::GetAtt': ['Fn', 'Arn'] },
        machine: { 'Fn::GetAtt': ['Machine', 'Arn'] },
        role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        table: { 'Fn::GetAtt': ['Table', 'Arn'] },
        logs: { 'Fn::GetAtt': 'Logs.Arn' },
        topic: { 'Fn::GetAtt': ['Topic', 'TopicArn'] },
        bus: { 'Fn::GetAtt': ['Bus', 'Arn'] },
        rule: { 'Fn::GetAtt': ['Rule', 'Arn'] },
        cluster: { 'Fn::GetAtt': ['Cluster', 'Arn'] },
        queue: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      }),
    ).toEqual({
      fn: 'arn:aws:lambda:us-east-1:123456789012:function:drain-host',
      machine: 'arn:aws:states:us-east-1:123456789012:stateMachine:Ballast-use1-Machine',
      role: 'arn:aws:iam::123456789012:role/ballast/Ballast-use1-Role',
      table: 'arn:aws:dynamodb:us-east-1:123456789012:table/ledger',
      logs: 'arn:aws:logs:us-east-1:123456789012:log-group:/ballast/drain:*',
      topic: 'arn:aws:sns:us-east-1:123456789012:alerts',
      bus: 'arn:aws:events:us-east-1:123456789012:event-bus/ballast',
      rule: 'arn:aws:events:us-east-1:123456789012:rule/ballast/on-alarm',
      cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/web',
      queue: 'arn:aws:sqs:us-east-1:123456789012:dlq',
    });
  });

  it('joins, including the CDK shape of a DefinitionString with tokens inside', () => {
    expect(
      resolve({
        'Fn::Join': [
          '',
          [
            '{"Resource":"arn:',
            { Ref: 'AWS::Partition' },
            ':states:::lambda:invoke","FunctionName":"',
            { 'Fn::GetAtt': ['Fn', 'Arn'] },
            '"}',
          ],
        ],
      }),
    ).toBe(
      '{"Resource":"arn:aws:states:::lambda:invoke","FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:drain-host"}',
    );
  });

  it('substitutes Fn::Sub in its string form (refs, attributes, pseudo parameters, escaped literals)', () => {
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/${Cluster}/*' })).toBe(
      'arn:aws:ecs:us-east-1:123456789012:task/web/*',
    );
    expect(resolve({ 'Fn::Sub': '${Table.Arn}/index/*' })).toBe(
      'arn:aws:dynamodb:us-east-1:123456789012:table/ledger/index/*',
    );
    expect(resolve({ 'Fn::Sub': '${!Literal} stays' })).toBe('${Literal} stays');
  });

  it('substitutes Fn::Sub in its list form, variables first', () => {
    expect(resolve({ 'Fn::Sub': ['${Name}-${Env}-${AWS::Region}', { Name: { Ref: 'Fn' } }] })).toBe(
      'drain-host-prod-us-east-1',
    );
  });

  it('selects and splits', () => {
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] })).toBe('b');
    expect(resolve({ 'Fn::Select': ['0', { 'Fn::GetAZs': '' }] })).toBe('us-east-1a');
  });

  it('reads parameters, their defaults and list types', () => {
    expect(resolve({ Ref: 'Env' })).toBe('prod');
    expect(resolve({ Ref: 'Subnets' })).toEqual(['subnet-a', 'subnet-b']);
    expect(resolveIntrinsics({ Ref: 'Env' }, { ...ctx, parameters: { Env: 'dev' } })).toBe('dev');
  });

  it('evaluates conditions in Fn::If and drops AWS::NoValue', () => {
    expect(
      resolve({ Memory: { 'Fn::If': ['IsProd', { 'Fn::FindInMap': ['Sizes', 'prod', 'Memory'] }, 128] } }),
    ).toEqual({
      Memory: 1024,
    });
    expect(resolve({ A: { 'Fn::If': ['IsNotProd', 'x', { Ref: 'AWS::NoValue' }] }, B: 1 })).toEqual({ B: 1 });
    expect(resolve([1, { 'Fn::If': ['IsNotProd', 2, { Ref: 'AWS::NoValue' }] }])).toEqual([1]);
  });

  it('lets the context override any Ref or attribute (e.g. ids the local cloud assigned)', () => {
    const custom = {
      ...ctx,
      attributes: (id: string, attr: string) => (id === 'Fn' && attr === 'Arn' ? 'custom-arn' : undefined),
    };
    expect(resolveIntrinsics({ 'Fn::GetAtt': ['Fn', 'Arn'] }, custom)).toBe('custom-arn');
    expect(resolveIntrinsics({ 'Fn::GetAtt': ['Table', 'Arn'] }, custom)).toContain(':table/ledger');
  });

  it('refuses Fn::ImportValue, unknown resources and unknown attributes, naming where', () => {
    expect(() => resolve({ X: { 'Fn::ImportValue': 'SharedVpc' } })).toThrow(IntrinsicResolutionError);
    expect(() => resolve({ X: { 'Fn::ImportValue': 'SharedVpc' } })).toThrow(/at X\.Fn::ImportValue/);
    expect(() => resolve({ Ref: 'Nope' })).toThrow(/Ref Nope/);
    expect(() => resolve({ 'Fn::GetAtt': ['Cluster', 'Nope'] })).toThrow(
      /Cluster\.Nope is not known for AWS::ECS::Cluster/,
    );
  });

  it('works without a template for plain physical ids', () => {
    expect(resolveIntrinsics({ Ref: 'X' }, { region: 'eu-west-1', accountId: '1', physicalIds: { X: 'x-name' } })).toBe(
      'x-name',
    );
  });
});

describe('assignPhysicalIds', () => {
  it('uses explicit names, and stack-logicalId otherwise', () => {
    const ids = assignPhysicalIds(template, { stackName: 'Ballast-use1' });
    expect(ids.Fn).toBe('drain-host');
    expect(ids.Machine).toBe('Ballast-use1-Machine');
  });

  it('resolves explicit names built from pseudo parameters', () => {
    const ids = assignPhysicalIds(
      {
        Resources: {
          T: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: { 'Fn::Sub': 'ledger-${AWS::Region}' } } },
        },
      },
      { stackName: 'S', region: 'eu-west-1' },
    );
    expect(ids.T).toBe('ledger-eu-west-1');
  });

  it('keeps generated names within the AWS limit of the type, deterministically', () => {
    const longStack = 'BallastControlPlaneForTheWholeFleet-us-east-1';
    const longId = 'HostDrainingDrainHostStateMachineRoleDefaultPolicy1234ABCD';
    const role = generatedName(longStack, longId, 'AWS::IAM::Role');
    const fn = generatedName(longStack, longId, 'AWS::Lambda::Function');
    expect(role.length).toBeLessThanOrEqual(64);
    expect(fn.length).toBeLessThanOrEqual(64);
    expect(generatedName(longStack, longId, 'AWS::IAM::Role')).toBe(role);
    expect(generatedName(longStack, `${longId}X`, 'AWS::IAM::Role')).not.toBe(role);
    expect(generatedName('MyStack', 'Bucket', 'AWS::S3::Bucket')).toBe('mystack-bucket');
  });
});
