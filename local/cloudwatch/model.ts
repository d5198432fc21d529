import { AwsError } from '../core/aws-error.ts';
import type { TimerHandle } from '../core/clock.ts';
import type { Kernel } from '../core/kernel.ts';
import {
  ALARM_STATES,
  type Alarm,
  type AlarmDefinition,
  type AlarmState,
  alarmEventConfiguration,
  COMPARISON_OPERATORS,
  type ComparisonOperator,
  describeAlarm,
  evaluateAlarm,
  type TreatMissingData,
} from './alarm.ts';
import { HEALTH_NOTICE_LAG_MS, postHealthNotice } from './health.ts';
import {
  type Dimension,
  type MetricRef,
  MetricStore,
  STATISTICS,
  type Statistic,
  type StatisticSet,
} from './metrics.ts';

/**
 * CloudWatch in one region: the metric store, metric alarms evaluated every minute, the ECS service
 * metrics AWS publishes on its own (CPUUtilization per service, Container Insights task counts), and an
 * impairment switch that reproduces 2020-11-25 in us-east-1: PutMetricData fails with a 500, no new data
 * points arrive, and alarms drift to INSUFFICIENT_DATA once their evaluation periods hold no data.
 */

const MINUTE = 60_000;
/** CloudWatch's modelled 500 (the SDK raises it as InternalServiceFault). */
export const CLOUDWATCH_INTERNAL_ERROR = 'InternalServiceError';

/** Called every evaluation while the alarm is in ALARM with actions enabled (how Auto Scaling actions work). */
/**
 * Where the service metrics CloudWatch receives come from, the only view it has of its neighbours: ECS's
 * counts per service (Container Insights) and the load on the service's tasks (for CPUUtilization).
 */
export interface MetricSources {
  service(
    cluster: string,
    service: string,
  ): { readonly runningCount: number; readonly pendingCount: number; readonly desiredCount: number } | undefined;
  /** Offered load over serving capacity of the service's tasks (1 = saturated). */
  utilization(cluster: string, service: string): number;
  /** Other metrics AWS publishes on its own for the minute starting at `at` (the load balancers'). */
  publishedMetrics?(at: number): ReadonlyArray<{ readonly ref: MetricRef; readonly stats: StatisticSet }>;
}

export type AlarmActionHandler = (alarm: Alarm, latest: number | undefined) => void;

export interface ImpairOptions {
  /** Also fail reads (GetMetricData, DescribeAlarms). @default false */
  readonly failReads?: boolean;
  /** Restore on its own after this many virtual milliseconds. */
  readonly forMs?: number;
  /** When AWS Health posts its notice, after the impairment began (health.ts). @default 75 minutes */
  readonly healthNoticeAfterMs?: number;
}

interface WatchedService {
  readonly cluster: string;
  readonly service: string;
  /** The dimensions its metrics carry (one array, so the store's key for it is computed once). */
  readonly dimensions: readonly Dimension[];
}

const asDate = (value: unknown, field: string): number => {
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'number' ? value * 1000 : Date.parse(String(value));
  if (!Number.isFinite(ms))
    throw new AwsError('InvalidParameterValue', `The parameter ${field} must be a valid timestamp.`);
  return ms;
};

export class CloudWatchRegion {
  readonly metrics = new MetricStore();
  private readonly alarms = new Map<string, Alarm>();
  private readonly latest = new Map<string, number | undefined>();
  private readonly actionHandlers = new Map<string, AlarmActionHandler>();
  private readonly watched = new Map<string, WatchedService>();
  private impairment: { readonly since: number; readonly failReads: boolean; timer?: TimerHandle } | undefined;
  private ticker: TimerHandle | undefined;
  private healthNotice: { readonly since: number; readonly lag: number; readonly posted: boolean } | undefined;

  constructor(
    readonly kernel: Kernel,
    readonly region: string,
    private readonly sources: MetricSources,
  ) {}

  // ---- Impairment ----------------------------------------------------------------------------------

  get impaired(): boolean {
    return this.impairment !== undefined;
  }

  /** From now on, metrics stop: PutMetricData fails, AWS's own metrics are lost, alarms starve. */
  impair(options: ImpairOptions = {}): void {
    this.kernel.clock.cancel(this.impairment?.timer);
    const since = this.kernel.now();
    this.impairment = { since, failReads: options.failReads ?? false };
    const lag = options.healthNoticeAfterMs ?? HEALTH_NOTICE_LAG_MS;
    this.kernel.clock.after(lag, `health notice ${this.region}`, () => {
      postHealthNotice(this.kernel, this.region, since, 'open');
      this.healthNotice = { since, lag, posted: true };
      if (!this.impairment || this.impairment.since !== since) this.closeHealthNotice();
    });
    this.healthNotice = { since, lag, posted: false };
    if (options.forMs !== undefined) {
      this.impairment.timer = this.kernel.clock.after(options.forMs, `cloudwatch ${this.region} restore`, () =>
        this.restore(),
      );
    }
    this.kernel.note(this.region, 'cloudwatch', 'CloudWatch impaired: PutMetricData fails, no new data points');
    this.ensureTicking();
  }

  restore(): void {
    if (!this.impairment) return;
    this.kernel.clock.cancel(this.impairment.timer);
    this.impairment = undefined;
    this.kernel.note(this.region, 'cloudwatch', 'CloudWatch restored: data points flow again');
    if (this.healthNotice?.posted) this.closeHealthNotice();
  }

  private closeHealthNotice(): void {
    const notice = this.healthNotice;
    if (!notice) return;
    this.healthNotice = undefined;
    this.kernel.clock.after(notice.lag / 2, `health notice ${this.region} closed`, () =>
      postHealthNotice(this.kernel, this.region, notice.since, 'closed'),
    );
  }

  private failWhenImpaired(read: boolean): void {
    if (this.impairment && (!read || this.impairment.failReads)) {
      throw new AwsError(CLOUDWATCH_INTERNAL_ERROR, 'Internal service error', 500);
    }
  }

  // ---- Domain API (used by Application Auto Scaling, the fleet builder and scenarios) ----------------

  /** AWS's metrics for one ECS service stop (its alarms starve and go INSUFFICIENT_DATA; nothing else changes). */
  unwatchEcsService(cluster: string, service: string): void {
    this.watched.delete(`${cluster}/${service}`);
  }

  /** Publishes AWS's own metrics for an ECS service every minute (AWS/ECS CPUUtilization, task counts). */
  watchEcsService(cluster: string, service: string): void {
    const key = `${cluster}/${service}`;
    if (this.watched.has(key)) return;
    const dimensions = Object.freeze([
      { Name: 'ClusterName', Value: cluster },
      { Name: 'ServiceName', Value: service },
    ]);
    this.watched.set(key, { cluster, service, dimensions });
    this.ensureTicking();
  }

  alarm(name: string): Alarm | undefined {
    return this.alarms.get(name);
  }

  allAlarms(): Alarm[] {
    return [...this.alarms.values()];
  }

  /** Alarms per state, e.g. to tell how many target-tracking alarms went INSUFFICIENT_DATA together. */
  alarmCounts(prefix = ''): Record<AlarmState, number> {
    const counts: Record<AlarmState, number> = { OK: 0, ALARM: 0, INSUFFICIENT_DATA: 0 };
    for (const alarm of this.alarms.values()) if (alarm.AlarmName.startsWith(prefix)) counts[alarm.StateValue]++;
    return counts;
  }

  /** Creates or replaces an alarm; its state is kept on update, INSUFFICIENT_DATA on creation (like AWS). */
  putAlarm(definition: AlarmDefinition): Alarm {
    const now = this.kernel.clock.date();
    const existing = this.alarms.get(definition.AlarmName);
    const alarm: Alarm = {
      ...definition,
      AlarmArn: this.kernel.arn('cloudwatch', this.region, `alarm:${definition.AlarmName}`),
      AlarmConfigurationUpdatedTimestamp: now,
      StateValue: existing?.StateValue ?? 'INSUFFICIENT_DATA',
      StateReason: existing?.StateReason ?? 'Unchecked: Initial alarm creation',
      StateReasonData: existing?.StateReasonData,
      StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? now,
      StateTransitionedTimestamp: existing?.StateTransitionedTimestamp ?? now,
    };
    this.alarms.set(alarm.AlarmName, alarm);
    this.ensureTicking();
    return alarm;
  }

  deleteAlarm(name: string): boolean {
    this.latest.delete(name);
    return this.alarms.delete(name);
  }

  /** Routes an alarm action ARN (a scaling policy's ARN) to the code that acts on it. */
  onAlarmAction(actionArn: string, handler: AlarmActionHandler): void {
    this.actionHandlers.set(actionArn, handler);
  }

  offAlarmAction(actionArn: string): void {
    this.actionHandlers.delete(actionArn);
  }

  /** The newest data point the alarm evaluated, if any. */
  latestValue(alarmName: string): number | undefined {
    return this.latest.get(alarmName);
  }

  // ---- The minute tick ------------------------------------------------------------------------------

  private ensureTicking(): void {
    if (this.ticker) return;
    const now = this.kernel.now();
    const next = Math.floor(now / MINUTE) * MINUTE + MINUTE;
    this.ticker = this.kernel.clock.schedule(next, `cloudwatch ${this.region} tick`, () => this.tick());
  }

  private tick(): void {
    const now = this.kernel.now();
    this.ticker = this.kernel.clock.schedule(now + MINUTE, `cloudwatch ${this.region} tick`, () => this.tick());
    if (!this.impairment) this.publishServiceMetrics(now - MINUTE);
    if (now % (6 * 3600_000) === 0) this.metrics.trim(now);
    this.evaluateAll(now);
  }

  private publishServiceMetrics(at: number): void {
    if (this.kernel.isRegionDown(this.region)) return;
    for (const { ref, stats } of this.sources.publishedMetrics?.(at) ?? []) this.metrics.put(ref, at, stats);
    for (const { cluster, service, dimensions: dims } of this.watched.values()) {
      const svc = this.sources.service(cluster, service);
      if (!svc) continue;
      const insights = (metricName: string, value: number) =>
        this.metrics.putValue({ namespace: 'ECS/ContainerInsights', metricName, dimensions: dims }, at, value);
      insights('RunningTaskCount', svc.runningCount);
      insights('PendingTaskCount', svc.pendingCount);
      insights('DesiredTaskCount', svc.desiredCount);
      // ECS publishes service CPU only while tasks run.
      if (svc.runningCount === 0) continue;
      const utilization = this.sources.utilization(cluster, service);
      const cpu = Number.isFinite(utilization) ? Math.min(100, Math.max(0, utilization * 100)) : 100;
      this.metrics.putValue({ namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: dims }, at, cpu);
      // Memory follows load loosely: a resident baseline plus a share of the work in flight.
      const memory = Math.min(100, 20 + cpu / 2);
      this.metrics.putValue({ namespace: 'AWS/ECS', metricName: 'MemoryUtilization', dimensions: dims }, at, memory);
    }
  }

  /** Evaluates every alarm, emits state-change events, notes them once per tick and runs alarm actions. */
  private evaluateAll(now: number): void {
    const changed: Array<{ alarm: Alarm; from: AlarmState }> = [];
    for (const alarm of this.alarms.values()) {
      const result = evaluateAlarm(alarm, this.metrics, now);
      this.latest.set(alarm.AlarmName, result.latest);
      const from = alarm.StateValue;
      if (result.state !== from) {
        const { reason, reasonData } = result.explain();
        this.transition(alarm, result.state, reason, reasonData);
        changed.push({ alarm, from });
      }
    }
    this.noteChanges(changed);
    for (const alarm of [...this.alarms.values()]) {
      if (alarm.StateValue !== 'ALARM' || !alarm.ActionsEnabled) continue;
      for (const action of alarm.AlarmActions)
        this.actionHandlers.get(action)?.(alarm, this.latest.get(alarm.AlarmName));
    }
  }

  private transition(alarm: Alarm, state: AlarmState, reason: string, reasonData: string | undefined): void {
    const previous = {
      value: alarm.StateValue,
      reason: alarm.StateReason,
      reasonData: alarm.StateReasonData,
      timestamp: eventTime(alarm.StateUpdatedTimestamp),
    };
    const now = this.kernel.clock.date();
    alarm.StateValue = state;
    alarm.StateReason = reason;
    alarm.StateReasonData = reasonData;
    alarm.StateUpdatedTimestamp = now;
    alarm.StateTransitionedTimestamp = now;
    this.kernel.emit(
      this.region,
      'aws.cloudwatch',
      'CloudWatch Alarm State Change',
      {
        alarmName: alarm.AlarmName,
        state: { value: state, reason, reasonData, timestamp: eventTime(now) },
        previousState: previous,
        configuration: alarmEventConfiguration(alarm),
      },
      [alarm.AlarmArn],
    );
  }

  private noteChanges(changed: Array<{ alarm: Alarm; from: AlarmState }>): void {
    const byState = new Map<AlarmState, string[]>();
    for (const { alarm } of changed) {
      const names = byState.get(alarm.StateValue) ?? [];
      names.push(alarm.AlarmName);
      byState.set(alarm.StateValue, names);
    }
    for (const [state, names] of byState) {
      if (names.length === 1) {
        const one = changed.find((c) => c.alarm.AlarmName === names[0])!;
        this.kernel.note(this.region, 'alarm', `${names[0]} ${one.from} → ${state}`);
      } else {
        const shown = names.slice(0, 2).join(', ');
        const more = names.length > 2 ? `, +${names.length - 2} more` : '';
        this.kernel.note(this.region, 'alarm', `${names.length} alarms → ${state} (${shown}${more})`);
      }
    }
  }

  // ---- API operations (SDK v3 shapes) --------------------------------------------------------------

  putMetricData(input: {
    Namespace?: string;
    MetricData?: Array<{
      MetricName?: string;
      Dimensions?: Dimension[];
      Timestamp?: Date | string | number;
      Value?: number;
      Values?: number[];
      Counts?: number[];
      StatisticValues?: { SampleCount?: number; Sum?: number; Minimum?: number; Maximum?: number };
    }>;
  }): Record<string, never> {
    const namespace = requireParam(input.Namespace, 'Namespace');
    if (namespace.startsWith('AWS/')) {
      throw new AwsError('InvalidParameterValue', `The value ${namespace} for parameter Namespace is invalid.`);
    }
    const data = input.MetricData ?? [];
    if (data.length === 0) throw new AwsError('MissingParameter', 'The parameter MetricData is required.');
    if (data.length > 1000) {
      throw new AwsError('InvalidParameterValue', 'The collection MetricData must not have a size greater than 1000.');
    }
    this.failWhenImpaired(false);
    const now = this.kernel.now();
    for (const [i, datum] of data.entries()) {
      const metricName = requireParam(datum.MetricName, `MetricData.member.${i + 1}.MetricName`);
      const ref = { namespace, metricName, dimensions: datum.Dimensions ?? [] };
      if (ref.dimensions.length > 30) {
        throw new AwsError('InvalidParameterValue', 'The collection Dimensions must not have a size greater than 30.');
      }
      const at = datum.Timestamp === undefined ? now : asDate(datum.Timestamp, 'Timestamp');
      if (datum.StatisticValues) {
        const s = datum.StatisticValues;
        this.metrics.put(ref, at, {
          sum: s.Sum ?? 0,
          count: s.SampleCount ?? 1,
          min: s.Minimum ?? 0,
          max: s.Maximum ?? 0,
        });
      } else if (datum.Values) {
        datum.Values.forEach((v, j) => {
          const count = datum.Counts?.[j] ?? 1;
          this.metrics.put(ref, at, { sum: v * count, count, min: v, max: v });
        });
      } else if (datum.Value !== undefined) {
        this.metrics.putValue(ref, at, datum.Value);
      } else {
        throw new AwsError('MissingParameter', `The parameter MetricData.member.${i + 1}.Value is required.`);
      }
    }
    this.ensureTicking();
    return {};
  }

  getMetricData(input: {
    MetricDataQueries?: Array<{
      Id?: string;
      Label?: string;
      ReturnData?: boolean;
      Expression?: string;
      MetricStat?: {
        Metric?: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] };
        Period?: number;
        Stat?: string;
      };
    }>;
    StartTime?: Date | string | number;
    EndTime?: Date | string | number;
    ScanBy?: 'TimestampDescending' | 'TimestampAscending';
  }): Record<string, unknown> {
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0) throw new AwsError('MissingParameter', 'The parameter MetricDataQueries is required.');
    if (queries.length > 500) {
      throw new AwsError(
        'InvalidParameterValue',
        'The collection MetricDataQueries must not have a size greater than 500.',
      );
    }
    const start = asDate(requireParam(input.StartTime, 'StartTime'), 'StartTime');
    const end = asDate(requireParam(input.EndTime, 'EndTime'), 'EndTime');
    if (start >= end)
      throw new AwsError('ValidationError', 'The parameter StartTime must be less than the parameter EndTime.');
    this.failWhenImpaired(true);
    const results = queries.map((q, i) => {
      const id = requireParam(q.Id, `MetricDataQueries.member.${i + 1}.Id`);
      if (q.Expression !== undefined) {
        throw new AwsError('InvalidParameterValue', 'Metric math expressions are not evaluated by the local cloud.');
      }
      const stat = requireParam(q.MetricStat, `MetricDataQueries.member.${i + 1}.MetricStat`);
      const metric = requireParam(stat.Metric, `MetricDataQueries.member.${i + 1}.MetricStat.Metric`);
      const percentile = /^p(\d{1,2}(\.\d+)?|100)$/.exec(stat.Stat ?? '');
      const statistic = percentile ? undefined : parseStatistic(stat.Stat);
      const period = requirePeriod(stat.Period);
      const ref = {
        namespace: requireParam(metric.Namespace, 'Namespace'),
        metricName: requireParam(metric.MetricName, 'MetricName'),
        dimensions: metric.Dimensions ?? [],
      };
      const points = statistic
        ? this.metrics.periods(ref, start, end, period * 1000, statistic)
        : this.metrics.percentilePeriods(ref, start, end, period * 1000, Number(percentile?.[1]));
      if (input.ScanBy === 'TimestampAscending') points.reverse();
      return {
        Id: id,
        Label: q.Label ?? ref.metricName,
        Timestamps: points.map(([t]) => new Date(t)),
        Values: points.map(([, v]) => v),
        StatusCode: 'Complete',
        Messages: [],
      };
    });
    return { MetricDataResults: results.filter((_, i) => queries[i]?.ReturnData !== false), Messages: [] };
  }

  describeAlarms(input: {
    AlarmNames?: string[];
    AlarmNamePrefix?: string;
    StateValue?: string;
    ActionPrefix?: string;
    AlarmTypes?: string[];
    MaxRecords?: number;
    NextToken?: string;
  }): Record<string, unknown> {
    if (input.AlarmNames?.length && input.AlarmNamePrefix !== undefined) {
      throw new AwsError('InvalidParameterCombination', 'AlarmNames and AlarmNamePrefix cannot be specified together.');
    }
    if ((input.AlarmNames?.length ?? 0) > 100) {
      throw new AwsError('InvalidParameterValue', 'The collection AlarmNames must not have a size greater than 100.');
    }
    if (input.StateValue !== undefined && !ALARM_STATES.includes(input.StateValue as AlarmState)) {
      throw new AwsError('InvalidParameterValue', `The value ${input.StateValue} for parameter StateValue is invalid.`);
    }
    const max = input.MaxRecords ?? 50;
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw new AwsError('InvalidParameterValue', 'The parameter MaxRecords must be between 1 and 100.');
    }
    this.failWhenImpaired(true);
    const names = input.AlarmNames?.length ? new Set(input.AlarmNames) : undefined;
    const wantsMetricAlarms = !input.AlarmTypes?.length || input.AlarmTypes.includes('MetricAlarm');
    const matching = [...this.alarms.values()]
      .filter(() => wantsMetricAlarms)
      .filter((a) => !names || names.has(a.AlarmName))
      .filter((a) => input.AlarmNamePrefix === undefined || a.AlarmName.startsWith(input.AlarmNamePrefix))
      .filter((a) => input.StateValue === undefined || a.StateValue === input.StateValue)
      .filter((a) => input.ActionPrefix === undefined || a.AlarmActions.some((x) => x.startsWith(input.ActionPrefix!)))
      .sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : a.AlarmName > b.AlarmName ? 1 : 0));
    let start = 0;
    if (input.NextToken !== undefined) {
      const decoded = decodeToken(input.NextToken);
      if (decoded === undefined || decoded > matching.length) {
        throw new AwsError('InvalidNextToken', 'The service returned an invalid next token.');
      }
      start = decoded;
    }
    const page = matching.slice(start, start + max);
    const next = start + max < matching.length ? encodeToken(start + max) : undefined;
    return { MetricAlarms: page.map(describeAlarm), CompositeAlarms: [], NextToken: next };
  }

  putMetricAlarm(input: Record<string, unknown>): Record<string, never> {
    if (input.Metrics !== undefined) {
      throw new AwsError('InvalidParameterValue', 'Metric math alarms are not evaluated by the local cloud.');
    }
    const name = requireParam(input.AlarmName as string | undefined, 'AlarmName');
    if (name.length > 255)
      throw new AwsError('InvalidParameterValue', 'The parameter AlarmName must be at most 255 characters.');
    const op = requireParam(input.ComparisonOperator as string | undefined, 'ComparisonOperator');
    if (!COMPARISON_OPERATORS.includes(op as ComparisonOperator)) {
      throw new AwsError('InvalidParameterValue', `The value ${op} for parameter ComparisonOperator is invalid.`);
    }
    const evaluationPeriods = requireParam(input.EvaluationPeriods as number | undefined, 'EvaluationPeriods');
    const datapoints = input.DatapointsToAlarm as number | undefined;
    if (datapoints !== undefined && datapoints > evaluationPeriods) {
      throw new AwsError('ValidationError', 'DatapointsToAlarm must be less than or equal to EvaluationPeriods.');
    }
    this.failWhenImpaired(false);
    this.putAlarm({
      AlarmName: name,
      AlarmDescription: input.AlarmDescription as string | undefined,
      ActionsEnabled: (input.ActionsEnabled as boolean | undefined) ?? true,
      AlarmActions: (input.AlarmActions as string[] | undefined) ?? [],
      OKActions: (input.OKActions as string[] | undefined) ?? [],
      InsufficientDataActions: (input.InsufficientDataActions as string[] | undefined) ?? [],
      Namespace: requireParam(input.Namespace as string | undefined, 'Namespace'),
      MetricName: requireParam(input.MetricName as string | undefined, 'MetricName'),
      Dimensions: (input.Dimensions as Dimension[] | undefined) ?? [],
      Statistic: parseStatistic(input.Statistic as string | undefined),
      Period: requirePeriod(input.Period as number | undefined),
      EvaluationPeriods: evaluationPeriods,
      DatapointsToAlarm: datapoints,
      Threshold: requireParam(input.Threshold as number | undefined, 'Threshold'),
      ComparisonOperator: op as ComparisonOperator,
      TreatMissingData: input.TreatMissingData as TreatMissingData | undefined,
      Unit: input.Unit as string | undefined,
    });
    return {};
  }

  deleteAlarms(input: { AlarmNames?: string[] }): Record<string, never> {
    const names = input.AlarmNames ?? [];
    const missing = names.filter((n) => !this.alarms.has(n));
    if (missing.length > 0) throw new AwsError('ResourceNotFound', `Alarms not found: ${missing.join(', ')}`, 404);
    this.failWhenImpaired(false);
    for (const name of names) this.deleteAlarm(name);
    return {};
  }

  setAlarmState(input: { AlarmName?: string; StateValue?: string; StateReason?: string; StateReasonData?: string }) {
    const name = requireParam(input.AlarmName, 'AlarmName');
    const state = requireParam(input.StateValue, 'StateValue') as AlarmState;
    if (!ALARM_STATES.includes(state)) {
      throw new AwsError('InvalidParameterValue', `The value ${state} for parameter StateValue is invalid.`);
    }
    const alarm = this.alarms.get(name);
    if (!alarm) throw new AwsError('ResourceNotFound', `Alarm ${name} does not exist.`, 404);
    this.failWhenImpaired(false);
    const from = alarm.StateValue;
    if (from !== state) {
      this.transition(alarm, state, requireParam(input.StateReason, 'StateReason'), input.StateReasonData);
      this.noteChanges([{ alarm, from }]);
    }
    return {};
  }
}

function requireParam<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null || value === '') {
    throw new AwsError('MissingParameter', `The parameter ${field} is required.`);
  }
  return value;
}

function parseStatistic(value: string | undefined): Statistic {
  const stat = requireParam(value, 'Statistic');
  if (!STATISTICS.includes(stat as Statistic)) {
    throw new AwsError('InvalidParameterValue', `The value ${stat} for parameter Statistic is invalid.`);
  }
  return stat as Statistic;
}

function requirePeriod(value: number | undefined): number {
  const period = requireParam(value, 'Period');
  if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
    throw new AwsError(
      'InvalidParameterValue',
      'The parameter Period must be a multiple of 60 (the local cloud keeps standard resolution only).',
    );
  }
  return period;
}

/** Alarm events carry timestamps like 2026-11-25T02:03:00.000+0000. */
function eventTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ cw: offset })).toString('base64');
}

function decodeToken(token: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { cw?: unknown };
    return typeof parsed.cw === 'number' ? parsed.cw : undefined;
  } catch {
    return undefined;
  }
}
