import { type BallastConfig, parseConfig } from '#config/schema.ts';
import type { OperationContext, ServiceDefinition } from '#local/core/service.ts';
import { operationOf } from '#local/core/service.ts';
import { buildFleet } from '#local/world/fleet.ts';
import { buildScalingFleet, type ScalingFleet, type ScalingFleetSpec } from '#local/world/scaling-fleet.ts';
import { bindToWorld } from '#local/world/services.ts';
import { World } from '#local/world/world.ts';

/** A two-region fleet with one load-balanced service, its scaling and its DNS, for the scaling tests. */
export const PRIMARY = 'us-east-1';
export const STANDBY = 'us-west-2';
export const RECORD = 'api.example.com';

export function scalingConfig(extraServices = 0): BallastConfig {
  const services = (floor: number) => [
    { name: 'api', cluster: 'web', tier: 'critical' as const, floor, ceiling: 10, targetGroups: [{ name: 'api-tg' }] },
    ...Array.from({ length: extraServices }, (_, i) => ({ name: `svc${i}`, cluster: 'web', floor: 1, ceiling: 4 })),
  ];
  const region = (floor: number) => ({
    clusters: [{ name: 'web' }],
    autoScalingGroups: [{ name: 'web-hosts', cluster: 'web' }],
    services: services(floor),
  });
  return parseConfig({
    primaryRegion: PRIMARY,
    standbyRegion: STANDBY,
    regions: { [PRIMARY]: region(2), [STANDBY]: region(1) },
    dns: { hostedZoneId: 'Z0TESTZONE', zoneName: 'example.com', ttl: 60, records: [{ name: RECORD }] },
  });
}

export interface ScalingWorld {
  readonly world: World;
  readonly config: BallastConfig;
  readonly fleet: ScalingFleet;
  /** Calls an operation of `service` as the SDK would, in `region` (default: the primary). */
  call<T = Record<string, unknown>>(
    service: ServiceDefinition<any>,
    action: string,
    input: unknown,
    region?: string,
  ): Promise<T>;
  /** The api service's desired count in a region. */
  desired(region?: string): number;
  /** Offers `rps` requests per second to the api service (100 per task is full load). */
  load(rps: number): void;
}

export function scalingWorld(
  options: { seed?: number; extraServices?: number; spec?: ScalingFleetSpec } = {},
): ScalingWorld {
  const world = new World({ seed: options.seed ?? 7, regions: [PRIMARY, STANDBY] });
  const config = scalingConfig(options.extraServices);
  buildFleet(world, config);
  const fleet = buildScalingFleet(world, config, options.spec);
  const call = async <T>(
    service: ServiceDefinition<any>,
    action: string,
    input: unknown,
    region = PRIMARY,
  ): Promise<T> => {
    const bound = bindToWorld(world, service);
    const op = operationOf(bound, action);
    if (!op) throw new Error(`${service.signingName} has no operation ${action}`);
    const ctx: OperationContext = {
      kernel: world,
      model: bound.modelOf?.(region),
      region,
      caller: { accessKeyId: 'AKIDTEST', name: 'test' },
      now: world.now(),
    };
    return (await op.handler(input, ctx)) as T;
  };
  return {
    world,
    config,
    fleet,
    call,
    desired: (region = PRIMARY) => world.region(region).ecs.getService('web', 'api')?.desiredCount ?? -1,
    load: (rps) => {
      world.traffic.setBaseRate(PRIMARY, 'web', 'api', rps);
      world.traffic.setBaseRate(STANDBY, 'web', 'api', 0);
    },
  };
}

export const minutes = (n: number) => n * 60_000;
