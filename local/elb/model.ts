import type { TimerHandle } from '../core/clock.ts';
import { seconds } from '../core/ids.ts';
import type { Kernel } from '../core/kernel.ts';
import type { Rng } from '../core/rng.ts';

/**
 * Elastic Load Balancing target groups, as far as draining and traffic need them.
 *
 * A target (an ECS task and its port) is `initial` when registered and `healthy` once health checks pass
 * (interval × healthy threshold). Deregistering it makes it `draining` for the group's deregistration delay:
 * it gets no new requests, but its open connections carry on; then it is removed. A target whose task died
 * without being deregistered (its host vanished) is *registered but dead*: the load balancer keeps sending it
 * requests, which fail, until health checks mark it `unhealthy` (interval × unhealthy threshold).
 */
export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'draining';

export interface SimTarget {
  /** The task ARN. */
  readonly id: string;
  readonly port: number;
  /** The ECS service behind the target (`cluster/service`), for the traffic model. */
  readonly cluster: string;
  readonly service: string;
  /** The EC2 instance the task runs on: the target's id as the API shows it (bridge networking). */
  readonly instanceId?: string;
  state: TargetHealthState;
  readonly registeredAt: number;
  /** The task is gone but the target is still registered: requests that reach it fail. */
  dead: boolean;
  drainingUntil?: number;
  timer?: TimerHandle;
}

export interface TargetGroupOptions {
  /** @default 300 (the AWS default) */
  readonly deregistrationDelaySeconds?: number;
  /** @default 10 */
  readonly healthCheckIntervalSeconds?: number;
  /** @default 2 */
  readonly healthyThresholdCount?: number;
  /** @default 2 */
  readonly unhealthyThresholdCount?: number;
}

export class SimTargetGroup {
  readonly targets = new Map<string, SimTarget>();
  deregistrationDelaySeconds: number;
  healthCheckIntervalSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;

  constructor(
    readonly name: string,
    readonly arn: string,
    options: TargetGroupOptions,
  ) {
    this.deregistrationDelaySeconds = options.deregistrationDelaySeconds ?? 300;
    this.healthCheckIntervalSeconds = options.healthCheckIntervalSeconds ?? 10;
    this.healthyThresholdCount = options.healthyThresholdCount ?? 2;
    this.unhealthyThresholdCount = options.unhealthyThresholdCount ?? 2;
  }

  /** Targets that receive new requests: healthy ones, dead or alive (the load balancer cannot tell yet). */
  serving(): SimTarget[] {
    const out: SimTarget[] = [];
    for (const target of this.targets.values()) if (target.state === 'healthy') out.push(target);
    return out;
  }
}

/** Who hears that a target's open connections were cut (the traffic model counts them as failed requests). */
export interface ConnectionObserver {
  connectionsCut(region: string, cluster: string, service: string, count: number): void;
}

export class ElbRegion {
  private readonly groups = new Map<string, SimTargetGroup>();
  /** Target id → the groups it is registered in. */
  private readonly memberships = new Map<string, Set<SimTargetGroup>>();
  private readonly rng: Rng;

  constructor(
    readonly kernel: Kernel,
    readonly region: string,
    private readonly connections: ConnectionObserver,
  ) {
    this.rng = kernel.rng.fork(`elb:${region}`);
  }

  /** {@link EcsLoadBalancers.targetGroupArn}: the group as the fleet described it, or AWS's defaults. */
  targetGroupArn(name: string): string {
    return (this.targetGroup(name) ?? this.createTargetGroup(name)).arn;
  }

  isHealthy(groupName: string, targetId: string): boolean {
    return this.groups.get(groupName)?.targets.get(targetId)?.state === 'healthy';
  }

  /** Creates the target group, or updates its settings when it exists. */
  createTargetGroup(name: string, options: TargetGroupOptions = {}): SimTargetGroup {
    const existing = this.groups.get(name);
    if (existing) {
      if (options.deregistrationDelaySeconds !== undefined) {
        existing.deregistrationDelaySeconds = options.deregistrationDelaySeconds;
      }
      return existing;
    }
    const arn = this.kernel.arn('elasticloadbalancing', this.region, `targetgroup/${name}/${this.rng.hex(16)}`);
    const group = new SimTargetGroup(name, arn, options);
    this.groups.set(name, group);
    return group;
  }

  targetGroup(name: string): SimTargetGroup | undefined {
    return this.groups.get(name);
  }

  targetGroups(): SimTargetGroup[] {
    return [...this.groups.values()];
  }

  /** True while the target is registered (in any state) in at least one group. */
  isRegistered(targetId: string): boolean {
    return (this.memberships.get(targetId)?.size ?? 0) > 0;
  }

  /**
   * Registers a target. It turns healthy after the health checks pass, or at once with `healthyNow`
   * (a fleet built already running).
   */
  register(
    groupName: string,
    targetId: string,
    port: number,
    owner: { cluster: string; service: string; instanceId?: string },
    healthyNow = false,
  ): void {
    const group = this.groups.get(groupName);
    if (!group || group.targets.has(targetId)) return;
    const target: SimTarget = {
      id: targetId,
      port,
      cluster: owner.cluster,
      service: owner.service,
      ...(owner.instanceId !== undefined ? { instanceId: owner.instanceId } : {}),
      state: healthyNow ? 'healthy' : 'initial',
      registeredAt: this.kernel.now(),
      dead: false,
    };
    group.targets.set(targetId, target);
    this.membership(targetId).add(group);
    if (!healthyNow) {
      // The first check lands somewhere in the first interval; then `healthyThreshold` passes in a row.
      const phase = this.rng.next() * group.healthCheckIntervalSeconds;
      const delay = seconds(phase + group.healthCheckIntervalSeconds * (group.healthyThresholdCount - 1));
      target.timer = this.kernel.clock.after(delay, `elb healthy ${targetId}`, () => {
        target.timer = undefined;
        if (target.state === 'initial' && !target.dead) target.state = 'healthy';
      });
    }
  }

  /**
   * Deregisters a target from every group it is in. It drains for each group's deregistration delay and is
   * then removed. Returns the longest delay in milliseconds (0 when it was not registered).
   */
  deregister(targetId: string): number {
    const groups = this.memberships.get(targetId);
    if (!groups) return 0;
    let longest = 0;
    for (const group of groups) {
      const target = group.targets.get(targetId);
      if (!target || target.state === 'draining') {
        longest = Math.max(longest, Math.max(0, (target?.drainingUntil ?? 0) - this.kernel.now()));
        continue;
      }
      this.kernel.clock.cancel(target.timer);
      const delay = seconds(group.deregistrationDelaySeconds);
      target.state = 'draining';
      target.drainingUntil = this.kernel.now() + delay;
      target.timer = this.kernel.clock.after(delay, `elb deregistered ${targetId}`, () => this.remove(group, targetId));
      longest = Math.max(longest, delay);
    }
    return longest;
  }

  /**
   * The task behind the target is gone. A target still registered (healthy, initial or draining) loses its
   * open connections at once; a healthy one keeps receiving requests until the health checks notice.
   */
  taskGone(targetId: string): void {
    const groups = this.memberships.get(targetId);
    if (!groups) return;
    for (const group of [...groups]) {
      const target = group.targets.get(targetId);
      if (!target || target.dead) continue;
      const hadConnections = target.state === 'healthy' || target.state === 'draining';
      if (hadConnections) this.connections.connectionsCut(this.region, target.cluster, target.service, 1);
      if (target.state === 'draining' || target.state === 'unhealthy') {
        this.kernel.clock.cancel(target.timer);
        this.remove(group, targetId);
        continue;
      }
      target.dead = true;
      this.kernel.clock.cancel(target.timer);
      const phase = this.rng.next() * group.healthCheckIntervalSeconds;
      const detect = seconds(phase + group.healthCheckIntervalSeconds * (group.unhealthyThresholdCount - 1));
      target.timer = this.kernel.clock.after(detect, `elb unhealthy ${targetId}`, () => {
        // Marked unhealthy; ECS has already asked for the stopped task to be deregistered, so it goes.
        target.state = 'unhealthy';
        this.remove(group, targetId);
      });
    }
  }

  private remove(group: SimTargetGroup, targetId: string): void {
    group.targets.delete(targetId);
    const groups = this.memberships.get(targetId);
    groups?.delete(group);
    if (groups && groups.size === 0) this.memberships.delete(targetId);
  }

  private membership(targetId: string): Set<SimTargetGroup> {
    let groups = this.memberships.get(targetId);
    if (!groups) {
      groups = new Set();
      this.memberships.set(targetId, groups);
    }
    return groups;
  }
}
