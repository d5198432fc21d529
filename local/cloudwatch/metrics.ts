/**
 * CloudWatch's metric store for one region: standard-resolution (one-minute) buckets per metric, kept as
 * long as CloudWatch keeps one-minute data (15 days). Each bucket holds the statistic set AWS keeps
 * (sum, sample count, minimum, maximum), so every statistic can be computed over any period.
 */

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

export interface MetricRef {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
}

export type Statistic = 'Average' | 'Sum' | 'Maximum' | 'Minimum' | 'SampleCount';
export const STATISTICS: readonly Statistic[] = ['Average', 'Sum', 'Maximum', 'Minimum', 'SampleCount'];

export interface StatisticSet {
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  /** The values themselves (value → count), when published as values: what percentiles are computed from. */
  readonly values?: ReadonlyMap<number, number>;
}

interface Bucket {
  /** Start of the minute, epoch ms. */
  readonly t: number;
  sum: number;
  count: number;
  min: number;
  max: number;
  values?: Map<number, number>;
}

const MINUTE = 60_000;
/** One-minute data points are kept for 15 days (CloudWatch "Metrics retention"). */
export const METRIC_RETENTION_MS = 15 * 24 * 3600_000;

/** Dimensions in a canonical order: a metric is identified by its namespace, name and dimension set. */
/** Sorted `Name=Value` lists by dimensions array: alarms and publishers reuse theirs, so this is hit often. */
const dimensionKeys = new WeakMap<readonly Dimension[], string>();

export function metricKey(ref: MetricRef): string {
  let dims = dimensionKeys.get(ref.dimensions);
  if (dims === undefined) {
    dims = [...ref.dimensions]
      .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0))
      .map((d) => `${d.Name}=${d.Value}`)
      .join(',');
    dimensionKeys.set(ref.dimensions, dims);
  }
  return `${ref.namespace}|${ref.metricName}|${dims}`;
}

class Series {
  readonly buckets: Bucket[] = [];
  constructor(readonly ref: MetricRef) {}

  add(at: number, stats: StatisticSet): void {
    const t = Math.floor(at / MINUTE) * MINUTE;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.t === t) {
      merge(last, stats);
      return;
    }
    if (!last || last.t < t) {
      this.buckets.push(bucketOf(t, stats));
      return;
    }
    const i = this.lowerBound(t);
    const found = this.buckets[i];
    if (found && found.t === t) merge(found, stats);
    else this.buckets.splice(i, 0, bucketOf(t, stats));
  }

  /** Drops buckets older than `before`. */
  trim(before: number): void {
    let n = 0;
    while (n < this.buckets.length && this.buckets[n]!.t < before) n++;
    if (n > 0) this.buckets.splice(0, n);
  }

  /** Index of the first bucket at or after `t`. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buckets[mid]!.t < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The statistic set of every bucket in [from, to), merged; undefined when there is none. */
  aggregate(from: number, to: number): StatisticSet | undefined {
    let acc: Bucket | undefined;
    for (let i = this.lowerBound(from); i < this.buckets.length; i++) {
      const b = this.buckets[i]!;
      if (b.t >= to) break;
      if (!acc) acc = bucketOf(b.t, b);
      else merge(acc, b);
    }
    return acc;
  }
}

function bucketOf(t: number, stats: StatisticSet): Bucket {
  const { sum, count, min, max } = stats;
  return stats.values ? { t, sum, count, min, max, values: new Map(stats.values) } : { t, sum, count, min, max };
}

function merge(into: Bucket, stats: StatisticSet): void {
  into.sum += stats.sum;
  into.count += stats.count;
  into.min = Math.min(into.min, stats.min);
  into.max = Math.max(into.max, stats.max);
  if (stats.values) {
    into.values ??= new Map();
    for (const [v, n] of stats.values) into.values.set(v, (into.values.get(v) ?? 0) + n);
  }
}

/**
 * The `p`-th percentile (0–100) of the values a statistic set holds, nearest rank; undefined when its data
 * was published as statistic sets only (CloudWatch has no percentiles for those either).
 */
export function percentileOf(stats: StatisticSet, p: number): number | undefined {
  if (!stats.values || stats.values.size === 0) return undefined;
  const sorted = [...stats.values].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  const rank = (p / 100) * total;
  let seen = 0;
  for (const [value, n] of sorted) {
    seen += n;
    if (seen >= rank) return value;
  }
  return sorted.at(-1)?.[0];
}

export function statisticOf(stats: StatisticSet, stat: Statistic): number {
  switch (stat) {
    case 'Average':
      return stats.sum / stats.count;
    case 'Sum':
      return stats.sum;
    case 'Maximum':
      return stats.max;
    case 'Minimum':
      return stats.min;
    case 'SampleCount':
      return stats.count;
  }
}

export class MetricStore {
  private readonly series = new Map<string, Series>();

  put(ref: MetricRef, at: number, stats: StatisticSet): void {
    const key = metricKey(ref);
    let series = this.series.get(key);
    if (!series) {
      series = new Series({ namespace: ref.namespace, metricName: ref.metricName, dimensions: [...ref.dimensions] });
      this.series.set(key, series);
    }
    series.add(at, stats);
  }

  putValue(ref: MetricRef, at: number, value: number): void {
    this.put(ref, at, { sum: value, count: 1, min: value, max: value });
  }

  /** Drops every data point older than the retention period. */
  trim(now: number): void {
    for (const series of this.series.values()) series.trim(now - METRIC_RETENTION_MS);
  }

  /** One statistic over [from, to), or undefined when no data point falls in it. */
  statistic(ref: MetricRef, from: number, to: number, stat: Statistic): number | undefined {
    const stats = this.series.get(metricKey(ref))?.aggregate(from, to);
    return stats ? statisticOf(stats, stat) : undefined;
  }

  /**
   * The statistic of each of the `count` periods that end at `end`, newest first (undefined where a period
   * has no data point): what an alarm evaluates, with the series looked up once.
   */
  recentPeriods(
    ref: MetricRef,
    end: number,
    period: number,
    count: number,
    stat: Statistic,
  ): Array<number | undefined> {
    const series = this.series.get(metricKey(ref));
    const out: Array<number | undefined> = [];
    for (let i = 0; i < count; i++) {
      const from = end - (i + 1) * period;
      const stats = series?.aggregate(from, from + period);
      out.push(stats ? statisticOf(stats, stat) : undefined);
    }
    return out;
  }

  /**
   * The statistic per period between `start` and `end`, newest first (as GetMetricData returns them by
   * default). Periods are aligned to multiples of the period; periods without data are left out.
   */
  periods(ref: MetricRef, start: number, end: number, period: number, stat: Statistic): Array<[number, number]> {
    const series = this.series.get(metricKey(ref));
    if (!series) return [];
    const out: Array<[number, number]> = [];
    const first = Math.floor(start / period) * period;
    for (let from = first; from < end; from += period) {
      const stats = series.aggregate(Math.max(from, start), Math.min(from + period, end));
      if (stats) out.push([from, statisticOf(stats, stat)]);
    }
    return out.reverse();
  }

  /** Like `periods`, for a percentile (`p99` is 99): periods without values are left out. */
  percentilePeriods(ref: MetricRef, start: number, end: number, period: number, p: number): Array<[number, number]> {
    const series = this.series.get(metricKey(ref));
    if (!series) return [];
    const out: Array<[number, number]> = [];
    const first = Math.floor(start / period) * period;
    for (let from = first; from < end; from += period) {
      const stats = series.aggregate(Math.max(from, start), Math.min(from + period, end));
      const value = stats ? percentileOf(stats, p) : undefined;
      if (value !== undefined) out.push([from, value]);
    }
    return out.reverse();
  }

  /** The newest data point's time, or undefined for an unknown metric. */
  lastPointAt(ref: MetricRef): number | undefined {
    const buckets = this.series.get(metricKey(ref))?.buckets;
    return buckets?.[buckets.length - 1]?.t;
  }

  list(): MetricRef[] {
    return [...this.series.values()].map((s) => s.ref);
  }
}
