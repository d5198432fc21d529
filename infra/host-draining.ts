import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LIMITS } from '../config/limits.ts';
import type { BallastConfig } from '../config/schema.ts';
import { rebalanceRecommendationPattern, spotInterruptionPattern } from '../events/ec2.ts';
import { taskStoppedPattern } from '../events/ecs.ts';
import { instanceScheduledChangePattern } from '../events/health.ts';
import {
  launchLifecycleActionPattern,
  taggedGroupsTerminatePattern,
  terminateLifecycleActionPattern,
} from '../events/lifecycle.ts';
import { DRAIN_CONFIG_ENV, type DrainConfig, OPT_IN_TAG } from '../functions/host-draining/config.ts';
import { drainConfigFor } from '../functions/host-draining/config-schema.ts';
import { DRAIN_HOST_TIMEOUT, drainHostDefinition } from '../state-machines/drain-host.ts';
import type { FunctionFactory } from './function-factory.ts';
import type { Observability } from './observability.ts';
import { createStateMachine } from './state-machine-factory.ts';

export interface HostDrainingProps {
  /** The validated Ballast configuration. */
  readonly config: BallastConfig;
  /** The region this stack runs in (one of `config.regions`). */
  readonly region: string;
  /** The ledger table (drain records, locks, budgets, operations log). */
  readonly ledger: dynamodb.ITable;
  readonly observability: Observability;
  readonly functionFactory: FunctionFactory;
  /**
   * Create the lifecycle hooks (AWS::AutoScaling::LifecycleHook) of the configured groups whose
   * `createHooks` is true. False when the hooks are managed with the groups elsewhere.
   * @default true
   */
  readonly createHooks?: boolean;
  /**
   * HeartbeatTimeout of the terminate hooks Ballast creates. At least 1728 s lets a drain reach the 48 h
   * global cap (min(48 h, 100 x HeartbeatTimeout)); it is also how long a hook waits if Ballast is down.
   * @default Duration.seconds(1800)
   */
  readonly heartbeatTimeout?: Duration;
  /** HeartbeatTimeout of the launch hooks Ballast creates. @default Duration.seconds(600) */
  readonly launchHeartbeatTimeout?: Duration;
  /** Drain on Spot interruption warnings and mark on rebalance recommendations. @default true */
  readonly spotRules?: boolean;
  /**
   * Mark hosts that AWS Health schedules for retirement or a stop (and emit `Host Maintenance Scheduled`).
   * @default true
   */
  readonly healthRules?: boolean;
  /**
   * Also drain groups opted in by the tag `ballast:drain=true` (cluster from the `ballast:cluster` tag or
   * the hook's metadata): a rule on the default hook name for any group, and IAM on tagged groups.
   * @default false
   */
  readonly taggedGroups?: boolean;
}

/**
 * Host draining: drains ECS container instances before EC2 Auto Scaling terminates them, with nothing
 * dropped. It creates the drain-host state machine (`<name>-drain-host`), its three functions, the
 * EventBridge rules that start it (terminate and launch lifecycle actions of the configured groups, Spot
 * interruption warnings, rebalance recommendations), least-privilege IAM scoped to the configured clusters
 * and groups, and optionally the lifecycle hooks. Operators start the same workflow from the console.
 */
export class HostDraining extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly resolveFunction: lambda.Function;
  readonly drainFunction: lambda.Function;
  readonly finishFunction: lambda.Function;
  /** The published versions the workflow invokes (`fn.currentVersion`, retained when replaced). */
  readonly resolveVersion: lambda.Version;
  readonly drainVersion: lambda.Version;
  readonly finishVersion: lambda.Version;
  /** Frees the slot and closes the record of an execution that ended outside a Catch (status-change events). */
  readonly reclaimFunction: lambda.Function;
  /** Wakes a drain when its host's last task stops (ECS task state change events). */
  readonly wakeFunction: lambda.Function;
  readonly rules: events.Rule[] = [];
  readonly hooks: autoscaling.CfnLifecycleHook[] = [];
  readonly deadLetterQueue: sqs.Queue;
  /** The configuration slice the functions get as BALLAST_DRAIN_CONFIG. */
  readonly drainConfig: DrainConfig;

  constructor(scope: Construct, id: string, props: HostDrainingProps) {
    super(scope, id);
    const fleet = props.config.regions[props.region];
    if (!fleet) throw new Error(`HostDraining: region '${props.region}' is not in config.regions`);
    this.drainConfig = drainConfigFor(props.config, props.region);
    const environment = {
      BALLAST_LEDGER_TABLE: props.ledger.tableName,
      BALLAST_APP_NAME: props.config.name,
      BALLAST_DRY_RUN: 'false',
    };
    // Shipped in the bundle, not the environment: it outgrows Lambda's 4 KB at fleet scale.
    const config = { [DRAIN_CONFIG_ENV]: JSON.stringify(this.drainConfig) };
    const factory = props.functionFactory;
    this.resolveFunction = factory.create(this, 'Resolve', {
      entry: 'functions/host-draining/resolve.ts',
      description: 'Ballast drain-host: validate and resolve a drain request',
      environment,
      config,
    });
    this.drainFunction = factory.create(this, 'Drain', {
      entry: 'functions/host-draining/drain.ts',
      description: 'Ballast drain-host: budget, start, check, launch, mark, extend, release',
      environment,
      config,
      timeout: Duration.seconds(120),
    });
    this.finishFunction = factory.create(this, 'Finish', {
      entry: 'functions/host-draining/finish.ts',
      description: 'Ballast drain-host: complete the lifecycle action, release the budget, record',
      environment,
      config,
    });

    this.reclaimFunction = factory.create(this, 'Reclaim', {
      entry: 'functions/host-draining/reclaim.ts',
      description: 'Ballast drain-host: reclaim the budget slot of an execution that ended outside its Catch',
      environment,
      config,
    });

    this.wakeFunction = factory.create(this, 'Wake', {
      entry: 'functions/host-draining/wake.ts',
      description: "Ballast drain-host: wake a drain when its host's last task stops",
      environment,
      config,
    });

    // The workflow calls published versions, so a running execution (up to 50 h) keeps the code it started
    // with across a deploy. CDK's currentVersion takes a new logical id when a function's code or
    // configuration changes; RETAIN keeps the old version when CloudFormation would delete it at the end of
    // the update, since executions started before the deploy still call it.
    const pinned = (fn: lambda.Function): lambda.Version => {
      const version = fn.currentVersion;
      version.applyRemovalPolicy(RemovalPolicy.RETAIN);
      return version;
    };
    this.resolveVersion = pinned(this.resolveFunction);
    this.drainVersion = pinned(this.drainFunction);
    this.finishVersion = pinned(this.finishFunction);

    this.stateMachine = createStateMachine(this, 'Workflow', {
      stateMachineName: `${props.config.name}-drain-host`,
      comment:
        'Drains an ECS container instance before Auto Scaling terminates it (lifecycle hooks, Spot warnings, rebalance recommendations, manual drain/extend/release).',
      definitionBody: sfn.DefinitionBody.fromChainable(
        drainHostDefinition(this, {
          resolve: this.resolveVersion,
          drain: this.drainVersion,
          finish: this.finishVersion,
        }),
      ),
      timeout: DRAIN_HOST_TIMEOUT,
    });

    this.grantPermissions(props);
    this.deadLetterQueue = new sqs.Queue(this, 'RuleDeadLetters', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the drain rules; it needs no dead-letter queue of its own.',
    });
    this.createRules(props);
    this.createReclaimRule();
    this.createWakeRule(props);
    if (props.createHooks ?? true) this.createHooks(props);

    props.observability.watchStateMachine('DrainHost', this.stateMachine, 'Drain host');
    props.observability.watchFunction('DrainResolve', this.resolveFunction, 'Drain host: resolve');
    props.observability.watchFunction('DrainSteps', this.drainFunction, 'Drain host: drain steps');
    props.observability.watchFunction('DrainFinish', this.finishFunction, 'Drain host: finish');
    props.observability.watchFunction('DrainReclaim', this.reclaimFunction, 'Drain host: reclaim');
    props.observability.watchFunction('DrainWake', this.wakeFunction, 'Drain host: wake');
  }

  /**
   * ECS's events of tasks that STOPPED in the configured clusters (every cluster's with tag-opted groups,
   * whose clusters are not known at deploy) go to the wake function. A lost event only delays a drain to its
   * fallback check: the rule is an accelerator, not what the drain depends on.
   */
  private createWakeRule(props: HostDrainingProps): void {
    const stack = Stack.of(this);
    const clusterArns = this.drainConfig.clusters.map((c) =>
      stack.formatArn({
        service: 'ecs',
        resource: 'cluster',
        resourceName: c,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    const made = new events.Rule(this, 'WakeRule', {
      description: "Ballast: wake a drain when its host's last task stops",
      eventPattern: taskStoppedPattern((props.taggedGroups ?? false) ? undefined : clusterArns),
      targets: [
        new targets.LambdaFunction(this.wakeFunction, {
          deadLetterQueue: this.deadLetterQueue,
          // A wake is worth something for minutes, not hours: past that the fallback check has run.
          retryAttempts: 2,
          maxEventAge: Duration.minutes(15),
        }),
      ],
    });
    this.rules.push(made);
  }

  /**
   * Step Functions' status-change events of this workflow's executions that ended FAILED, TIMED_OUT or
   * ABORTED go to the reclaim function: such an execution may never have reached 'Release Budget'.
   */
  private createReclaimRule(): void {
    const made = new events.Rule(this, 'ReclaimRule', {
      description: 'Ballast: free the drain budget slot of a drain-host execution that ended outside its Catch',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [this.stateMachine.stateMachineArn] },
      },
      targets: [
        new targets.LambdaFunction(this.reclaimFunction, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    this.rules.push(made);
  }

  private createRules(props: HostDrainingProps): void {
    const groups = props.config.regions[props.region]?.autoScalingGroups ?? [];
    const target = new targets.SfnStateMachine(this.stateMachine, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    });
    const rule = (id: string, description: string, eventPattern: events.EventPattern) => {
      const made = new events.Rule(this, id, { description, eventPattern, targets: [target] });
      this.rules.push(made);
    };
    if (groups.length > 0) {
      rule(
        'TerminateRule',
        'Ballast: drain a container instance before its Auto Scaling group terminates it',
        terminateLifecycleActionPattern(
          groups.map((g) => g.name),
          groups.map((g) => g.lifecycleHookName),
        ),
      );
      const launching = groups.filter((g) => g.launchHookName !== undefined);
      if (launching.length > 0) {
        rule(
          'LaunchRule',
          'Ballast: hold a new host until its container instance is ACTIVE',
          launchLifecycleActionPattern(
            launching.map((g) => g.name),
            launching.map((g) => g.launchHookName!),
          ),
        );
      }
    }
    if (props.taggedGroups ?? false) {
      rule(
        'TaggedGroupsTerminateRule',
        `Ballast: drain hosts of groups tagged ${OPT_IN_TAG}=true`,
        taggedGroupsTerminatePattern([this.drainConfig.defaultHookName]),
      );
    }
    if (props.healthRules ?? true) {
      rule(
        'HealthRule',
        'Ballast: mark hosts that AWS Health schedules for retirement or a stop',
        instanceScheduledChangePattern(),
      );
    }
    if (props.spotRules ?? true) {
      rule('SpotRule', 'Ballast: drain a Spot instance at once on its interruption warning', spotInterruptionPattern());
      rule(
        'RebalanceRule',
        'Ballast: keep new tasks off an instance with a rebalance recommendation',
        rebalanceRecommendationPattern(),
      );
    }
  }

  private createHooks(props: HostDrainingProps): void {
    const heartbeat = (props.heartbeatTimeout ?? Duration.seconds(1800)).toSeconds();
    const launchHeartbeat = (props.launchHeartbeatTimeout ?? Duration.seconds(600)).toSeconds();
    for (const seconds of [heartbeat, launchHeartbeat]) {
      if (seconds < LIMITS.lifecycleHookHeartbeatMinSeconds || seconds > LIMITS.lifecycleHookHeartbeatMaxSeconds) {
        throw new Error(`HostDraining: a heartbeat timeout must be 30-7200 s, got ${seconds}`);
      }
    }
    const hooks = new Construct(this, 'Hooks');
    for (const group of props.config.regions[props.region]?.autoScalingGroups ?? []) {
      if (!group.createHooks) continue;
      const policy = this.drainConfig.groups[group.name]?.policy;
      const deadline = (policy?.deadlineMinutes ?? 60) * 60;
      if (
        deadline > Math.min(LIMITS.lifecycleHookGlobalCapSeconds, LIMITS.lifecycleHookGlobalCapHeartbeats * heartbeat)
      ) {
        throw new Error(
          `HostDraining: group ${group.name} has a ${deadline / 60} min deadline but a ${heartbeat} s heartbeat timeout caps the hook at ${(LIMITS.lifecycleHookGlobalCapHeartbeats * heartbeat) / 60} min: raise heartbeatTimeout to at least ${Math.ceil(deadline / LIMITS.lifecycleHookGlobalCapHeartbeats)} s`,
        );
      }
      const ns = new Construct(hooks, group.name);
      this.hooks.push(
        new autoscaling.CfnLifecycleHook(ns, 'Terminate', {
          autoScalingGroupName: group.name,
          lifecycleHookName: group.lifecycleHookName,
          lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
          heartbeatTimeout: heartbeat,
          // retain: if Ballast cannot answer, the hook abandons and the group's retain policy keeps the host.
          defaultResult: policy?.deadlinePolicy === 'retain' ? 'ABANDON' : 'CONTINUE',
          notificationMetadata: JSON.stringify({ cluster: group.cluster }),
        }),
      );
      if (group.launchHookName) {
        this.hooks.push(
          new autoscaling.CfnLifecycleHook(ns, 'Launch', {
            autoScalingGroupName: group.name,
            lifecycleHookName: group.launchHookName,
            lifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
            heartbeatTimeout: launchHeartbeat,
            // If Ballast cannot answer, let the host in service rather than block every scale-out.
            defaultResult: 'CONTINUE',
            notificationMetadata: JSON.stringify({ cluster: group.cluster }),
          }),
        );
      }
    }
  }

  private grantPermissions(props: HostDrainingProps): void {
    const stack = Stack.of(this);
    const clusters = this.drainConfig.clusters;
    const groups = Object.keys(this.drainConfig.groups);
    const ecsArn = (resource: string, resourceName: string) =>
      stack.formatArn({ service: 'ecs', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const clusterArns = clusters.map((c) => ecsArn('cluster', c));
    const instanceArns = clusters.map((c) => ecsArn('container-instance', `${c}/*`));
    const taskArns = clusters.map((c) => ecsArn('task', `${c}/*`));
    const serviceArns = clusters.map((c) => ecsArn('service', `${c}/*`));
    const groupArn = (name: string) =>
      stack.formatArn({
        service: 'autoscaling',
        resource: 'autoScalingGroup',
        resourceName: `*:autoScalingGroupName/${name}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const groupArns = groups.map(groupArn);
    const eventBusArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });

    const statement = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) });
    const describeAutoScaling = statement(
      'DescribeAutoScaling',
      ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeLifecycleHooks', 'autoscaling:DescribeTags'],
      ['*'],
    );
    const readCluster = statement('ReadClusters', ['ecs:ListContainerInstances', 'ecs:DescribeClusters'], clusterArns);
    const readInstances = statement(
      'ReadContainerInstances',
      ['ecs:DescribeContainerInstances', 'ecs:ListTasks'],
      instanceArns,
    );
    const readTasks = statement('ReadTasks', ['ecs:DescribeTasks'], taskArns);
    const readServices = statement('ReadServices', ['ecs:DescribeServices'], serviceArns);
    const drainInstances = statement(
      'DrainContainerInstances',
      ['ecs:UpdateContainerInstancesState', 'ecs:PutAttributes', 'ecs:DeleteAttributes'],
      [...clusterArns, ...instanceArns],
    );
    const stopTasks = statement('StopTasksOnDrainingHosts', ['ecs:StopTask'], taskArns);
    // Settle reads the real deregistration delay of the target groups the host's services are behind.
    const readTargetGroups = statement(
      'ReadTargetGroupDeregistrationDelays',
      ['elasticloadbalancing:DescribeTargetGroupAttributes'],
      ['*'],
    );
    const putEvents = statement('EmitBallastEvents', ['events:PutEvents'], [eventBusArn]);
    const lifecycle = (sid: string, actions: string[]) => {
      const out: iam.PolicyStatement[] = [];
      if (groupArns.length > 0) out.push(statement(sid, actions, groupArns));
      if (props.taggedGroups ?? false) {
        out.push(
          statement(`${sid}TaggedGroups`, actions, [groupArn('*')], {
            StringEquals: { [`aws:ResourceTag/${OPT_IN_TAG}`]: 'true' },
          }),
        );
      }
      return out;
    };

    const grant = (fn: lambda.Function, statements: iam.PolicyStatement[]) => {
      for (const s of statements) fn.addToRolePolicy(s);
      // The item operations the drain cores use (functions/shared/ledger.ts), nothing table-wide.
      props.ledger.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query');
    };
    // 'Acquire Budget' checks that the holders of a full budget are still running; 'Resolve Request' that a
    // drain already running on the instance is (one drain per instance).
    const describeExecutions = statement(
      'DescribeOwnExecutions',
      ['states:DescribeExecution'],
      [
        stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${props.config.name}-drain-host:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    );
    // A task token is its own capability: SendTaskSuccess has no resource type to scope it by.
    const answerWaits = statement('AnswerDrainWaits', ['states:SendTaskSuccess'], ['*']);
    grant(this.resolveFunction, [describeAutoScaling, readCluster, readInstances, describeExecutions]);
    grant(this.reclaimFunction, []);
    // The wake function records a stop and answers a token: one item operation, one callback.
    this.wakeFunction.addToRolePolicy(answerWaits);
    props.ledger.grant(this.wakeFunction, 'dynamodb:UpdateItem');
    grant(this.drainFunction, [
      answerWaits,
      describeExecutions,
      readCluster,
      readInstances,
      readTasks,
      readServices,
      drainInstances,
      stopTasks,
      readTargetGroups,
      putEvents,
      ...lifecycle('HeartbeatLifecycleActions', ['autoscaling:RecordLifecycleActionHeartbeat']),
    ]);
    grant(this.finishFunction, [
      putEvents,
      ...lifecycle('CompleteLifecycleActions', [
        'autoscaling:CompleteLifecycleAction',
        'autoscaling:RecordLifecycleActionHeartbeat',
      ]),
    ]);

    // Findings a person has checked: each names what needs the wildcard and why.
    const acknowledge = (fn: lambda.Function, id: string, reason: string) => {
      if (fn.role) Validations.of(fn.role).acknowledge({ id, reason });
    };
    acknowledge(
      this.resolveFunction,
      'AwsSolutions-IAM5[Resource::*]',
      'DescribeAutoScalingInstances, DescribeLifecycleHooks and DescribeTags support no resource-level permissions (read-only).',
    );
    acknowledge(
      this.drainFunction,
      'AwsSolutions-IAM5[Resource::*]',
      'elasticloadbalancing:DescribeTargetGroupAttributes supports no resource-level permissions (read-only): the settle reads the deregistration delay of whichever target groups ECS reports for the drained services. states:SendTaskSuccess has no resource type: the task token is the capability ("Wait For Tasks" answers its own token when the tasks already stopped).',
    );
    acknowledge(
      this.wakeFunction,
      'AwsSolutions-IAM5[Resource::*]',
      'states:SendTaskSuccess has no resource type: the task token (read from the ledger) is the capability.',
    );
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const scoped = (fn: lambda.Function) => {
      for (const cluster of clusters) {
        for (const kind of ['container-instance', 'task', 'service']) {
          acknowledge(
            fn,
            `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${region}:<AWS::AccountId>:${kind}/${cluster}/*]`,
            `Every ${kind} of the configured cluster ${cluster}: their ids are not known at deploy time.`,
          );
        }
      }
      for (const group of [...groups, ...((props.taggedGroups ?? false) ? ['*'] : [])]) {
        acknowledge(
          fn,
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:${region}:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/${group}]`,
          `Auto Scaling group ARNs contain a UUID unknown at deploy time; the name (${group}) scopes it.`,
        );
      }
    };
    const table = props.ledger.node.defaultChild as CfnElement | undefined;
    for (const fn of [this.drainFunction, this.resolveFunction]) {
      acknowledge(
        fn,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:<AWS::AccountId>:execution:${props.config.name}-drain-host:*]`,
        'Every execution of this workflow (its own drain-host state machine): execution names are not known at deploy time.',
      );
    }
    for (const fn of [
      this.resolveFunction,
      this.drainFunction,
      this.finishFunction,
      this.reclaimFunction,
      this.wakeFunction,
    ]) {
      if (fn !== this.wakeFunction) scoped(fn);
      if (table) {
        acknowledge(
          fn,
          `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(table)}.Arn>/index/*]`,
          'The ledger grant covers its indexes (byKind), which the drain records are listed by.',
        );
      }
    }
    // The workflow role: its three functions' published versions, never their unpublished code. Each Task
    // names the version of the deploy that started the execution, and the role's policy is replaced at every
    // deploy, so the grant covers the versions published before it too (the Version resources of earlier
    // deploys are no longer in the template to be named): `name:*`, with `$LATEST` and the unqualified
    // function denied.
    const workflowRole = this.stateMachine.role;
    const pinnedFunctions = [this.resolveFunction, this.drainFunction, this.finishFunction];
    workflowRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokePublishedDrainVersions',
        actions: ['lambda:InvokeFunction'],
        resources: pinnedFunctions.map((fn) => `${fn.functionArn}:*`),
      }),
    );
    workflowRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NeverInvokeUnpublishedDrainCode',
        effect: iam.Effect.DENY,
        actions: ['lambda:InvokeFunction'],
        resources: pinnedFunctions.flatMap((fn) => [fn.functionArn, `${fn.functionArn}:$LATEST`]),
      }),
    );
    Validations.of(workflowRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing and CloudWatch Logs delivery of the state machine support no resource-level permissions.',
    });
    for (const fn of pinnedFunctions) {
      Validations.of(workflowRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason:
          'The published versions of this workflow function: a running execution (up to 50 h) calls the version it started with, which a later deploy no longer names; $LATEST and the unqualified function are denied.',
      });
    }
  }
}
