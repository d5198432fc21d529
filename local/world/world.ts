import { ApplicationAutoScalingRegion } from '../application-autoscaling/model.ts';
import { AutoScalingRegion } from '../autoscaling/model.ts';
import { CloudWatchRegion } from '../cloudwatch/model.ts';
import { Kernel, type KernelOptions } from '../core/kernel.ts';
import { EcsRegion } from '../ecs/model.ts';
import { LoadBalancerRegistry } from '../elb/metrics.ts';
import { ElbRegion } from '../elb/model.ts';
import { Route53World } from '../route53/model.ts';
import { TrafficModel } from '../traffic/model.ts';

export type { ApiFault, AwsEvent, TimelineEntry } from '../core/kernel.ts';
export { DEFAULT_START } from '../core/kernel.ts';

/**
 * The simulated fleet: every region's ECS, Auto Scaling, load balancers, Application Auto Scaling and
 * CloudWatch, the global Route 53, and the traffic that flows through them, all on one virtual clock.
 *
 * This is the composition root and the only module that knows every service. Each service's model lives
 * in its own folder and sees its neighbours only through a narrow interface it declares itself
 * (`EcsLoadBalancers`, `ContainerHosts`, `ScalableServices`, `ScalingAlarms`, `MetricSources`,
 * `EndpointProbe`, `ConnectionObserver`, `TrafficSources`); the wiring below is where those meet. What
 * every model shares (time, randomness, ARNs, the timeline, events, faults, regions down) is the kernel.
 */
export type WorldOptions = KernelOptions;

export class RegionWorld {
  readonly ecs: EcsRegion;
  readonly autoscaling: AutoScalingRegion;
  readonly elb: ElbRegion;
  readonly applicationAutoScaling: ApplicationAutoScalingRegion;
  readonly cloudwatch: CloudWatchRegion;
  /** The region's load balancers and the target groups behind them (their metrics go to CloudWatch). */
  readonly loadBalancers: LoadBalancerRegistry;

  constructor(
    readonly world: World,
    readonly name: string,
  ) {
    this.ecs = new EcsRegion(world, name, {
      targetGroupArn: (group) => this.elb.targetGroupArn(group),
      register: (group, task, port, owner, healthyNow) => this.elb.register(group, task, port, owner, healthyNow),
      isRegistered: (task) => this.elb.isRegistered(task),
      deregister: (task) => this.elb.deregister(task),
      taskGone: (task) => this.elb.taskGone(task),
      isHealthy: (group, task) => this.elb.isHealthy(group, task),
    });
    this.autoscaling = new AutoScalingRegion(world, name, this.ecs);
    this.elb = new ElbRegion(world, name, {
      connectionsCut: (region, cluster, service, count) =>
        world.traffic.connectionsCut(region, cluster, service, count),
    });
    this.loadBalancers = new LoadBalancerRegistry(name);
    this.cloudwatch = new CloudWatchRegion(world, name, {
      service: (cluster, service) => this.ecs.getService(cluster, service),
      utilization: (cluster, service) => world.traffic.utilization(name, cluster, service),
      publishedMetrics: (at) => this.loadBalancers.metricsFor(at, world.traffic),
    });
    this.applicationAutoScaling = new ApplicationAutoScalingRegion(world, name, this.ecs, this.cloudwatch);
  }

  /** The whole region has failed: its hosts stop serving and its APIs answer with errors. */
  get down(): boolean {
    return this.world.isRegionDown(this.name);
  }

  set down(value: boolean) {
    this.world.setRegionDown(this.name, value);
  }
}

export class World extends Kernel {
  readonly regions = new Map<string, RegionWorld>();
  readonly route53: Route53World;
  readonly traffic: TrafficModel;

  constructor(options: WorldOptions) {
    super(options);
    for (const name of options.regions) this.regions.set(name, new RegionWorld(this, name));
    this.route53 = new Route53World(this, {
      runningTasks: (region, cluster, service) =>
        this.regions.get(region)?.ecs.getService(cluster, service)?.runningCount ?? 0,
      alarmState: (region, alarmName) => this.regions.get(region)?.cloudwatch.alarm(alarmName)?.StateValue,
    });
    this.traffic = new TrafficModel(this, {
      service: (region, cluster, service) => this.regions.get(region)?.ecs.getService(cluster, service),
      servingTargets: (region, group) => this.regions.get(region)?.elb.targetGroup(group)?.serving() ?? [],
      regionShares: (record) => this.route53.regionShares(record),
    });
  }

  region(name: string): RegionWorld {
    const region = this.regions.get(name);
    if (!region)
      throw new Error(`the local cloud has no region ${name}; it has ${[...this.regions.keys()].join(', ')}`);
    return region;
  }
}
