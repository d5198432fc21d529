import { type BallastConfig, fleetRegions, type ServiceConfig } from '../../config/schema.ts';
import type { SimAutoScalingGroup } from '../autoscaling/model.ts';
import type { SimService } from '../ecs/model.ts';
import type { World } from './world.ts';

/**
 * Builds the compute side of the simulated fleet: in each configured region the clusters, the Auto Scaling
 * groups with their lifecycle hooks, hosts already booted and registered, services with their tasks RUNNING
 * and healthy in their target groups, daemons, standalone tasks and traffic. Scalable targets, alarms and
 * DNS are built elsewhere.
 *
 * The configuration names what exists; the facts Ballast must discover come from the fleet description
 * (`FleetSpec`), which a scenario or test can set differently from the configuration: each target group's
 * `deregistration_delay.timeout_seconds` (`targetGroups`), services the configuration does not list
 * (`unlistedServices`, with their own target groups), and the heartbeat timeout of hooks made here.
 */
/** The placement constraint Ballast asks services to carry (README, Host draining). */
/** ELB's default `deregistration_delay.timeout_seconds`. */
export const ELB_DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300;

export const DRAIN_PENDING_CONSTRAINT = {
  type: 'memberOf',
  expression: 'attribute:ballast.drain-pending !exists',
} as const;

export interface FleetServiceSpec {
  /** @default max(floor, 2) for services behind a load balancer, else max(floor, 1) */
  readonly desiredCount?: number;
  /** @default 256 */
  readonly cpu?: number;
  /** @default 512 */
  readonly memory?: number;
  /** Requests per second offered here. @default half the service's capacity in the primary region */
  readonly rps?: number;
  /** @default 100 */
  readonly rpsPerTask?: number;
  /** @default 20 */
  readonly connectionsPerTask?: number;
  /** @default 100 */
  readonly minimumHealthyPercent?: number;
  /** @default 200 */
  readonly maximumPercent?: number;
  /**
   * Placement constraints of the service. @default the one Ballast's README asks for, which keeps new
   * tasks off hosts marked as waiting for a drain: memberOf `attribute:ballast.drain-pending !exists`
   */
  readonly placementConstraints?: ReadonlyArray<{ type: 'memberOf' | 'distinctInstance'; expression?: string }>;
  /** The DNS record clients use (null: none). @default the config.dns record named after the service */
  readonly record?: string | null;
}

export interface FleetGroupSpec {
  /** Hosts running at t=0. @default 3 */
  readonly hosts?: number;
  /** @default 1 */
  readonly minSize?: number;
  /** @default max(10, 3 × hosts) */
  readonly maxSize?: number;
  /** @default 'm5.large' */
  readonly instanceType?: string;
  /** @default 2048 */
  readonly instanceCpu?: number;
  /** @default 4096 */
  readonly instanceMemory?: number;
  readonly spot?: boolean;
  readonly capacityRebalance?: boolean;
  /** Instance lifecycle policy `RetentionTriggers.TerminateHookAbandon = retain`. @default false */
  readonly retainOnTerminateHookAbandon?: boolean;
  /** HeartbeatTimeout of this group's hooks made here (not those from the template). @default the spec's */
  readonly heartbeatTimeoutSeconds?: number;
}

export interface FleetTargetGroupSpec {
  /**
   * The group's real `deregistration_delay.timeout_seconds` (0-3600). @default the delay the configuration
   * declares for the group, else 300 s (ELB's default)
   */
  readonly deregistrationDelaySeconds?: number;
}

/** A service that runs in the fleet but is not in Ballast's configuration (Ballast must find it on its own). */
export interface FleetUnlistedServiceSpec extends FleetServiceSpec {
  readonly name: string;
  readonly cluster: string;
  /** Target group names (their delays from `targetGroups`, else 300 s). @default none */
  readonly targetGroups?: readonly string[];
}

export interface FleetDaemonSpec {
  readonly name: string;
  /** @default every cluster */
  readonly cluster?: string;
  /** @default 64 */
  readonly cpu?: number;
  /** @default 128 */
  readonly memory?: number;
}

export interface FleetStandaloneSpec {
  readonly cluster: string;
  readonly family: string;
  /** @default 1 */
  readonly count?: number;
  /** @default 256 */
  readonly cpu?: number;
  /** @default 512 */
  readonly memory?: number;
  /** @default 'ballast-fleet' */
  readonly startedBy?: string;
}

export interface FleetRegionSpec {
  /** @default REGION + a, b, c */
  readonly availabilityZones?: readonly string[];
  /** By group name. */
  readonly groups?: Readonly<Record<string, FleetGroupSpec>>;
  /** By service name, or 'cluster/service'. */
  readonly services?: Readonly<Record<string, FleetServiceSpec>>;
  /** @default [{ name: 'log-router' }] in every cluster */
  readonly daemons?: readonly FleetDaemonSpec[];
  /** @default none */
  readonly standaloneTasks?: readonly FleetStandaloneSpec[];
  /** The target groups' real attributes, by name. */
  readonly targetGroups?: Readonly<Record<string, FleetTargetGroupSpec>>;
  /** Services outside Ballast's configuration. @default none */
  readonly unlistedServices?: readonly FleetUnlistedServiceSpec[];
}

export interface FleetSpec extends FleetRegionSpec {
  /** HeartbeatTimeout of the hooks, in seconds. @default 3600 */
  readonly heartbeatTimeoutSeconds?: number;
  /**
   * The hooks of groups with `createHooks: true` are created by Ballast's stack (the local cloud's deployer
   * puts them from the template), so the fleet builder leaves them out; only hooks "managed elsewhere"
   * (`createHooks: false`) exist before Ballast is deployed. @default false (every configured hook is made here)
   */
  readonly hooksFromTemplate?: boolean;
  /** DefaultResult of the hooks. @default 'ABANDON' (the AWS default) */
  readonly hookDefaultResult?: 'CONTINUE' | 'ABANDON';
  /** Target group health checks. */
  readonly healthCheck?: { intervalSeconds?: number; healthyThreshold?: number; unhealthyThreshold?: number };
  /** Per-region overrides of the fields above. */
  readonly regions?: Readonly<Record<string, FleetRegionSpec>>;
}

export interface BuiltRegion {
  readonly groups: SimAutoScalingGroup[];
  readonly services: SimService[];
}

export interface BuiltFleet {
  readonly regions: Record<string, BuiltRegion>;
}

export function buildFleet(world: World, config: BallastConfig, spec: FleetSpec = {}): BuiltFleet {
  const built: Record<string, BuiltRegion> = {};
  for (const region of fleetRegions(config)) {
    const fleet = config.regions[region];
    if (!fleet || !world.regions.has(region)) continue;
    const local = spec.regions?.[region] ?? {};
    const rw = world.region(region);
    const azs = local.availabilityZones ?? spec.availabilityZones ?? [`${region}a`, `${region}b`, `${region}c`];
    for (const cluster of fleet.clusters) rw.ecs.createCluster(cluster.name);

    const groups: SimAutoScalingGroup[] = [];
    for (const g of fleet.autoScalingGroups) {
      const gs = { ...spec.groups?.[g.name], ...local.groups?.[g.name] };
      const hosts = gs.hosts ?? 3;
      const group = rw.autoscaling.createGroup({
        name: g.name,
        cluster: g.cluster,
        minSize: Math.min(gs.minSize ?? 1, hosts),
        maxSize: Math.max(gs.maxSize ?? Math.max(10, 3 * hosts), hosts),
        desiredCapacity: hosts,
        availabilityZones: azs,
        ...(gs.instanceType !== undefined ? { instanceType: gs.instanceType } : {}),
        instanceCpu: gs.instanceCpu ?? 2048,
        instanceMemory: gs.instanceMemory ?? 4096,
        tags: { 'ballast:cluster': g.cluster, 'ballast:managed': config.name, Name: `${g.cluster}-host` },
        capacityRebalance: gs.capacityRebalance ?? false,
        retainOnTerminateHookAbandon: gs.retainOnTerminateHookAbandon ?? false,
        spot: gs.spot ?? false,
        instancesNow: true,
      });
      if (!(spec.hooksFromTemplate && g.createHooks)) {
        const hook = {
          heartbeatTimeout: gs.heartbeatTimeoutSeconds ?? spec.heartbeatTimeoutSeconds ?? 3600,
          defaultResult: spec.hookDefaultResult ?? 'ABANDON',
        } as const;
        rw.autoscaling.putLifecycleHook(g.name, {
          name: g.lifecycleHookName,
          transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
          ...hook,
        });
        if (g.launchHookName) {
          rw.autoscaling.putLifecycleHook(g.name, {
            name: g.launchHookName,
            transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
            ...hook,
          });
        }
      }
      groups.push(group);
    }

    // Daemons first, so that every host carries one, as in a real cluster.
    const daemons = local.daemons ?? spec.daemons ?? [{ name: 'log-router' }];
    for (const cluster of fleet.clusters) {
      for (const d of daemons.filter((x) => x.cluster === undefined || x.cluster === cluster.name)) {
        const def = rw.ecs.registerTaskDefinition({ family: d.name, cpu: d.cpu ?? 64, memory: d.memory ?? 128 });
        rw.ecs.createService(cluster.name, {
          name: d.name,
          taskDefinition: def,
          schedulingStrategy: 'DAEMON',
          runningNow: true,
        });
      }
    }

    const services: SimService[] = [];
    const declared = new Map(fleet.services.flatMap((svc) => svc.targetGroups.map((tg) => [tg.name, tg] as const)));
    const targetGroup = (name: string) => {
      if (rw.elb.targetGroup(name)) return;
      const real = local.targetGroups?.[name] ?? spec.targetGroups?.[name];
      rw.elb.createTargetGroup(name, {
        deregistrationDelaySeconds:
          real?.deregistrationDelaySeconds ??
          declared.get(name)?.deregistrationDelaySeconds ??
          ELB_DEFAULT_DEREGISTRATION_DELAY_SECONDS,
        ...(spec.healthCheck?.intervalSeconds !== undefined
          ? { healthCheckIntervalSeconds: spec.healthCheck.intervalSeconds }
          : {}),
        ...(spec.healthCheck?.healthyThreshold !== undefined
          ? { healthyThresholdCount: spec.healthCheck.healthyThreshold }
          : {}),
        ...(spec.healthCheck?.unhealthyThreshold !== undefined
          ? { unhealthyThresholdCount: spec.healthCheck.unhealthyThreshold }
          : {}),
      });
    };
    const unlisted: ServiceConfig[] = (local.unlistedServices ?? spec.unlistedServices ?? []).map((u) => ({
      name: u.name,
      cluster: u.cluster,
      tier: 'standard',
      floor: 0,
      ceiling: Math.max(1, u.desiredCount ?? 1),
      targetGroups: (u.targetGroups ?? []).map((name) => ({ name, deregistrationDelaySeconds: 0 })),
    }));
    for (const u of unlisted) {
      if (!rw.ecs.cluster(u.cluster))
        throw new Error(`unlisted service ${u.name}: region ${region} has no cluster ${u.cluster}`);
      if (fleet.services.some((s) => s.cluster === u.cluster && s.name === u.name)) {
        throw new Error(`unlisted service ${u.name}: it is in the configuration; describe it under services instead`);
      }
    }
    for (const svc of [...fleet.services, ...unlisted]) {
      const listed = fleet.services.includes(svc);
      const ss = listed
        ? serviceSpec(spec, local, svc)
        : (local.unlistedServices ?? spec.unlistedServices ?? []).find((u) => u.name === svc.name)!;
      const behindLb = svc.targetGroups.length > 0;
      const desiredCount = ss.desiredCount ?? Math.max(svc.floor, behindLb ? 2 : 1);
      const rpsPerTask = ss.rpsPerTask ?? 100;
      const record = ss.record === null ? undefined : (ss.record ?? (listed ? recordFor(config, svc.name) : undefined));
      for (const tg of svc.targetGroups) targetGroup(tg.name);
      const def = rw.ecs.registerTaskDefinition({ family: svc.name, cpu: ss.cpu ?? 256, memory: ss.memory ?? 512 });
      services.push(
        rw.ecs.createService(svc.cluster, {
          name: svc.name,
          taskDefinition: def,
          desiredCount,
          minimumHealthyPercent: ss.minimumHealthyPercent ?? 100,
          maximumPercent: ss.maximumPercent ?? 200,
          targetGroups: svc.targetGroups.map((tg) => tg.name),
          placementConstraints: ss.placementConstraints ?? [DRAIN_PENDING_CONSTRAINT],
          runningNow: true,
        }),
      );
      const defaultRps =
        behindLb && (region === config.primaryRegion || record === undefined) ? 0.5 * desiredCount * rpsPerTask : 0;
      world.traffic.configure(region, svc.cluster, svc.name, {
        baseRps: ss.rps ?? defaultRps,
        rpsPerTask,
        connectionsPerTask: ss.connectionsPerTask ?? 20,
        ...(record !== undefined ? { record } : {}),
      });
    }

    for (const st of local.standaloneTasks ?? spec.standaloneTasks ?? []) {
      const cluster = rw.ecs.cluster(st.cluster);
      if (!cluster) throw new Error(`standalone task ${st.family}: region ${region} has no cluster ${st.cluster}`);
      const def =
        rw.ecs.taskDefinition(st.family) ??
        rw.ecs.registerTaskDefinition({ family: st.family, cpu: st.cpu ?? 256, memory: st.memory ?? 512 });
      rw.ecs.runTask(cluster, def, { count: st.count ?? 1, startedBy: st.startedBy ?? 'ballast-fleet' });
    }

    const hosts = groups.reduce((n, g) => n + g.desiredCapacity, 0);
    const tasks = services.reduce((n, s) => n + s.desiredCount, 0);
    world.note(
      region,
      'fleet-built',
      `${fleet.clusters.length} clusters, ${groups.length} groups, ${hosts} hosts, ${services.length} services, ${tasks} service tasks`,
    );
    built[region] = { groups, services };
  }
  return { regions: built };
}

function serviceSpec(spec: FleetSpec, local: FleetRegionSpec, svc: ServiceConfig): FleetServiceSpec {
  const key = `${svc.cluster}/${svc.name}`;
  return {
    ...spec.services?.[svc.name],
    ...spec.services?.[key],
    ...local.services?.[svc.name],
    ...local.services?.[key],
  };
}

/** The config.dns record named after the service (`api` → `api.example.com`; a web front end → `www.`). */
function recordFor(config: BallastConfig, service: string): string | undefined {
  const records = config.dns?.records.map((r) => r.name.replace(/\.$/, '')) ?? [];
  const first = (name: string) => name.split('.')[0];
  return (
    records.find((r) => first(r) === service) ??
    (['frontend', 'web', 'www'].includes(service) ? records.find((r) => first(r) === 'www') : undefined)
  );
}
