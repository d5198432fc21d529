import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface BallastStateMachineProps {
  /** Physical name; also the prefix of every execution's ARN. */
  readonly stateMachineName: string;
  readonly definitionBody: sfn.DefinitionBody;
  readonly comment: string;
  /** Hard cap on one execution. */
  readonly timeout: Duration;
}

/**
 * Every Ballast workflow is a Standard state machine (exactly-once, up to a year, full history), in the
 * JSONPath query language (the local runner executes no JSONata), logging ALL events with execution data
 * to an explicit log group, with X-Ray tracing.
 */
export function createStateMachine(scope: Construct, id: string, props: BallastStateMachineProps): sfn.StateMachine {
  const ns = new Construct(scope, id);
  const logGroup = new logs.LogGroup(ns, 'Logs', {
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return new sfn.StateMachine(ns, 'StateMachine', {
    stateMachineName: props.stateMachineName,
    stateMachineType: sfn.StateMachineType.STANDARD,
    queryLanguage: sfn.QueryLanguage.JSON_PATH,
    definitionBody: props.definitionBody,
    comment: props.comment,
    timeout: props.timeout,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
  });
}
