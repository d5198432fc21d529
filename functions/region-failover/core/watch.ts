import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { LIMITS } from '#config/limits.ts';
import type { RaisedService } from '../state.ts';
import { observe } from './capacity.ts';
import type { FailoverClients } from './deps.ts';

/**
 * The watch of one rung, in the destination region: its load balancers' 5xx share of requests
 * (HTTPCode_Target_5XX_Count + HTTPCode_ELB_5XX_Count over RequestCount) and p99 TargetResponseTime (the worst
 * minute) over the last window of complete minutes (at least two), and the target health of the raised services (a reached service whose target groups report fewer
 * healthy targets than its target, or none at all). The verdict names what was over its threshold.
 */
export interface Watch {
  readonly errorRate: number;
  readonly requests: number;
  readonly p99Ms?: number;
  readonly services: RaisedService[];
  /** Why the rung is bad; undefined when it is good. */
  readonly bad?: string;
}

export interface WatchThresholds {
  readonly cutBackErrorRate: number;
  readonly maxLatencyMs: number;
}

export async function watchDestination(
  aws: FailoverClients,
  loadBalancers: readonly string[],
  services: readonly RaisedService[],
  window: { end: Date; seconds: number },
  thresholds: WatchThresholds,
): Promise<Watch> {
  // Complete minutes only: a load balancer's minute is published after it ends, so a window ending now holds
  // no data point yet for the current minute. The last `seconds` (at least two minutes) before that.
  const period = LIMITS.cloudWatchStandardPeriodSeconds;
  const end = Math.floor(window.end.getTime() / (period * 1000)) * period * 1000;
  const seconds = Math.max(2, Math.ceil(window.seconds / period)) * period;
  const queries: MetricDataQuery[] = [];
  loadBalancers.forEach((lb, i) => {
    const metric = (id: string, name: string, stat: string): MetricDataQuery => ({
      Id: `${id}${i}`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: name,
          Dimensions: [{ Name: 'LoadBalancer', Value: lb }],
        },
        Period: period,
        Stat: stat,
      },
      ReturnData: true,
    });
    queries.push(
      metric('req', 'RequestCount', 'Sum'),
      metric('t5xx', 'HTTPCode_Target_5XX_Count', 'Sum'),
      metric('e5xx', 'HTTPCode_ELB_5XX_Count', 'Sum'),
      metric('p99', 'TargetResponseTime', 'p99'),
    );
  });
  let requests = 0;
  let errors = 0;
  let p99: number | undefined;
  if (queries.length > 0) {
    const out = await aws.cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries.slice(0, LIMITS.cloudWatchMetricDataQueriesMax),
        StartTime: new Date(end - seconds * 1000),
        EndTime: new Date(end),
      }),
    );
    for (const result of out.MetricDataResults ?? []) {
      const sum = (result.Values ?? []).reduce((a, b) => a + b, 0);
      if (result.Id?.startsWith('req')) requests += sum;
      else if (result.Id?.startsWith('t5xx') || result.Id?.startsWith('e5xx')) errors += sum;
      else if (result.Id?.startsWith('p99') && (result.Values ?? []).length > 0) {
        p99 = Math.max(p99 ?? 0, ...(result.Values ?? []));
      }
    }
  }
  const observed = await observe(aws, services);
  const errorRate = requests > 0 ? errors / requests : 0;
  const p99Ms = p99 !== undefined ? Math.round(p99 * 1000) : undefined;
  // `reached` stays as the capacity phase established it: the watch reports health, it does not re-plan.
  const current = observed.map((s, i) => ({ ...s, reached: services[i]?.reached ?? s.reached }));
  const unhealthy = current.filter(
    (s) => s.healthy !== undefined && (s.healthy === 0 || (s.reached && s.healthy < s.target)),
  );
  const reasons = [
    errorRate > thresholds.cutBackErrorRate
      ? `error rate ${(errorRate * 100).toFixed(2)}% over ${(thresholds.cutBackErrorRate * 100).toFixed(2)}% (${errors} of ${requests} requests)`
      : undefined,
    p99Ms !== undefined && p99Ms > thresholds.maxLatencyMs
      ? `p99 latency ${p99Ms} ms over ${thresholds.maxLatencyMs} ms`
      : undefined,
    unhealthy.length > 0
      ? `target health: ${unhealthy.map((s) => `${s.cluster}/${s.service} ${s.healthy}/${s.target} healthy`).join(', ')}`
      : undefined,
  ].filter((r): r is string => r !== undefined);
  return {
    errorRate,
    requests,
    ...(p99Ms !== undefined ? { p99Ms } : {}),
    services: current,
    ...(reasons.length > 0 ? { bad: reasons.join('; ') } : {}),
  };
}

/**
 * When the share really moved, from the load balancers' request counts (not assumed from the TTL): the first
 * minute, after `since`, in which the destination carried at least 90 % of `percent` of the two regions'
 * requests. Seconds from `since` to the end of that minute; undefined when the counts do not show it (or a
 * region's load balancers are not configured or not readable).
 */
export async function measureShift(
  destination: { aws: FailoverClients; loadBalancers: readonly string[] },
  source: { aws: FailoverClients; loadBalancers: readonly string[]; signal?: AbortSignal },
  since: Date,
  until: Date,
  percent: number,
): Promise<number | undefined> {
  if (destination.loadBalancers.length === 0 || source.loadBalancers.length === 0) return undefined;
  const period = LIMITS.cloudWatchStandardPeriodSeconds;
  const perMinute = async (aws: FailoverClients, lbs: readonly string[], signal?: AbortSignal) => {
    const out = await aws.cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: lbs.map((lb, i) => ({
          Id: `req${i}`,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'RequestCount',
              Dimensions: [{ Name: 'LoadBalancer', Value: lb }],
            },
            Period: period,
            Stat: 'Sum',
          },
        })),
        StartTime: since,
        EndTime: until,
        ScanBy: 'TimestampAscending',
      }),
      signal ? { abortSignal: signal } : {},
    );
    const byMinute = new Map<number, number>();
    for (const result of out.MetricDataResults ?? []) {
      (result.Timestamps ?? []).forEach((t, i) => {
        const at = new Date(t).getTime();
        byMinute.set(at, (byMinute.get(at) ?? 0) + (result.Values?.[i] ?? 0));
      });
    }
    return byMinute;
  };
  const dest = await perMinute(destination.aws, destination.loadBalancers);
  const src = await perMinute(source.aws, source.loadBalancers, source.signal);
  for (const at of [...dest.keys()].sort((a, b) => a - b)) {
    const d = dest.get(at) ?? 0;
    const total = d + (src.get(at) ?? 0);
    if (total > 0 && d / total >= (0.9 * percent) / 100) {
      return Math.max(0, Math.round((at + period * 1000 - since.getTime()) / 1000));
    }
  }
  return undefined;
}
