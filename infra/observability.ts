import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  /** Name prefix: the dashboard is `<prefix>-<region>`, the alerts topic `<prefix>-alerts`. */
  readonly namePrefix: string;
  readonly region: string;
}

/**
 * What an operator watches: a dashboard of Ballast's workflows and functions, an alarm per workflow on
 * executions that fail, time out or are aborted, and an EventBridge rule that forwards each such execution
 * to the alerts topic (subscribe Slack, PagerDuty or e-mail to it).
 */
export class Observability extends Construct {
  readonly alerts: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  private readonly failedExecutions: events.Rule;
  private readonly watched: sfn.IStateMachine[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const key = new kms.Key(this, 'AlertsKey', {
      description: 'Encrypts Ballast alerts',
      enableKeyRotation: true,
    });
    // EventBridge and CloudWatch alarms publish to the encrypted topic, so they need the key.
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      key.grant(new iam.ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    this.alerts = new sns.Topic(this, 'Alerts', {
      topicName: `${props.namePrefix}-alerts`,
      displayName: 'Ballast alerts',
      masterKey: key,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, so the alarms' publisher must be allowed explicitly.
    this.alerts.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alerts.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${props.namePrefix}-${props.region}`,
      defaultInterval: Duration.hours(6),
    });
    this.failedExecutions = new events.Rule(this, 'FailedExecutions', {
      description: 'Ballast executions that failed, timed out or were aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [{ prefix: `arn:aws:states:${props.region}:` }],
        },
      },
      targets: [new targets.SnsTopic(this.alerts)],
    });
  }

  /** Adds a workflow: an alarm on its failed/timed-out/aborted executions and a row on the dashboard. */
  watchStateMachine(id: string, stateMachine: sfn.IStateMachine, title: string): cloudwatch.Alarm {
    this.watched.push(stateMachine);
    this.restrictRuleToWatched();
    const ns = new Construct(this, id);
    const period = Duration.minutes(5);
    const bad = new cloudwatch.MathExpression({
      label: 'failed + timed out + aborted',
      // A metric with no data point in the period would make the plain sum have none either: fill with 0.
      expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
      usingMetrics: {
        failed: stateMachine.metricFailed({ period, statistic: 'Sum' }),
        timedOut: stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
        aborted: stateMachine.metricAborted({ period, statistic: 'Sum' }),
      },
      period,
    });
    const alarm = new cloudwatch.Alarm(ns, 'Failures', {
      alarmDescription: `${title}: an execution failed, timed out or was aborted. See the execution history.`,
      metric: bad,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.alerts));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${title}: executions`,
        left: [
          stateMachine.metricStarted({ period }),
          stateMachine.metricSucceeded({ period }),
          stateMachine.metricFailed({ period }),
          stateMachine.metricTimedOut({ period }),
        ],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: `${title}: alarm`, alarms: [alarm], width: 12 }),
    );
    return alarm;
  }

  /** Adds a function: an alarm on its errors and a row on the dashboard. */
  watchFunction(id: string, fn: lambda.IFunction, title: string): cloudwatch.Alarm {
    const ns = new Construct(this, id);
    const alarm = new cloudwatch.Alarm(ns, 'Errors', {
      alarmDescription: `${title}: the function is throwing errors. See its log group.`,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 3,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.alerts));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${title}: invocations and errors`,
        left: [fn.metricInvocations(), fn.metricErrors()],
        right: [fn.metricDuration()],
        width: 24,
      }),
    );
    return alarm;
  }

  /** Narrows the failed-executions rule from "any state machine in the region" to Ballast's own. */
  private restrictRuleToWatched(): void {
    const cfn = this.failedExecutions.node.defaultChild as events.CfnRule;
    cfn.addPropertyOverride(
      'EventPattern.detail.stateMachineArn',
      this.watched.map((sm) => sm.stateMachineArn),
    );
  }
}
