/**
 * The metrics an Application Load Balancer publishes on its own into CloudWatch every minute, per load
 * balancer (dimension `LoadBalancer` = `app/<name>/<id>`, namespace `AWS/ApplicationELB`): `RequestCount`,
 * `HTTPCode_Target_5XX_Count`, `HTTPCode_ELB_5XX_Count` (Sum) and `TargetResponseTime` (seconds, published as
 * values so percentiles such as p99 can be asked for). Like AWS, a count metric has a data point only in a
 * minute with requests, and nothing is published while the region is down or CloudWatch is impaired (the
 * CloudWatch region decides that: it calls `metricsFor` from its own minute tick).
 *
 * Which target groups sit behind which load balancer is the fleet's description (`LoadBalancerRegistry`);
 * what each group counted comes from the traffic through it (`GroupTraffic`).
 */

/** What the load balancer counted for one target group in one minute. */
export interface GroupMinute {
  readonly requests: number;
  readonly target5xx: number;
  readonly elb5xx: number;
  /** Response times of the served requests: seconds → request count. */
  readonly responseTimes: ReadonlyMap<number, number>;
}

/** Where the counts come from: the requests that went through a target group in the minute starting at `at`. */
export interface GroupTraffic {
  groupMinute(region: string, group: string, at: number): GroupMinute | undefined;
}

export interface PublishedMetric {
  readonly ref: {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: ReadonlyArray<{ readonly Name: string; readonly Value: string }>;
  };
  readonly stats: {
    readonly sum: number;
    readonly count: number;
    readonly min: number;
    readonly max: number;
    readonly values?: ReadonlyMap<number, number>;
  };
}

export const ELB_NAMESPACE = 'AWS/ApplicationELB';

/** A region's load balancers: name (`app/web/0123456789abcdef`) → the target groups behind it. */
export class LoadBalancerRegistry {
  private readonly balancers = new Map<string, string[]>();
  private readonly dimensions = new Map<string, ReadonlyArray<{ Name: string; Value: string }>>();

  constructor(readonly region: string) {}

  /** Declares a load balancer (or adds target groups to one). Names follow AWS's `app/<name>/<16 hex>`. */
  add(name: string, targetGroups: readonly string[]): void {
    if (!/^(app|net)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/.test(name))
      throw new Error(`load balancer ${name}: expected app/<name>/<16 hex digits>, as the LoadBalancer dimension`);
    const groups = this.balancers.get(name) ?? [];
    for (const group of targetGroups) if (!groups.includes(group)) groups.push(group);
    this.balancers.set(name, groups);
    this.dimensions.set(name, Object.freeze([{ Name: 'LoadBalancer', Value: name }]));
  }

  names(): string[] {
    return [...this.balancers.keys()];
  }

  targetGroupsOf(name: string): readonly string[] {
    return this.balancers.get(name) ?? [];
  }

  /** The minute's data points of every load balancer of the region (none for a minute without requests). */
  metricsFor(at: number, traffic: GroupTraffic): PublishedMetric[] {
    const out: PublishedMetric[] = [];
    for (const [name, groups] of this.balancers) {
      const minutes = groups.flatMap((g) => {
        const m = traffic.groupMinute(this.region, g, at);
        return m ? [m] : [];
      });
      const requests = minutes.reduce((sum, m) => sum + m.requests, 0);
      if (requests <= 0) continue;
      const dimensions = this.dimensions.get(name) ?? [];
      const sum = (metricName: string, value: number): PublishedMetric => ({
        ref: { namespace: ELB_NAMESPACE, metricName, dimensions },
        stats: { sum: Math.round(value), count: 1, min: Math.round(value), max: Math.round(value) },
      });
      out.push(sum('RequestCount', requests));
      const target5xx = minutes.reduce((s, m) => s + m.target5xx, 0);
      const elb5xx = minutes.reduce((s, m) => s + m.elb5xx, 0);
      if (Math.round(target5xx) > 0) out.push(sum('HTTPCode_Target_5XX_Count', target5xx));
      if (Math.round(elb5xx) > 0) out.push(sum('HTTPCode_ELB_5XX_Count', elb5xx));
      const values = new Map<number, number>();
      for (const m of minutes) for (const [v, n] of m.responseTimes) values.set(v, (values.get(v) ?? 0) + n);
      const served = [...values].filter(([, n]) => n > 0);
      if (served.length > 0) {
        const count = served.reduce((s, [, n]) => s + n, 0);
        out.push({
          ref: { namespace: ELB_NAMESPACE, metricName: 'TargetResponseTime', dimensions },
          stats: {
            sum: served.reduce((s, [v, n]) => s + v * n, 0),
            count,
            min: Math.min(...served.map(([v]) => v)),
            max: Math.max(...served.map(([v]) => v)),
            values: new Map(served),
          },
        });
      }
    }
    return out;
  }
}
