import type { TimerHandle } from '../core/clock.ts';
import type { Kernel } from '../core/kernel.ts';

/**
 * Route 53 health checks (data plane: they keep working when the control plane is impaired). Checkers
 * probe every RequestInterval (10 or 30 s); the status flips after FailureThreshold consecutive results that
 * disagree with it, so detection takes about interval × threshold. Inverted flips the result; Disabled
 * makes the check healthy. An endpoint check (HTTP, HTTPS, TCP) is tied to a region of the world: healthy while
 * that region is up and has healthy capacity (tasks running in the services it fronts). Two kinds watch no
 * endpoint, and follow what they watch at once (no FailureThreshold, as in AWS):
 * - `CLOUDWATCH_METRIC`: the state of a CloudWatch alarm (`AlarmIdentifier`, in its region): ALARM is
 *   unhealthy, OK healthy, INSUFFICIENT_DATA as `InsufficientDataHealthStatus` says (Healthy, Unhealthy or,
 *   the default, LastKnownStatus). An alarm that does not exist (or a region that is down) is insufficient data.
 * - `CALCULATED`: healthy while at least `HealthThreshold` of its `ChildHealthChecks` are (Inverted and
 *   Disabled of each child applied).
 */

export interface HealthCheckConfig {
  Type: string;
  IPAddress?: string;
  Port?: number;
  ResourcePath?: string;
  FullyQualifiedDomainName?: string;
  SearchString?: string;
  RequestInterval?: number;
  FailureThreshold?: number;
  MeasureLatency?: boolean;
  Inverted?: boolean;
  Disabled?: boolean;
  EnableSNI?: boolean;
  Regions?: string[];
  AlarmIdentifier?: { Region: string; Name: string };
  InsufficientDataHealthStatus?: 'Healthy' | 'Unhealthy' | 'LastKnownStatus';
  ChildHealthChecks?: string[];
  HealthThreshold?: number;
}

/** Health checks that watch no endpoint: they follow an alarm or other checks, without a failure threshold. */
export const isWatcherCheck = (config: HealthCheckConfig): boolean =>
  config.Type === 'CLOUDWATCH_METRIC' || config.Type === 'CALCULATED';

export interface HealthCheckTarget {
  /** The world region whose capacity the check probes; undefined: always reachable. */
  readonly region?: string;
  /** ECS services (cluster/service) behind the endpoint: healthy while at least one runs a task. */
  readonly services?: ReadonlyArray<{ readonly cluster: string; readonly service: string }>;
}

export interface HealthCheck {
  readonly Id: string;
  readonly CallerReference: string;
  HealthCheckConfig: HealthCheckConfig;
  HealthCheckVersion: number;
  readonly target: HealthCheckTarget;
  /** The checkers' view before inversion and disabling. */
  measured: boolean;
  /** Consecutive probe results that disagree with `measured`. */
  streak: number;
  lastProbe: boolean;
  lastCheckedAt: number;
  /** Forced probe result set by a scenario (e.g. an endpoint failing its checks). */
  override?: boolean;
  /** Effective status over time, for the DNS answers. */
  readonly history: Array<{ at: number; healthy: boolean }>;
}

/** Where Route 53's checkers run (the default checker regions). */
export const CHECKER_REGIONS = [
  'us-east-1',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
];

const TICK_MS = 10_000;
const HISTORY_KEPT_MS = 6 * 3600_000;

export function effectiveHealth(check: HealthCheck): boolean {
  if (check.HealthCheckConfig.Disabled) return true;
  return check.HealthCheckConfig.Inverted ? !check.measured : check.measured;
}

/**
 * What Route 53's checkers can observe: how many tasks of a service run in a region (an endpoint's health),
 * and the state of a CloudWatch alarm (undefined when the alarm does not exist or cannot be read).
 */
export interface EndpointProbe {
  runningTasks(region: string, cluster: string, service: string): number;
  alarmState(region: string, alarmName: string): 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | undefined;
}

export class HealthChecker {
  private ticker: TimerHandle | undefined;

  constructor(
    private readonly kernel: Kernel,
    private readonly checks: Map<string, HealthCheck>,
    private readonly endpoints: EndpointProbe,
  ) {}

  /** The endpoint's real state right now, as a checker would find it. */
  probe(check: HealthCheck): boolean {
    if (check.override !== undefined) return check.override;
    const config = check.HealthCheckConfig;
    if (config.Type === 'CALCULATED') {
      const healthy = (config.ChildHealthChecks ?? []).filter((id) => {
        const child = this.checks.get(id);
        return child !== undefined && effectiveHealth(child);
      }).length;
      return healthy >= (config.HealthThreshold ?? 0);
    }
    if (config.Type === 'CLOUDWATCH_METRIC') {
      const alarm = config.AlarmIdentifier;
      const state =
        alarm && this.kernel.hasRegion(alarm.Region) && !this.kernel.isRegionDown(alarm.Region)
          ? this.endpoints.alarmState(alarm.Region, alarm.Name)
          : undefined;
      if (state === 'ALARM') return false;
      if (state === 'OK') return true;
      const insufficient = config.InsufficientDataHealthStatus ?? 'LastKnownStatus';
      return insufficient === 'LastKnownStatus' ? check.measured : insufficient === 'Healthy';
    }
    const name = check.target.region;
    if (name === undefined) return true;
    if (!this.kernel.hasRegion(name) || this.kernel.isRegionDown(name)) return false;
    const services = check.target.services ?? [];
    if (services.length === 0) return true;
    return services.some(({ cluster, service }) => this.endpoints.runningTasks(name, cluster, service) > 0);
  }

  ensureTicking(): void {
    if (this.ticker) return;
    const next = Math.floor(this.kernel.now() / TICK_MS) * TICK_MS + TICK_MS;
    this.ticker = this.kernel.clock.schedule(next, 'route53 health checks', () => this.tick());
  }

  private tick(): void {
    const now = this.kernel.now();
    this.ticker =
      this.checks.size > 0
        ? this.kernel.clock.schedule(now + TICK_MS, 'route53 health checks', () => this.tick())
        : undefined;
    for (const check of this.checks.values()) {
      if (check.HealthCheckConfig.Disabled) continue;
      const interval = isWatcherCheck(check.HealthCheckConfig)
        ? TICK_MS
        : (check.HealthCheckConfig.RequestInterval ?? 30) * 1000;
      if (now - check.lastCheckedAt < interval) continue;
      this.check(check, now);
    }
  }

  private check(check: HealthCheck, now: number): void {
    const result = this.probe(check);
    check.lastProbe = result;
    check.lastCheckedAt = now;
    if (result === check.measured) {
      check.streak = 0;
      return;
    }
    check.streak++;
    const threshold = isWatcherCheck(check.HealthCheckConfig) ? 1 : (check.HealthCheckConfig.FailureThreshold ?? 3);
    if (check.streak < threshold) return;
    check.streak = 0;
    const before = effectiveHealth(check);
    check.measured = result;
    this.recordIfChanged(check, before);
  }

  /** Appends the effective status to the history (and the timeline) when it differs from `before`. */
  recordIfChanged(check: HealthCheck, before: boolean): void {
    const after = effectiveHealth(check);
    if (after === before) return;
    const now = this.kernel.now();
    check.history.push({ at: now, healthy: after });
    while (check.history.length > 2 && check.history[1]!.at < now - HISTORY_KEPT_MS) check.history.shift();
    const where = check.target.region ?? check.HealthCheckConfig.FullyQualifiedDomainName ?? check.Id;
    this.kernel.note(
      'global',
      'health-check',
      `${where} health check ${check.Id.slice(0, 8)} → ${after ? 'Healthy' : 'Unhealthy'}`,
    );
  }

  /** Effective status at time `at` (from the history). */
  healthyAt(check: HealthCheck, at: number): boolean {
    let healthy = check.history[0]?.healthy ?? true;
    for (const entry of check.history) {
      if (entry.at > at) break;
      healthy = entry.healthy;
    }
    return healthy;
  }

  /** GetHealthCheckStatus: one observation per checker region, staggered over the interval. */
  observations(check: HealthCheck): Array<Record<string, unknown>> {
    const interval = (check.HealthCheckConfig.RequestInterval ?? 30) * 1000;
    const status = check.lastProbe
      ? `Success: HTTP Status Code 200, OK`
      : 'Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall.';
    return (check.HealthCheckConfig.Regions ?? CHECKER_REGIONS).map((region, i, all) => ({
      Region: region,
      IPAddress: `15.177.${i * 2}.${(i * 37) % 250}`,
      StatusReport: {
        Status: status,
        CheckedTime: new Date(Math.max(0, check.lastCheckedAt - Math.floor((interval * i) / all.length / 1000) * 1000)),
      },
    }));
  }
}
