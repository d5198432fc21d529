import { DescribeScalingPoliciesCommand } from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LIMITS } from '#config/limits.ts';
import type { ScalingDeps } from './deps.ts';
import type { Signals } from './detect.ts';
import { describeServices } from './fleet.ts';

/**
 * Reads the detector's signals from AWS, each from a different source so that one failure cannot fake them all:
 *  - canary: a data point Ballast publishes every run (`Ballast/Canary`, `Heartbeat`, dimension `App`) and
 *    reads back. `PutMetricData` failing, or the newest point older than `canaryStaleSeconds`, raises it;
 *  - insufficient-data: the target-tracking alarms of the configured services (found through Application
 *    Auto Scaling's policies, not guessed from names) read with `DescribeAlarms`; when the alarms cannot be
 *    read at all, target tracking cannot read them either, and the signal is raised;
 *  - pending-without-scaling: from ECS, services with tasks pending for `pendingSeconds` while their desired
 *    count stayed put (the detector's state remembers since when);
 *  - health-event: an open AWS Health event for CloudWatch, ECS or Auto Scaling in the region, recorded in the
 *    ledger by the `aws.health` rule. Confirmation only (see detect.ts).
 */
export const CANARY = { namespace: 'Ballast/Canary', metricName: 'Heartbeat' } as const;
export const HEALTH_SERVICES = ['CLOUDWATCH', 'ECS', 'AUTOSCALING', 'EC2'] as const;

export const healthKey = (region: string) => `HEALTH#${region}`;

export interface PendingMark {
  readonly since: string;
  readonly desired: number;
}

export interface SignalReadings {
  readonly signals: Signals;
  /** What each signal saw, for the events and the ledger. */
  readonly evidence: {
    readonly canary: string;
    readonly alarms: { readonly total: number; readonly insufficientData: number; readonly error?: string };
    readonly pending: readonly string[];
    readonly healthEvents: readonly string[];
  };
  /** The pending marks to keep for the next run. */
  readonly pendingSince: Readonly<Record<string, PendingMark>>;
  readonly alarmNames: AlarmNames;
  /** When the canary was first published successfully (a fresh deploy has no data point yet). */
  readonly canarySince?: string;
}

/** The target-tracking alarm names, and when they were read (refreshed every ALARM_NAMES_TTL_MS). */
export interface AlarmNames {
  readonly at: string;
  readonly names: readonly string[];
}

export interface PreviousReadings {
  readonly pendingSince: Readonly<Record<string, PendingMark>>;
  readonly alarmNames?: AlarmNames;
  readonly canarySince?: string;
}

type Deps = Pick<ScalingDeps, 'clients' | 'config' | 'clock' | 'history' | 'appName'>;

export async function readSignals(deps: Deps, previous: PreviousReadings): Promise<SignalReadings> {
  const now = deps.clock();
  const canary = await readCanary(deps, now, previous.canarySince);
  const fresh = previous.alarmNames && now.getTime() - Date.parse(previous.alarmNames.at) < ALARM_NAMES_TTL_MS;
  const alarmNames = fresh
    ? previous.alarmNames!
    : { at: now.toISOString(), names: await targetTrackingAlarmNames(deps) };
  const alarms = await readAlarms(deps, alarmNames.names);
  const pending = await readPending(deps, now, previous.pendingSince);
  const healthEvents = await readHealth(deps);
  return {
    signals: {
      canaryFailing: canary.failing,
      insufficientDataShare: alarms.error ? 1 : alarms.total === 0 ? 0 : alarms.insufficientData / alarms.total,
      pendingWithoutScaling: pending.stuck.length > 0,
      healthEvent: healthEvents.length > 0,
    },
    evidence: { canary: canary.detail, alarms, pending: pending.stuck, healthEvents },
    pendingSince: pending.marks,
    alarmNames,
    ...(canary.since ? { canarySince: canary.since } : {}),
  };
}

async function readCanary(
  deps: Deps,
  now: Date,
  canarySince: string | undefined,
): Promise<{ failing: boolean; detail: string; since?: string }> {
  const staleMs = deps.config.policy.detector.canaryStaleSeconds * 1000;
  const dimensions = [{ Name: 'App', Value: deps.appName }];
  let since = canarySince;
  try {
    await deps.clients.cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: CANARY.namespace,
        MetricData: [{ MetricName: CANARY.metricName, Dimensions: dimensions, Value: 1, Timestamp: now }],
      }),
    );
    since ??= now.toISOString();
  } catch (error) {
    return { failing: true, detail: `PutMetricData failed: ${errorName(error)}`, ...(since ? { since } : {}) };
  }
  try {
    const out = await deps.clients.cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 3 * staleMs),
        EndTime: new Date(now.getTime() + 60_000),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          {
            Id: 'canary',
            MetricStat: {
              Metric: { Namespace: CANARY.namespace, MetricName: CANARY.metricName, Dimensions: dimensions },
              Period: 60,
              Stat: 'SampleCount',
            },
          },
        ],
      }),
    );
    const newest = out.MetricDataResults?.[0]?.Timestamps?.reduce((a, t) => Math.max(a, t.getTime()), 0) ?? 0;
    const age = now.getTime() - newest;
    // A fresh deployment has published nothing older than the staleness window yet: not a signal.
    const young = now.getTime() - Date.parse(since ?? now.toISOString()) < staleMs;
    if (age > staleMs && !young) {
      return {
        failing: true,
        detail: newest === 0 ? 'no canary data point read back' : `newest canary point ${Math.round(age / 1000)} s old`,
        since: since!,
      };
    }
    return { failing: false, detail: 'canary published and read back', since: since! };
  } catch (error) {
    return { failing: true, detail: `GetMetricData failed: ${errorName(error)}`, since: since! };
  }
}

/** How long the detector keeps the list of target-tracking alarm names before asking again. */
export const ALARM_NAMES_TTL_MS = 30 * 60_000;

/** The target-tracking alarms of the configured services, from their scaling policies (paged, 10 a page). */
export async function targetTrackingAlarmNames(deps: Pick<Deps, 'clients' | 'config'>): Promise<string[]> {
  const wanted = new Set(deps.config.services.map((s) => `service/${s.cluster}/${s.name}`));
  const names: string[] = [];
  let token: string | undefined;
  do {
    const out = await deps.clients.applicationAutoScaling.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: 'ecs',
        MaxResults: LIMITS.applicationAutoScalingDescribePoliciesMax,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const policy of out.ScalingPolicies ?? []) {
      if (policy.PolicyType !== 'TargetTrackingScaling' || !wanted.has(policy.ResourceId ?? '')) continue;
      for (const alarm of policy.Alarms ?? []) if (alarm.AlarmName) names.push(alarm.AlarmName);
    }
    token = out.NextToken;
  } while (token);
  return names.sort();
}

async function readAlarms(
  deps: Deps,
  names: readonly string[],
): Promise<{ total: number; insufficientData: number; error?: string }> {
  let insufficientData = 0;
  try {
    for (let i = 0; i < names.length; i += LIMITS.cloudWatchDescribeAlarmsNamesMax) {
      const out = await deps.clients.cloudWatch.send(
        new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + LIMITS.cloudWatchDescribeAlarmsNamesMax) }),
      );
      insufficientData += (out.MetricAlarms ?? []).filter((a) => a.StateValue === 'INSUFFICIENT_DATA').length;
    }
  } catch (error) {
    return { total: names.length, insufficientData, error: `DescribeAlarms failed: ${errorName(error)}` };
  }
  return { total: names.length, insufficientData };
}

async function readPending(
  deps: Deps,
  now: Date,
  previous: Readonly<Record<string, PendingMark>>,
): Promise<{ stuck: string[]; marks: Record<string, PendingMark> }> {
  const marks: Record<string, PendingMark> = {};
  const stuck: string[] = [];
  const holdMs = deps.config.policy.detector.pendingSeconds * 1000;
  for (const [key, s] of await describeServices(deps, deps.config.services)) {
    if ((s.pendingCount ?? 0) === 0) continue;
    const desired = s.desiredCount ?? 0;
    const before = previous[key];
    const mark = before && before.desired === desired ? before : { since: now.toISOString(), desired };
    marks[key] = mark;
    if (now.getTime() - Date.parse(mark.since) >= holdMs) stuck.push(key);
  }
  return { stuck, marks };
}

async function readHealth(deps: Deps): Promise<string[]> {
  const out = await deps.history.dynamo.send(
    new QueryCommand({
      TableName: deps.history.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': healthKey(deps.config.region) },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? [])
    .filter((item) => item.statusCode === 'open' && (HEALTH_SERVICES as readonly string[]).includes(item.service))
    .map((item) => `${item.service} ${item.eventTypeCode}`);
}

const errorName = (error: unknown) => (error as { name?: string })?.name ?? String(error);
