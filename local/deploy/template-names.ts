import { createHash } from 'node:crypto';
import type { CfnTemplate, Partition } from './template-types.ts';
import { isRecord } from './template-types.ts';

/** Where a resource lives: what every ARN needs besides the name. */
export interface ArnEnv {
  readonly partition: Partition;
  readonly region: string;
  readonly accountId: string;
}

/** What an attribute builder gets: the physical name, the environment, and the resource's resolved props. */
export interface AttributeInput {
  readonly logicalId: string;
  readonly name: string;
  readonly env: ArnEnv;
  /** Resolves one property of the resource (intrinsics included); `undefined` when absent. */
  readonly prop: (key: string) => unknown;
}

type AttributeBuilder = (input: AttributeInput) => string;

interface ResourceTypeInfo {
  /** The property that sets the physical name, when the user chose one. */
  readonly nameProperty?: string;
  /** AWS's limit for the name, used when generating one. */
  readonly maxLength: number;
  readonly lowercase?: boolean;
  /** What `Ref` returns (default: the physical name). */
  readonly ref?: AttributeBuilder;
  /** `Fn::GetAtt` attributes. */
  readonly attributes?: Record<string, AttributeBuilder>;
}

export const urlSuffix = (partition: Partition): string =>
  partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';

const arn = (env: ArnEnv, service: string, resource: string, opts: { global?: boolean; noAccount?: boolean } = {}) =>
  `arn:${env.partition}:${service}:${opts.global ? '' : env.region}:${opts.noAccount ? '' : env.accountId}:${resource}`;

/** A short deterministic hex digest, for ids AWS would make random. */
export const digest = (value: string, length = 8): string =>
  createHash('sha256').update(value).digest('hex').slice(0, length);

const iamPath = (prop: (key: string) => unknown): string => {
  const path = prop('Path');
  return typeof path === 'string' && path !== '/' ? path.replace(/^\//, '') : '';
};

const lambdaArn: AttributeBuilder = ({ env, name }) => arn(env, 'lambda', `function:${name}`);
const stateMachineArn: AttributeBuilder = ({ env, name }) => arn(env, 'states', `stateMachine:${name}`);
const roleArn: AttributeBuilder = ({ env, name, prop }) =>
  arn(env, 'iam', `role/${iamPath(prop)}${name}`, { global: true });
const managedPolicyArn: AttributeBuilder = ({ env, name, prop }) =>
  arn(env, 'iam', `policy/${iamPath(prop)}${name}`, { global: true });
const tableArn: AttributeBuilder = ({ env, name }) => arn(env, 'dynamodb', `table/${name}`);
const topicArn: AttributeBuilder = ({ env, name }) => arn(env, 'sns', name);
const queueArn: AttributeBuilder = ({ env, name }) => arn(env, 'sqs', name);
const queueUrl: AttributeBuilder = ({ env, name }) =>
  `https://sqs.${env.region}.${urlSuffix(env.partition)}/${env.accountId}/${name}`;
const eventBusArn: AttributeBuilder = ({ env, name }) => arn(env, 'events', `event-bus/${name}`);
const clusterArn: AttributeBuilder = ({ env, name }) => arn(env, 'ecs', `cluster/${name}`);
const lastSegment = (value: unknown): string =>
  typeof value === 'string' ? (value.split(/[/:]/).pop() ?? value) : 'default';
const serviceArn: AttributeBuilder = ({ env, name, prop }) =>
  arn(env, 'ecs', `service/${lastSegment(prop('Cluster'))}/${name}`);

/**
 * Rule ARNs carry the bus name unless the rule is on the default bus. `EventBusName` may be a name or an ARN.
 */
const ruleArn: AttributeBuilder = ({ env, name, prop }) => {
  const bus = prop('EventBusName');
  const busName = typeof bus === 'string' ? lastSegment(bus) : 'default';
  return arn(env, 'events', busName === 'default' ? `rule/${name}` : `rule/${busName}/${name}`);
};

const byName: AttributeBuilder = ({ name }) => name;

/**
 * The resource types Ballast's templates use, with AWS's own naming rules and the shapes of their `Ref` and
 * `Fn::GetAtt` values. Unknown types still get a name and a `Ref`; their `Fn::GetAtt` fails loudly.
 */
const TYPES: Record<string, ResourceTypeInfo> = {
  'AWS::Lambda::Function': {
    nameProperty: 'FunctionName',
    maxLength: 64,
    attributes: { Arn: lambdaArn },
  },
  'AWS::Lambda::Alias': {
    nameProperty: 'Name',
    maxLength: 128,
    ref: ({ env, name, prop }) => `${arn(env, 'lambda', `function:${lastSegment(prop('FunctionName'))}`)}:${name}`,
  },
  'AWS::Lambda::Version': {
    maxLength: 64,
    ref: ({ env, prop }) => `${arn(env, 'lambda', `function:${lastSegment(prop('FunctionName'))}`)}:1`,
    attributes: { Version: () => '1' },
  },
  'AWS::Lambda::Permission': { maxLength: 64 },
  'AWS::Lambda::EventSourceMapping': { maxLength: 64, ref: ({ name }) => digest(name, 32) },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    maxLength: 80,
    ref: stateMachineArn,
    attributes: { Arn: stateMachineArn, Name: byName },
  },
  'AWS::StepFunctions::Activity': {
    nameProperty: 'Name',
    maxLength: 80,
    ref: ({ env, name }) => arn(env, 'states', `activity:${name}`),
    attributes: { Arn: ({ env, name }) => arn(env, 'states', `activity:${name}`), Name: byName },
  },
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    maxLength: 64,
    attributes: { Arn: roleArn, RoleId: ({ name }) => `AROA${digest(name, 17).toUpperCase()}` },
  },
  'AWS::IAM::Policy': { nameProperty: 'PolicyName', maxLength: 128, ref: ({ name }) => name },
  'AWS::IAM::ManagedPolicy': {
    nameProperty: 'ManagedPolicyName',
    maxLength: 128,
    ref: managedPolicyArn,
    attributes: { PolicyArn: managedPolicyArn, PolicyId: ({ name }) => `ANPA${digest(name, 17).toUpperCase()}` },
  },
  'AWS::IAM::InstanceProfile': {
    nameProperty: 'InstanceProfileName',
    maxLength: 128,
    attributes: {
      Arn: ({ env, name, prop }) => arn(env, 'iam', `instance-profile/${iamPath(prop)}${name}`, { global: true }),
    },
  },
  'AWS::DynamoDB::Table': {
    nameProperty: 'TableName',
    maxLength: 255,
    attributes: {
      Arn: tableArn,
      StreamArn: (input) => `${tableArn(input)}/stream/1970-01-01T00:00:00.000`,
    },
  },
  'AWS::DynamoDB::GlobalTable': {
    nameProperty: 'TableName',
    maxLength: 255,
    attributes: {
      Arn: tableArn,
      StreamArn: (input) => `${tableArn(input)}/stream/1970-01-01T00:00:00.000`,
      TableId: ({ name }) => digest(name, 32),
    },
  },
  'AWS::Events::Rule': {
    nameProperty: 'Name',
    maxLength: 64,
    ref: ({ name, prop }) => {
      const bus = prop('EventBusName');
      const busName = typeof bus === 'string' ? lastSegment(bus) : 'default';
      return busName === 'default' ? name : `${busName}|${name}`;
    },
    attributes: { Arn: ruleArn },
  },
  'AWS::Events::EventBus': {
    nameProperty: 'Name',
    maxLength: 256,
    attributes: { Arn: eventBusArn, Name: byName },
  },
  'AWS::Events::Archive': { nameProperty: 'ArchiveName', maxLength: 48 },
  'AWS::Events::Connection': { nameProperty: 'Name', maxLength: 64 },
  'AWS::Events::ApiDestination': { nameProperty: 'Name', maxLength: 64 },
  'AWS::Scheduler::Schedule': {
    nameProperty: 'Name',
    maxLength: 64,
    attributes: {
      Arn: ({ env, name, prop }) => {
        const group = prop('GroupName');
        return arn(env, 'scheduler', `schedule/${typeof group === 'string' ? group : 'default'}/${name}`);
      },
    },
  },
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName',
    maxLength: 256,
    ref: topicArn,
    attributes: { TopicArn: topicArn, TopicName: byName },
  },
  'AWS::SNS::Subscription': { maxLength: 64, ref: ({ env, name }) => arn(env, 'sns', `subscription:${name}`) },
  'AWS::SQS::Queue': {
    nameProperty: 'QueueName',
    maxLength: 80,
    ref: queueUrl,
    attributes: { Arn: queueArn, QueueUrl: queueUrl, QueueName: byName },
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    maxLength: 512,
    attributes: { Arn: ({ env, name }) => arn(env, 'logs', `log-group:${name}:*`) },
  },
  'AWS::ECS::Cluster': { nameProperty: 'ClusterName', maxLength: 255, attributes: { Arn: clusterArn } },
  'AWS::ECS::Service': {
    nameProperty: 'ServiceName',
    maxLength: 255,
    ref: serviceArn,
    attributes: { ServiceArn: serviceArn, Name: byName },
  },
  'AWS::ECS::TaskDefinition': {
    nameProperty: 'Family',
    maxLength: 255,
    ref: ({ env, name }) => arn(env, 'ecs', `task-definition/${name}:1`),
    attributes: { TaskDefinitionArn: ({ env, name }) => arn(env, 'ecs', `task-definition/${name}:1`) },
  },
  'AWS::ECS::CapacityProvider': { nameProperty: 'Name', maxLength: 255 },
  'AWS::AutoScaling::AutoScalingGroup': { nameProperty: 'AutoScalingGroupName', maxLength: 255 },
  'AWS::AutoScaling::LifecycleHook': { nameProperty: 'LifecycleHookName', maxLength: 255 },
  'AWS::AutoScaling::LaunchConfiguration': { nameProperty: 'LaunchConfigurationName', maxLength: 255 },
  'AWS::ApplicationAutoScaling::ScalableTarget': { maxLength: 255 },
  'AWS::ApplicationAutoScaling::ScalingPolicy': {
    nameProperty: 'PolicyName',
    maxLength: 256,
    ref: ({ env, name }) => arn(env, 'autoscaling', `scalingPolicy:${digest(name, 36)}:resource/${name}`),
  },
  'AWS::CloudWatch::Alarm': {
    nameProperty: 'AlarmName',
    maxLength: 255,
    attributes: { Arn: ({ env, name }) => arn(env, 'cloudwatch', `alarm:${name}`) },
  },
  'AWS::CloudWatch::CompositeAlarm': {
    nameProperty: 'AlarmName',
    maxLength: 255,
    attributes: { Arn: ({ env, name }) => arn(env, 'cloudwatch', `alarm:${name}`) },
  },
  'AWS::CloudWatch::Dashboard': { nameProperty: 'DashboardName', maxLength: 255 },
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    maxLength: 63,
    lowercase: true,
    attributes: {
      Arn: ({ env, name }) => arn(env, 's3', name, { global: true, noAccount: true }),
      DomainName: ({ env, name }) => `${name}.s3.${urlSuffix(env.partition)}`,
      RegionalDomainName: ({ env, name }) => `${name}.s3.${env.region}.${urlSuffix(env.partition)}`,
    },
  },
  'AWS::KMS::Key': {
    maxLength: 36,
    ref: ({ name }) => uuidOf(name),
    attributes: { Arn: ({ env, name }) => arn(env, 'kms', `key/${uuidOf(name)}`), KeyId: ({ name }) => uuidOf(name) },
  },
  'AWS::SSM::Parameter': { nameProperty: 'Name', maxLength: 1011 },
  'AWS::ElasticLoadBalancingV2::TargetGroup': {
    nameProperty: 'Name',
    maxLength: 32,
    ref: ({ env, name }) => arn(env, 'elasticloadbalancing', `targetgroup/${name}/${digest(name, 16)}`),
    attributes: {
      TargetGroupArn: ({ env, name }) => arn(env, 'elasticloadbalancing', `targetgroup/${name}/${digest(name, 16)}`),
      TargetGroupName: byName,
    },
  },
  'AWS::Route53::HostedZone': { nameProperty: 'Name', maxLength: 1024, ref: ({ name }) => `Z${digest(name, 20)}` },
};

const uuidOf = (name: string): string => {
  const h = digest(name, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

const DEFAULT_TYPE: ResourceTypeInfo = { maxLength: 255 };

export const typeInfo = (type: string): ResourceTypeInfo => TYPES[type] ?? DEFAULT_TYPE;

/** The property that holds a user-chosen physical name for this resource type, if the type has one. */
export const namePropertyOf = (type: string): string | undefined => TYPES[type]?.nameProperty;

/**
 * The name CloudFormation would generate: `${stackName}-${logicalId}`, shortened when it exceeds the type's
 * limit. CloudFormation truncates both parts and appends a random suffix; we append a digest of the full
 * name instead, so the result is deterministic and still unique.
 */
export function generatedName(stackName: string, logicalId: string, type: string): string {
  const info = typeInfo(type);
  const full = `${stackName}-${logicalId}`;
  let name = full;
  if (full.length > info.maxLength) {
    const suffix = digest(full, 8);
    const room = info.maxLength - suffix.length - 2; // two hyphens
    const stackPart = stackName.slice(0, Math.max(1, Math.floor(room / 2)));
    const logicalPart = logicalId.slice(0, room - stackPart.length);
    name = `${stackPart}-${logicalPart}-${suffix}`;
  }
  return info.lowercase ? name.toLowerCase() : name;
}

/** Builds `Ref` for a resource of `type`. */
export const refOf = (type: string, input: AttributeInput): string => (typeInfo(type).ref ?? byName)(input);

/** Builds `Fn::GetAtt` for a resource of `type`; `undefined` when the attribute is unknown for the type. */
export function attributeOf(type: string, attribute: string, input: AttributeInput): string | undefined {
  const builder = typeInfo(type).attributes?.[attribute];
  return builder?.(input);
}

/** Returns the explicit physical name of a resource when its name property is a plain string. */
export function explicitName(template: CfnTemplate, logicalId: string): unknown {
  const resource = template.Resources[logicalId];
  if (!resource) return undefined;
  const property = namePropertyOf(resource.Type);
  if (!property || !isRecord(resource.Properties)) return undefined;
  return resource.Properties[property];
}
