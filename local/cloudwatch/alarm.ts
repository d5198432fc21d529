import type { Dimension, MetricStore, Statistic } from './metrics.ts';

/**
 * A CloudWatch metric alarm and how it is evaluated: the last `EvaluationPeriods` periods are read, an
 * alarm needs `DatapointsToAlarm` breaching data points, and with the default `TreatMissingData: missing`
 * an alarm that has no data in any of its periods goes INSUFFICIENT_DATA (what every target-tracking
 * alarm did in us-east-1 on 2020-11-25).
 */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export const ALARM_STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
];

export type TreatMissingData = 'missing' | 'breaching' | 'notBreaching' | 'ignore';

/** What PutMetricAlarm sets (the SDK input's field names). */
export interface AlarmDefinition {
  readonly AlarmName: string;
  readonly AlarmDescription?: string;
  readonly ActionsEnabled: boolean;
  readonly AlarmActions: string[];
  readonly OKActions: string[];
  readonly InsufficientDataActions: string[];
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions: Dimension[];
  readonly Statistic: Statistic;
  readonly Period: number;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly Threshold: number;
  readonly ComparisonOperator: ComparisonOperator;
  readonly TreatMissingData?: TreatMissingData;
  readonly Unit?: string;
}

export interface Alarm extends AlarmDefinition {
  readonly AlarmArn: string;
  AlarmConfigurationUpdatedTimestamp: Date;
  StateValue: AlarmState;
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: Date;
  StateTransitionedTimestamp: Date;
}

export interface Evaluation {
  readonly state: AlarmState;
  readonly latest: number | undefined;
  /** The state reason and its data, as AWS writes them; built only when the state changes (it is costly). */
  explain(): { readonly reason: string; readonly reasonData: string };
}

export function breaches(op: ComparisonOperator, value: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

const OPERATOR_TEXT: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** Evaluates `alarm` at `now` over the complete periods that end at or before it. */
export function evaluateAlarm(alarm: Alarm, metrics: MetricStore, now: number): Evaluation {
  const period = alarm.Period * 1000;
  const end = Math.floor(now / period) * period;
  const ref = { namespace: alarm.Namespace, metricName: alarm.MetricName, dimensions: alarm.Dimensions };
  const values = metrics.recentPeriods(ref, end, period, alarm.EvaluationPeriods, alarm.Statistic);
  const treat = alarm.TreatMissingData ?? 'missing';
  const needed = alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods;
  let present = 0;
  let breaching = 0;
  let latest: number | undefined;
  for (const value of values) {
    if (value === undefined) continue;
    if (present === 0) latest = value;
    present++;
    if (breaches(alarm.ComparisonOperator, value, alarm.Threshold)) breaching++;
  }
  const missing = values.length - present;
  if (treat === 'breaching') breaching += missing;
  const explain = (reasonOf: (listed: string, op: string) => string) => () => {
    const points = values.flatMap((value, i) => (value === undefined ? [] : [{ at: end - (i + 1) * period, value }]));
    const listed = points.map((p) => `${round(p.value)} (${stamp(p.at)})`).join(', ');
    const reasonData = JSON.stringify({
      version: '1.0',
      queryDate: new Date(now).toISOString().replace('Z', '+0000'),
      statistic: alarm.Statistic,
      period: alarm.Period,
      recentDatapoints: points.map((p) => round(p.value)),
      threshold: alarm.Threshold,
    });
    return { reason: reasonOf(listed, OPERATOR_TEXT[alarm.ComparisonOperator]), reasonData };
  };
  if (breaching >= needed) {
    return {
      state: 'ALARM',
      latest,
      explain: explain(
        (listed, op) =>
          `Threshold Crossed: ${breaching} out of the last ${values.length} datapoints [${listed}] were ${op} the threshold (${alarm.Threshold.toFixed(1)}) (minimum ${needed} datapoints for OK -> ALARM transition).`,
      ),
    };
  }
  const noData = present === 0 && treat !== 'notBreaching' && treat !== 'breaching';
  if (noData) {
    if (treat === 'ignore' && alarm.StateValue !== 'INSUFFICIENT_DATA') {
      const kept = alarm.StateReason;
      return { state: alarm.StateValue, latest, explain: explain(() => kept) };
    }
    const n = values.length;
    return {
      state: 'INSUFFICIENT_DATA',
      latest,
      explain: explain(() => `Insufficient Data: ${n} datapoint${n === 1 ? ' was' : 's were'} unknown.`),
    };
  }
  return {
    state: 'OK',
    latest,
    explain: explain(
      (listed, op) =>
        `Threshold Crossed: ${values.length - breaching} out of the last ${values.length} datapoints [${listed}] were not ${op} the threshold (${alarm.Threshold.toFixed(1)}) (minimum 1 datapoint for ALARM -> OK transition).`,
    ),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** CloudWatch's reason timestamps: dd/MM/yy HH:mm:ss (UTC). */
function stamp(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** The alarm as DescribeAlarms returns it (MetricAlarm shape). */
export function describeAlarm(alarm: Alarm): Record<string, unknown> {
  return {
    AlarmName: alarm.AlarmName,
    AlarmArn: alarm.AlarmArn,
    AlarmDescription: alarm.AlarmDescription,
    AlarmConfigurationUpdatedTimestamp: alarm.AlarmConfigurationUpdatedTimestamp,
    ActionsEnabled: alarm.ActionsEnabled,
    OKActions: [...alarm.OKActions],
    AlarmActions: [...alarm.AlarmActions],
    InsufficientDataActions: [...alarm.InsufficientDataActions],
    StateValue: alarm.StateValue,
    StateReason: alarm.StateReason,
    StateReasonData: alarm.StateReasonData,
    StateUpdatedTimestamp: alarm.StateUpdatedTimestamp,
    StateTransitionedTimestamp: alarm.StateTransitionedTimestamp,
    MetricName: alarm.MetricName,
    Namespace: alarm.Namespace,
    Statistic: alarm.Statistic,
    Dimensions: alarm.Dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
    Period: alarm.Period,
    Unit: alarm.Unit,
    EvaluationPeriods: alarm.EvaluationPeriods,
    DatapointsToAlarm: alarm.DatapointsToAlarm,
    Threshold: alarm.Threshold,
    ComparisonOperator: alarm.ComparisonOperator,
    TreatMissingData: alarm.TreatMissingData,
  };
}

/** The `configuration` block of a "CloudWatch Alarm State Change" event. */
export function alarmEventConfiguration(alarm: Alarm): Record<string, unknown> {
  return {
    description: alarm.AlarmDescription,
    metrics: [
      {
        id: 'm1',
        metricStat: {
          metric: {
            namespace: alarm.Namespace,
            name: alarm.MetricName,
            dimensions: Object.fromEntries(alarm.Dimensions.map((d) => [d.Name, d.Value])),
          },
          period: alarm.Period,
          stat: alarm.Statistic,
        },
        returnData: true,
      },
    ],
  };
}
