import { ArnFormat, type CfnElement, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { BallastConfig } from '../config/schema.ts';
import { SCALING_CONFIG_ENV, type ScalingConfig } from '../functions/emergency-scaling/config.ts';
import { scalingConfigFor } from '../functions/emergency-scaling/config-schema.ts';
import { CANARY, HEALTH_SERVICES } from '../functions/emergency-scaling/core/signals.ts';
import { EMERGENCY_SCALE_TIMEOUT, emergencyScaleDefinition } from '../state-machines/emergency-scale.ts';
import { RESTORE_SCALING_TIMEOUT, restoreScalingDefinition } from '../state-machines/restore-scaling.ts';
import type { FunctionFactory } from './function-factory.ts';
import type { Observability } from './observability.ts';
import { createStateMachine } from './state-machine-factory.ts';

export interface EmergencyScalingProps {
  /** The validated Ballast configuration. */
  readonly config: BallastConfig;
  /** The region this stack runs in (one of `config.regions`). */
  readonly region: string;
  /** The ledger table (capacity history, override lock and records, operations log). */
  readonly ledger: dynamodb.ITable;
  readonly observability: Observability;
  readonly functionFactory: FunctionFactory;
}

/**
 * Emergency scaling: holds capacity when CloudWatch-driven autoscaling is blind, then restores exactly. It
 * creates the capacity sampler (a scheduled rule every `sampleEveryMinutes`), the emergency-scale state
 * machine (`<name>-emergency-scale`) and its functions, and least-privilege IAM scoped to the configured
 * services, clusters and groups. Operators start the workflow from the console or `ballast scale`.
 */
export class EmergencyScaling extends Construct {
  readonly sampleFunction: lambda.Function;
  readonly validateFunction: lambda.Function;
  readonly raiseFunction: lambda.Function;
  readonly restoreFunction: lambda.Function;
  /** The impairment detector (scheduled; also records AWS Health events). */
  readonly detectFunction: lambda.Function;
  /** The detector's schedule; absent when `detector.enabled` is false. */
  readonly detectRule?: events.Rule;
  readonly healthRule: events.Rule;
  readonly emergencyScale: sfn.StateMachine;
  readonly restoreScaling: sfn.StateMachine;
  readonly sampleRule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;
  /** The configuration slice the functions get as BALLAST_SCALING_CONFIG. */
  readonly scalingConfig: ScalingConfig;
  /** Name of the restore-scaling state machine the raise starts when an override expires. */
  readonly restoreStateMachineName: string;

  constructor(scope: Construct, id: string, props: EmergencyScalingProps) {
    super(scope, id);
    if (!props.config.regions[props.region]) {
      throw new Error(`EmergencyScaling: region '${props.region}' is not in config.regions`);
    }
    this.scalingConfig = scalingConfigFor(props.config, props.region);
    // Shipped in the bundle, not the environment: it outgrows Lambda's 4 KB at fleet scale.
    const config = { [SCALING_CONFIG_ENV]: JSON.stringify(this.scalingConfig) };
    const stack = Stack.of(this);
    this.restoreStateMachineName = `${props.config.name}-restore-scaling`;
    const restoreArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.restoreStateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const environment = {
      BALLAST_LEDGER_TABLE: props.ledger.tableName,
      BALLAST_APP_NAME: props.config.name,
      BALLAST_DRY_RUN: 'false',
    };
    const factory = props.functionFactory;
    this.sampleFunction = factory.create(this, 'Sample', {
      entry: 'functions/emergency-scaling/sample.ts',
      description: 'Ballast emergency scaling: sample running counts into the capacity history',
      environment,
      config,
      timeout: Duration.seconds(50),
    });
    this.validateFunction = factory.create(this, 'Validate', {
      entry: 'functions/emergency-scaling/validate.ts',
      description: 'Ballast emergency-scale: validate the console input',
      environment,
      config,
    });
    this.raiseFunction = factory.create(this, 'Raise', {
      entry: 'functions/emergency-scaling/raise.ts',
      description: 'Ballast emergency-scale: lock, snapshot, plan, raise, wait, hold, extend',
      environment: { ...environment, BALLAST_RESTORE_STATE_MACHINE_ARN: restoreArn },
      config,
      timeout: Duration.seconds(120),
    });

    const scaleArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: `${props.config.name}-emergency-scale`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.detectFunction = factory.create(this, 'Detect', {
      entry: 'functions/emergency-scaling/detect.ts',
      description: 'Ballast emergency scaling: detect impaired autoscaling (canary, alarms, pending, AWS Health)',
      environment: {
        ...environment,
        BALLAST_SCALE_STATE_MACHINE_ARN: scaleArn,
        BALLAST_RESTORE_STATE_MACHINE_ARN: restoreArn,
      },
      config,
      timeout: Duration.seconds(50),
    });

    this.restoreFunction = factory.create(this, 'Restore', {
      entry: 'functions/emergency-scaling/restore.ts',
      description: 'Ballast restore-scaling: validate, load, staged restore, verify',
      environment,
      config,
      timeout: Duration.seconds(120),
    });

    this.restoreScaling = createStateMachine(this, 'RestoreScaling', {
      stateMachineName: this.restoreStateMachineName,
      comment:
        'Restores exactly what emergency-scale changed: staged (suspension first, then MinCapacity in steps), scheduled actions re-applied, groups back, verified against the snapshot; conflicts kept and reported.',
      definitionBody: sfn.DefinitionBody.fromChainable(restoreScalingDefinition(this, this.restoreFunction)),
      timeout: RESTORE_SCALING_TIMEOUT,
    });

    this.emergencyScale = createStateMachine(this, 'EmergencyScale', {
      stateMachineName: `${props.config.name}-emergency-scale`,
      comment:
        'Holds capacity when CloudWatch-driven autoscaling is impaired: snapshot, plan from the capacity history, raise floors clamp-safe by tier, hold until restored or expired.',
      definitionBody: sfn.DefinitionBody.fromChainable(
        emergencyScaleDefinition(this, { validate: this.validateFunction, raise: this.raiseFunction }),
      ),
      timeout: EMERGENCY_SCALE_TIMEOUT,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'RuleDeadLetters', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the sampler rule; it needs no dead-letter queue of its own.',
    });
    this.sampleRule = new events.Rule(this, 'SampleSchedule', {
      description: 'Ballast: sample running counts into the capacity history (works without CloudWatch)',
      schedule: events.Schedule.rate(Duration.minutes(this.scalingConfig.policy.sampleEveryMinutes)),
      targets: [
        new targets.LambdaFunction(this.sampleFunction, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(5),
        }),
      ],
    });

    const detector = this.scalingConfig.policy.detector;
    const toDetector = () =>
      new targets.LambdaFunction(this.detectFunction, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.minutes(5),
      });
    if (detector.enabled) {
      this.detectRule = new events.Rule(this, 'DetectSchedule', {
        description: 'Ballast: evaluate whether CloudWatch-driven autoscaling is impaired',
        schedule: events.Schedule.rate(Duration.minutes(detector.everyMinutes)),
        targets: [toDetector()],
      });
    }
    this.healthRule = new events.Rule(this, 'HealthEvents', {
      description:
        'Ballast: AWS Health issues for CloudWatch, ECS, Auto Scaling and EC2 (the detector confirms with them)',
      eventPattern: {
        source: ['aws.health'],
        detailType: ['AWS Health Event'],
        detail: { service: [...HEALTH_SERVICES], eventTypeCategory: ['issue'] },
      },
      targets: [toDetector()],
    });

    this.grantPermissions(props, restoreArn);
    this.grantDetector(props, scaleArn, restoreArn);
    props.observability.watchStateMachine('EmergencyScale', this.emergencyScale, 'Emergency scale');
    props.observability.watchFunction('ScalingSample', this.sampleFunction, 'Emergency scaling: sampler');
    props.observability.watchFunction('ScalingDetect', this.detectFunction, 'Emergency scaling: detector');
    props.observability.watchFunction('ScalingValidate', this.validateFunction, 'Emergency scale: validate');
    props.observability.watchFunction('ScalingRaise', this.raiseFunction, 'Emergency scale: steps');
    props.observability.watchStateMachine('RestoreScaling', this.restoreScaling, 'Restore scaling');
    props.observability.watchFunction('ScalingRestore', this.restoreFunction, 'Restore scaling: steps');
  }

  /** The detector: its canary, the services' target-tracking alarms, ECS reads, starting the two workflows. */
  private grantDetector(props: EmergencyScalingProps, scaleArn: string, restoreArn: string): void {
    const stack = Stack.of(this);
    const config = this.scalingConfig;
    const alarmArns = config.services.map((s) =>
      stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: `TargetTracking-service/${s.cluster}/${s.name}-*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const serviceArns = config.services.map((s) =>
      stack.formatArn({
        service: 'ecs',
        resource: 'service',
        resourceName: `${s.cluster}/${s.name}`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    const fn = this.detectFunction;
    const add = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }));
    add('PublishCanary', ['cloudwatch:PutMetricData'], ['*'], {
      StringEquals: { 'cloudwatch:namespace': CANARY.namespace },
    });
    add('ReadCanary', ['cloudwatch:GetMetricData'], ['*']);
    if (alarmArns.length > 0) add('ReadTargetTrackingAlarms', ['cloudwatch:DescribeAlarms'], alarmArns);
    add('FindTargetTrackingAlarms', ['application-autoscaling:DescribeScalingPolicies'], ['*']);
    if (serviceArns.length > 0) add('DescribeServices', ['ecs:DescribeServices'], serviceArns);
    add('StartWorkflows', ['states:StartExecution'], [scaleArn, restoreArn]);
    add(
      'EmitBallastEvents',
      ['events:PutEvents'],
      [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
    );
    props.ledger.grantReadWriteData(fn);
    if (fn.role) {
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'PutMetricData and GetMetricData support no resource-level permissions (PutMetricData is limited to the Ballast/Canary namespace by condition); DescribeScalingPolicies supports none either (read-only).',
      });
      const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
      for (const s of config.services) {
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:${region}:<AWS::AccountId>:alarm:TargetTracking-service/${s.cluster}/${s.name}-*]`,
          reason: `The target-tracking alarms of ${s.cluster}/${s.name} end in a random id that Application Auto Scaling chooses (read-only).`,
        });
      }
    }
  }

  private grantPermissions(props: EmergencyScalingProps, restoreArn: string): void {
    const stack = Stack.of(this);
    const config = this.scalingConfig;
    const clusters = [
      ...new Set([...config.services.map((s) => s.cluster), ...config.groups.map((g) => g.cluster)]),
    ].sort();
    const ecsArn = (resource: string, resourceName: string) =>
      stack.formatArn({ service: 'ecs', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const serviceArns = config.services.map((s) => ecsArn('service', `${s.cluster}/${s.name}`));
    const clusterArns = clusters.map((c) => ecsArn('cluster', c));
    const instanceArns = clusters.map((c) => ecsArn('container-instance', `${c}/*`));
    const groupArns = config.groups.map((g) =>
      stack.formatArn({
        service: 'autoscaling',
        resource: 'autoScalingGroup',
        resourceName: `*:autoScalingGroupName/${g.name}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const eventBusArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
    const statement = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) });
    const ecsScalableTargets = {
      StringEquals: {
        'application-autoscaling:service-namespace': 'ecs',
        'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
      },
    };

    const describeServices =
      serviceArns.length > 0 ? [statement('DescribeServices', ['ecs:DescribeServices'], serviceArns)] : [];
    const describeGroups = statement('DescribeGroups', ['autoscaling:DescribeAutoScalingGroups'], ['*']);
    this.sampleFunction.addToRolePolicy(describeGroups);
    for (const s of describeServices) this.sampleFunction.addToRolePolicy(s);
    props.ledger.grantWriteData(this.sampleFunction);

    const raise = [
      ...describeServices,
      describeGroups,
      ...(serviceArns.length > 0
        ? [statement('UpdateServicesWithoutScalableTarget', ['ecs:UpdateService'], serviceArns)]
        : []),
      statement('DescribeTaskDefinitions', ['ecs:DescribeTaskDefinition'], ['*']),
      ...(clusterArns.length > 0 ? [statement('ListHosts', ['ecs:ListContainerInstances'], clusterArns)] : []),
      ...(instanceArns.length > 0
        ? [statement('DescribeHosts', ['ecs:DescribeContainerInstances'], instanceArns)]
        : []),
      statement(
        'DescribeScaling',
        [
          'application-autoscaling:DescribeScalableTargets',
          'application-autoscaling:DescribeScheduledActions',
          'application-autoscaling:DescribeScalingPolicies',
        ],
        ['*'],
      ),
      statement(
        'RegisterEcsScalableTargets',
        ['application-autoscaling:RegisterScalableTarget'],
        ['*'],
        ecsScalableTargets,
      ),
      ...(groupArns.length > 0 ? [statement('RaiseGroups', ['autoscaling:UpdateAutoScalingGroup'], groupArns)] : []),
      statement('EmitBallastEvents', ['events:PutEvents'], [eventBusArn]),
      statement('StartRestore', ['states:StartExecution'], [restoreArn]),
    ];
    for (const s of raise) this.raiseFunction.addToRolePolicy(s);
    props.ledger.grantReadWriteData(this.raiseFunction);
    // The restore makes the same kinds of calls back (no host size, no task definitions, no StartExecution).
    const restoreSids = new Set([
      'DescribeServices',
      'DescribeGroups',
      'UpdateServicesWithoutScalableTarget',
      'DescribeScaling',
      'RegisterEcsScalableTargets',
      'RaiseGroups',
      'EmitBallastEvents',
    ]);
    for (const s of raise.filter((x) => x.sid && restoreSids.has(x.sid))) this.restoreFunction.addToRolePolicy(s);
    props.ledger.grantReadWriteData(this.restoreFunction);

    // Findings a person has checked: each names what needs the wildcard and why.
    const acknowledge = (fn: lambda.Function, id: string, reason: string) => {
      if (fn.role) Validations.of(fn.role).acknowledge({ id, reason });
    };
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    for (const fn of [this.sampleFunction, this.raiseFunction, this.restoreFunction]) {
      acknowledge(
        fn,
        'AwsSolutions-IAM5[Resource::*]',
        'DescribeAutoScalingGroups, DescribeTaskDefinition and the Application Auto Scaling Describe calls support no resource-level permissions (read-only); RegisterScalableTarget on an existing target authorizes against its ARN, which holds a random id: it is limited to ECS service DesiredCount targets by condition keys.',
      );
    }
    for (const cluster of clusters) {
      acknowledge(
        this.raiseFunction,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${region}:<AWS::AccountId>:container-instance/${cluster}/*]`,
        `Every container instance of the configured cluster ${cluster} (read-only, for the host size): their ids are not known at deploy time.`,
      );
    }
    for (const g of config.groups) {
      for (const fn of [this.raiseFunction, this.restoreFunction])
        acknowledge(
          fn,
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:${region}:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/${g.name}]`,
          `Auto Scaling group ARNs contain a UUID unknown at deploy time; the name (${g.name}) scopes it.`,
        );
    }
    const table = props.ledger.node.defaultChild as CfnElement | undefined;
    if (table) {
      for (const fn of [this.sampleFunction, this.raiseFunction, this.restoreFunction, this.detectFunction]) {
        acknowledge(
          fn,
          `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(table)}.Arn>/index/*]`,
          'The ledger grant includes its indexes (byKind), which override records are listed by.',
        );
      }
    }
    const workflows: [sfn.StateMachine, lambda.Function[]][] = [
      [this.emergencyScale, [this.validateFunction, this.raiseFunction]],
      [this.restoreScaling, [this.restoreFunction]],
    ];
    for (const [machine, fns] of workflows) {
      Validations.of(machine.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing and CloudWatch Logs delivery of the state machine support no resource-level permissions.',
      });
      for (const fn of fns) {
        Validations.of(machine.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
          reason: 'The workflow invokes its own functions, any version or alias of them.',
        });
      }
    }
  }
}
