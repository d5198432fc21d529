import { ArnFormat, type CfnElement, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type BallastConfig, ledgerTableName } from '../config/schema.ts';
import { dataPlaneAlarmPrefix, FAILOVER_CONFIG_ENV, type FailoverConfig } from '../functions/region-failover/config.ts';
import { failoverConfigFor } from '../functions/region-failover/config-schema.ts';
import {
  type AlarmKind,
  alarmName,
  DATA_PLANE_NAMESPACE,
  RELEASE_METRIC,
  slotSetIdentifier,
  slotWeights,
  TAKE_METRIC,
} from '../functions/region-failover/core/data-plane.ts';
import { REGION_FAILOVER_TIMEOUT, regionFailoverDefinition } from '../state-machines/region-failover.ts';
import type { FunctionFactory } from './function-factory.ts';
import type { Observability } from './observability.ts';
import { createStateMachine } from './state-machine-factory.ts';

export interface RegionFailoverProps {
  /** The validated Ballast configuration. */
  readonly config: BallastConfig;
  /** The region this stack runs in: the destination of the failovers started here. */
  readonly region: string;
  /** The ledger table (fence, failover records, operator commands, capacity history). */
  readonly ledger: dynamodb.ITable;
  readonly observability: Observability;
  readonly functionFactory: FunctionFactory;
}

/**
 * Region failover, deployed in every region's stack: the `<name>-region-failover` state machine (started in
 * the destination region, by an operator, the CLI or a pipeline), its two functions, and IAM scoped to the
 * configured services and groups of this region (mutations) and of every region (best-effort reads of the
 * source), the hosted zone and the record names Ballast steers, the ledger and the default bus.
 */
export class RegionFailover extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly validateFunction: lambda.Function;
  readonly stepsFunction: lambda.Function;
  /** The automatic trigger (every minute, unless `policies.failover.trigger.action` is `off`). */
  readonly triggerFunction: lambda.Function;
  readonly triggerRule: events.Rule | undefined;
  /** Starts a readiness check of this region every `policies.failover.readinessIntervalMinutes`. */
  readonly readinessRule: events.Rule;
  /** The configuration slice the functions get as BALLAST_FAILOVER_CONFIG. */
  readonly failoverConfig: FailoverConfig;
  /** `data-plane` mode: this region's weighted records, their health checks and the alarms they watch. */
  readonly dataPlane: DataPlaneRecords | undefined;

  constructor(scope: Construct, id: string, props: RegionFailoverProps) {
    super(scope, id);
    this.failoverConfig = failoverConfigFor(props.config, props.region);
    const environment = {
      BALLAST_LEDGER_TABLE: props.ledger.tableName,
      BALLAST_APP_NAME: props.config.name,
    };
    // Shipped in the bundle, not the environment: it outgrows Lambda's 4 KB at fleet scale.
    const config = { [FAILOVER_CONFIG_ENV]: JSON.stringify(this.failoverConfig) };
    this.validateFunction = props.functionFactory.create(this, 'Validate', {
      entry: 'functions/region-failover/validate.ts',
      description: 'Ballast region-failover: validate a failover or an operator command',
      environment,
      config,
    });
    this.stepsFunction = props.functionFactory.create(this, 'Steps', {
      entry: 'functions/region-failover/steps.ts',
      description: 'Ballast region-failover: fence, capacity, traffic, watch, complete, abort',
      environment,
      config,
      timeout: Duration.seconds(120),
    });
    this.stateMachine = createStateMachine(this, 'Workflow', {
      stateMachineName: `${props.config.name}-region-failover`,
      comment:
        'Moves traffic to this region: fence, raise capacity, prove it healthy, shift Route 53 weights or, in data-plane mode, health checks (immediate or a watched ladder with cut-back), complete. Also takes promote/pause/resume/abort.',
      definitionBody: sfn.DefinitionBody.fromChainable(
        regionFailoverDefinition(this, { validate: this.validateFunction, steps: this.stepsFunction }),
      ),
      timeout: REGION_FAILOVER_TIMEOUT,
    });
    this.dataPlane =
      props.config.policies.failover.mode === 'data-plane'
        ? new DataPlaneRecords(this, 'DataPlane', { config: props.config, region: props.region })
        : undefined;
    this.grantPermissions(props);
    this.triggerFunction = props.functionFactory.create(this, 'Trigger', {
      entry: 'functions/region-failover/trigger.ts',
      description: "Ballast region-failover: the automatic trigger (the active region's alarms and health checks)",
      environment: { ...environment, BALLAST_FAILOVER_STATE_MACHINE_ARN: this.stateMachine.stateMachineArn },
      config,
      timeout: Duration.seconds(60),
    });
    this.grantTrigger(props);
    const trigger = props.config.policies.failover.trigger;
    this.triggerRule =
      trigger.action === 'off'
        ? undefined
        : new events.Rule(this, 'TriggerSchedule', {
            description: `Ballast: the automatic failover trigger (${trigger.action}) for ${props.region} as a destination`,
            schedule: events.Schedule.rate(Duration.minutes(1)),
            targets: [
              new targets.LambdaFunction(this.triggerFunction, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
            ],
          });
    this.readinessRule = new events.Rule(this, 'ReadinessSchedule', {
      description: `Ballast: evaluate ${props.region} as a failover destination (Readiness Changed when it changes)`,
      schedule: events.Schedule.rate(Duration.minutes(props.config.policies.failover.readinessIntervalMinutes)),
      targets: [
        new targets.SfnStateMachine(this.stateMachine, {
          input: events.RuleTargetInput.fromObject({ action: 'readiness' }),
          retryAttempts: 2,
          maxEventAge: Duration.minutes(props.config.policies.failover.readinessIntervalMinutes),
        }),
      ],
    });
    props.observability.watchStateMachine('RegionFailover', this.stateMachine, 'Region failover');
    props.observability.watchFunction('FailoverValidate', this.validateFunction, 'Region failover: validate');
    props.observability.watchFunction('FailoverSteps', this.stepsFunction, 'Region failover: steps');
    props.observability.watchFunction('FailoverTrigger', this.triggerFunction, 'Region failover: trigger');
  }

  /**
   * The trigger reads the configured alarms of every region (the active one is read from here), the steered
   * zone's records and their health checks' status, reads the fence and writes its episode item in the ledger,
   * emits on the default bus and, in `auto`, starts this region's failover.
   */
  private grantTrigger(props: RegionFailoverProps): void {
    const stack = Stack.of(this);
    const fn = this.triggerFunction;
    const trigger = props.config.policies.failover.trigger;
    const eventBusArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'EmitTriggerEvents', actions: ['events:PutEvents'], resources: [eventBusArn] }),
    );
    const alarmArns = Object.entries(trigger.alarms).flatMap(([region, names]) =>
      names.map((name) =>
        stack.formatArn({
          service: 'cloudwatch',
          region,
          resource: 'alarm',
          resourceName: name,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
    );
    if (alarmArns.length > 0) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadTriggerAlarms',
          actions: ['cloudwatch:DescribeAlarms'],
          resources: alarmArns,
        }),
      );
    }
    const dns = props.config.dns;
    if (dns && trigger.healthChecks) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadSteeredRecordsAndHealth',
          actions: ['route53:ListResourceRecordSets', 'route53:GetHealthCheckStatus'],
          resources: [
            `arn:${stack.partition}:route53:::hostedzone/${dns.hostedZoneId}`,
            `arn:${stack.partition}:route53:::healthcheck/*`,
          ],
        }),
      );
      Validations.of(fn.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::healthcheck/*]',
        reason:
          "The health checks are the records' own (you attach them), their ids unknown at deploy time; read only.",
      });
    }
    const ledgerItems = ['dynamodb:GetItem', 'dynamodb:PutItem'];
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'TriggerEpisode', actions: ledgerItems, resources: [props.ledger.tableArn] }),
    );
    const fenceRegion = props.config.policies.failover.fenceRegion;
    if (fenceRegion && fenceRegion !== props.region) {
      const fenceTable = stack.formatArn({
        service: 'dynamodb',
        region: fenceRegion,
        resource: 'table',
        resourceName: ledgerTableName(props.config),
      });
      fn.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'ReadFence', actions: ['dynamodb:GetItem'], resources: [fenceTable] }),
      );
    }
    if (trigger.action === 'auto') this.stateMachine.grantStartExecution(fn);
  }

  private grantPermissions(props: RegionFailoverProps): void {
    const stack = Stack.of(this);
    const here = props.config.regions[props.region]!;
    const statement = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) });
    const serviceArn = (region: string, cluster: string, service: string) =>
      stack.formatArn({
        service: 'ecs',
        region,
        resource: 'service',
        resourceName: `${cluster}/${service}`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    const ownServices = here.services.map((s) => serviceArn(props.region, s.cluster, s.name));
    const everyService = Object.entries(props.config.regions).flatMap(([region, fleet]) =>
      fleet.services.map((s) => serviceArn(region, s.cluster, s.name)),
    );
    const groupArn = (region: string, name: string) =>
      stack.formatArn({
        service: 'autoscaling',
        region,
        resource: 'autoScalingGroup',
        resourceName: `*:autoScalingGroupName/${name}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const ownGroups = here.autoScalingGroups.map((g) => groupArn(props.region, g.name));
    const everyGroup = Object.entries(props.config.regions).flatMap(([region, fleet]) =>
      fleet.autoScalingGroups.map((g) => groupArn(region, g.name)),
    );
    const eventBusArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
    const statements: iam.PolicyStatement[] = [
      statement('EmitBallastEvents', ['events:PutEvents'], [eventBusArn]),
      statement(
        'DescribeWithoutResourceScope',
        [
          'application-autoscaling:DescribeScalableTargets',
          'autoscaling:DescribeAutoScalingGroups',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetHealth',
          'cloudwatch:GetMetricData',
        ],
        ['*'],
      ),
    ];
    if (everyService.length > 0) {
      statements.push(statement('ReadConfiguredServices', ['ecs:DescribeServices'], everyService));
    }
    const scaleDown = props.config.policies.failover.scaleDownAfterBakeSeconds !== undefined;
    // With scale-down after bake, the old region's services are lowered from here too (after the bake only).
    const updatable = scaleDown ? everyService : ownServices;
    if (updatable.length > 0) {
      statements.push(statement('RaiseConfiguredServices', ['ecs:UpdateService'], updatable));
      // Application Auto Scaling has no resource-level permissions for RegisterScalableTarget; the condition
      // and the function's code keep it to ECS services (the configured ones: see core/raise.ts).
      statements.push(
        statement('RaiseScalableTargets', ['application-autoscaling:RegisterScalableTarget'], ['*'], {
          StringEquals: { 'application-autoscaling:service-namespace': 'ecs' },
        }),
      );
    }
    // With scale-down after bake, the MinSize a failover raised in the old region is given back from here too.
    const groupArns = scaleDown ? everyGroup : ownGroups;
    if (groupArns.length > 0) {
      statements.push(statement('RaiseConfiguredGroups', ['autoscaling:UpdateAutoScalingGroup'], groupArns));
    }
    const dns = props.config.dns;
    const dataPlane = props.config.policies.failover.mode === 'data-plane';
    if (dataPlane) {
      // No Route 53 grant but the readiness check's read: traffic moves through Ballast's metric and the alarms
      // on it (raised in the destination; on the way home, lowered in the region traffic leaves).
      const prefix = dataPlaneAlarmPrefix(props.config);
      const slots = props.config.policies.failover.rungs.length;
      const alarmArns = Object.keys(props.config.regions)
        .filter((r) => r !== props.config.primaryRegion)
        .flatMap((region) =>
          (['take', 'release'] as const).flatMap((kind) =>
            Array.from({ length: slots }, (_, i) =>
              stack.formatArn({
                service: 'cloudwatch',
                region,
                resource: 'alarm',
                resourceName: alarmName(prefix, kind, region, i + 1),
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ),
          ),
        );
      statements.push(
        statement('PublishTrafficLevels', ['cloudwatch:PutMetricData'], ['*'], {
          StringEquals: { 'cloudwatch:namespace': DATA_PLANE_NAMESPACE },
        }),
        statement('ReadTrafficAlarms', ['cloudwatch:DescribeAlarms'], alarmArns),
      );
    }
    if (dns) {
      const zoneArn = `arn:${stack.partition}:route53:::hostedzone/${dns.hostedZoneId}`;
      statements.push(statement('ReadSteeredZone', ['route53:ListResourceRecordSets'], [zoneArn]));
    }
    if (dns && !dataPlane) {
      const zoneArn = `arn:${stack.partition}:route53:::hostedzone/${dns.hostedZoneId}`;
      statements.push(
        statement('SteerConfiguredRecords', ['route53:ChangeResourceRecordSets'], [zoneArn], {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': dns.records.map((r) =>
              r.name.replace(/\.$/, '').toLowerCase(),
            ),
            'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
          },
        }),
      );
      statements.push(statement('ReadChanges', ['route53:GetChange'], [`arn:${stack.partition}:route53:::change/*`]));
    }
    for (const s of statements) this.stepsFunction.addToRolePolicy(s);
    props.ledger.grantReadWriteData(this.stepsFunction);
    props.ledger.grantReadData(this.validateFunction);
    const fenceRegion = props.config.policies.failover.fenceRegion;
    if (fenceRegion && fenceRegion !== props.region) {
      const fenceTable = stack.formatArn({
        service: 'dynamodb',
        region: fenceRegion,
        resource: 'table',
        resourceName: ledgerTableName(props.config),
      });
      this.validateFunction.addToRolePolicy(statement('ReadFence', ['dynamodb:GetItem'], [fenceTable]));
      this.stepsFunction.addToRolePolicy(
        statement('WriteFence', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [fenceTable]),
      );
    }

    const acknowledge = (fn: lambda.Function, id: string, reason: string) => {
      if (fn.role) Validations.of(fn.role).acknowledge({ id, reason });
    };
    acknowledge(
      this.stepsFunction,
      'AwsSolutions-IAM5[Resource::*]',
      `DescribeScalableTargets, DescribeAutoScalingGroups, DescribeTargetGroups, DescribeTargetHealth and GetMetricData support no resource-level permissions (read-only); RegisterScalableTarget supports none either and is held to the ecs namespace by a condition${dataPlane ? `; PutMetricData supports none and is held to the ${DATA_PLANE_NAMESPACE} namespace by a condition` : ''}.`,
    );
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    for (const g of here.autoScalingGroups) {
      acknowledge(
        this.stepsFunction,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:${region}:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/${g.name}]`,
        `Auto Scaling group ARNs contain a UUID unknown at deploy time; the name (${g.name}) scopes it.`,
      );
    }
    if (!dataPlane) {
      acknowledge(
        this.stepsFunction,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]',
        'GetChange takes change ids that Route 53 assigns per ChangeResourceRecordSets call: unknown at deploy time.',
      );
    }
    const table = props.ledger.node.defaultChild as CfnElement | undefined;
    if (table) {
      for (const fn of [this.validateFunction, this.stepsFunction]) {
        acknowledge(
          fn,
          `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(table)}.Arn>/index/*]`,
          "grant*Data includes the ledger's indexes (byKind), which failover records are listed by.",
        );
      }
    }
    const workflowRole = this.stateMachine.role;
    Validations.of(workflowRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing and CloudWatch Logs delivery of the state machine support no resource-level permissions.',
    });
    for (const fn of [this.validateFunction, this.stepsFunction]) {
      Validations.of(workflowRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'The workflow invokes its own functions, any version or alias of them.',
      });
    }
  }
}

export interface DataPlaneRecordsProps {
  readonly config: BallastConfig;
  /** The region of this stack: its records are made here. */
  readonly region: string;
}

/**
 * `data-plane` mode, made at deploy so that a failover calls no Route 53 API (see
 * functions/region-failover/core/data-plane.ts): for every steered record, one weighted record per rung ("slot",
 * SetIdentifier `<region>-slot-<k>`, weight = the rung's step out of 200) answering `targets[<region>]`, each
 * behind a health check.
 *  - A non-home region: its `take-<region>-<k>` and `release-<region>-<k>` alarms on Ballast's metric (ALARM
 *    while the level >= k; missing data `ignore`: a published level holds until the next one) and, per slot, a
 *    CLOUDWATCH_METRIC check on the take alarm, inverted (healthy once the region has taken the slot).
 *  - The home region (primaryRegion): per slot a CALCULATED check, healthy while none of the other regions'
 *    release alarms is in ALARM (one CLOUDWATCH_METRIC child per region; the alarms are named, not referenced,
 *    so no stack reads another's outputs).
 * Every check reads an alarm it cannot get as `LastKnownStatus`: a CloudWatch blip moves no traffic.
 */
export class DataPlaneRecords extends Construct {
  /** The alarms Ballast's metric drives in this region (none in the home region). */
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly healthChecks: route53.CfnHealthCheck[] = [];
  readonly records: route53.CfnRecordSet[] = [];

  constructor(scope: Construct, id: string, props: DataPlaneRecordsProps) {
    super(scope, id);
    const { config, region } = props;
    const dns = config.dns;
    if (!dns) throw new Error("policies.failover.mode 'data-plane' needs dns (the schema checks this)");
    const rungs = config.policies.failover.rungs;
    const weights = slotWeights(rungs);
    const prefix = dataPlaneAlarmPrefix(config);
    const home = config.primaryRegion;
    const others = Object.keys(config.regions)
      .filter((r) => r !== home)
      .sort();
    const alarmsNs = new Construct(this, 'Alarms');
    const checksNs = new Construct(this, 'HealthChecks');
    const recordsNs = new Construct(this, 'Records');
    for (let slot = 1; slot <= rungs.length; slot++) {
      const slotChecks = new Construct(checksNs, `Slot${slot}`);
      let check: route53.CfnHealthCheck;
      if (region === home) {
        const children = others.map((other) =>
          alarmCheck(slotChecks, `Released${pascal(other)}`, other, alarmName(prefix, 'release', other, slot), false),
        );
        check = new route53.CfnHealthCheck(slotChecks, 'Home', {
          healthCheckConfig: {
            type: 'CALCULATED',
            childHealthChecks: children.map((c) => c.attrHealthCheckId),
            healthThreshold: children.length,
          },
          healthCheckTags: [{ key: 'Name', value: `${prefix}-home-${region}-${slot}` }],
        });
        this.healthChecks.push(...children, check);
      } else {
        const slotAlarms = new Construct(alarmsNs, `Slot${slot}`);
        this.alarms.push(levelAlarm(slotAlarms, 'take', slot), levelAlarm(slotAlarms, 'release', slot));
        check = alarmCheck(slotChecks, 'Taken', region, alarmName(prefix, 'take', region, slot), true);
        this.healthChecks.push(check);
      }
      dns.records.forEach((record, r) => {
        const target = record.targets?.[region];
        if (!target) throw new Error(`dns.records[${r}].targets.${region} is missing (the schema checks this)`);
        this.records.push(
          new route53.CfnRecordSet(recordsNs, `Record${r}Slot${slot}`, {
            hostedZoneId: dns.hostedZoneId,
            name: record.name,
            type: record.type,
            ttl: String(dns.ttl),
            resourceRecords: [target],
            setIdentifier: slotSetIdentifier(region, slot),
            weight: weights[slot - 1] ?? 0,
            healthCheckId: check.attrHealthCheckId,
          }),
        );
      });
    }

    function alarmCheck(ns: Construct, checkId: string, alarmRegion: string, name: string, inverted: boolean) {
      return new route53.CfnHealthCheck(ns, checkId, {
        healthCheckConfig: {
          type: 'CLOUDWATCH_METRIC',
          alarmIdentifier: { region: alarmRegion, name },
          insufficientDataHealthStatus: 'LastKnownStatus',
          inverted,
        },
        healthCheckTags: [{ key: 'Name', value: `${name}${inverted ? ' (inverted)' : ''}` }],
      });
    }

    function levelAlarm(ns: Construct, kind: AlarmKind, slot: number): cloudwatch.Alarm {
      return new cloudwatch.Alarm(ns, kind === 'take' ? 'Take' : 'Release', {
        alarmName: alarmName(prefix, kind, region, slot),
        alarmDescription: `Ballast data-plane failover: ALARM while ${kind === 'take' ? `${region} has taken` : 'the home region has released'} slot ${slot} of every steered record. Driven by Ballast's metric; do not edit.`,
        metric: new cloudwatch.Metric({
          namespace: DATA_PLANE_NAMESPACE,
          metricName: kind === 'take' ? TAKE_METRIC : RELEASE_METRIC,
          dimensionsMap: { Region: region },
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        threshold: slot,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
        actionsEnabled: false,
      });
    }
  }
}

const pascal = (text: string): string =>
  text
    .split(/[^A-Za-z0-9]+/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
