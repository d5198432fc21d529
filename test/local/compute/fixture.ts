import exampleConfig from '../../../ballast.config.ts';
import { type BallastConfigInput, fleetRegions, parseConfig } from '../../../config/schema.ts';
import { autoScalingService } from '../../../local/autoscaling/api.ts';
import {
  type Operation,
  type OperationContext,
  operationOf,
  type ServiceDefinition,
} from '../../../local/core/service.ts';
import { ecsService } from '../../../local/ecs/api.ts';
import { buildFleet, type FleetSpec } from '../../../local/world/fleet.ts';
import { bindToWorld } from '../../../local/world/services.ts';
import { World } from '../../../local/world/world.ts';

/** A small two-region fleet: one web cluster of three hosts, `api` behind a target group with a 30 s delay. */
export const smallConfig: BallastConfigInput = {
  primaryRegion: 'us-east-1',
  standbyRegion: 'us-west-2',
  regions: {
    'us-east-1': {
      clusters: [{ name: 'web' }],
      autoScalingGroups: [{ name: 'web-hosts', cluster: 'web', lifecycleHookName: 'ballast-drain' }],
      services: [
        {
          name: 'api',
          cluster: 'web',
          floor: 4,
          ceiling: 20,
          targetGroups: [{ name: 'api-tg', deregistrationDelaySeconds: 30 }],
        },
      ],
    },
    'us-west-2': {
      clusters: [{ name: 'web' }],
      autoScalingGroups: [{ name: 'web-hosts', cluster: 'web', lifecycleHookName: 'ballast-drain' }],
      services: [
        {
          name: 'api',
          cluster: 'web',
          floor: 2,
          ceiling: 20,
          targetGroups: [{ name: 'api-tg', deregistrationDelaySeconds: 30 }],
        },
      ],
    },
  },
};

export function fleetWorld(
  options: { seed?: number; spec?: FleetSpec; config?: BallastConfigInput; example?: boolean } = {},
) {
  const config = parseConfig(options.example ? exampleConfig : (options.config ?? smallConfig));
  const world = new World({ seed: options.seed ?? 7, regions: fleetRegions(config) });
  const fleet = buildFleet(world, config, options.spec ?? {});
  return { world, config, fleet };
}

/** A call context in `region`; `call` fills in the model of the service it calls. */
export function contextFor(world: World, region = 'us-east-1'): OperationContext & { readonly world: World } {
  return {
    world,
    kernel: world,
    model: undefined,
    region,
    caller: { accessKeyId: 'AKIDTEST', name: 'test' },
    get now() {
      return world.now();
    },
  };
}

/** Calls an operation the way the endpoint does, minus the wire. */
export async function call<T = Record<string, unknown>>(
  service: ServiceDefinition<any>,
  action: string,
  input: Record<string, unknown>,
  ctx: OperationContext & { readonly world: World },
): Promise<T> {
  const { op, ctx: bound } = boundOperation(service, action, ctx);
  return (await op.handler(input, bound)) as T;
}

/** The operation of `service`, with the context carrying the world's model of that service. */
export function boundOperation(
  service: ServiceDefinition<any>,
  action: string,
  ctx: OperationContext & { readonly world: World },
): { op: Operation; ctx: OperationContext } {
  const bound = bindToWorld(ctx.world, service);
  const op = operationOf(bound, action);
  if (!op) throw new Error(`${service.signingName} has no operation ${action}`);
  return { op, ctx: { ...ctx, now: ctx.now, model: bound.modelOf?.(ctx.region) } };
}

export const ecs = (action: string, input: Record<string, unknown>, ctx: OperationContext & { world: World }) =>
  call<any>(ecsService, action, input, ctx);
export const asg = (action: string, input: Record<string, unknown>, ctx: OperationContext & { world: World }) =>
  call<any>(autoScalingService, action, input, ctx);
