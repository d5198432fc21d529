import { applicationAutoScalingService } from '../application-autoscaling/api.ts';
import { autoScalingService } from '../autoscaling/api.ts';
import { cloudWatchService } from '../cloudwatch/api.ts';
import { bindModel, type ServiceDefinition } from '../core/service.ts';
import { ecsService } from '../ecs/api.ts';
import { elbService } from '../elb/api.ts';
import { eventsService } from '../eventbridge/api.ts';
import type { EventBus } from '../eventbridge/bus.ts';
import { route53Service } from '../route53/api.ts';
import type { SfnRuntime } from '../runtime/sfn-runtime.ts';
import { statesService } from '../stepfunctions/api.ts';
import type { World } from './world.ts';

/** Where each simulated service's model lives in the world, by the service's SigV4 signing name. */
const MODELS: Readonly<Record<string, (world: World, region: string) => unknown>> = {
  ecs: (world, region) => world.region(region).ecs,
  autoscaling: (world, region) => world.region(region).autoscaling,
  'application-autoscaling': (world, region) => world.region(region).applicationAutoScaling,
  monitoring: (world, region) => world.region(region).cloudwatch,
  elasticloadbalancing: (world, region) => world.region(region).elb,
  route53: (world) => world.route53,
};

/** The service bound to the world's model of it (services without a model are returned as they are). */
export function bindToWorld<M>(world: World, service: ServiceDefinition<M>): ServiceDefinition {
  const model = MODELS[service.signingName];
  if (!model) return service as unknown as ServiceDefinition;
  return bindModel(service, (region) => model(world, region) as M);
}

/**
 * Every service the local cloud's endpoint serves (DynamoDB is dynalite, behind the endpoint itself), each
 * bound to the world's model of it in the call's region.
 */
export function buildServices(world: World, runtimes: { sfn: SfnRuntime; bus: EventBus }): ServiceDefinition[] {
  return [
    bindToWorld(world, ecsService),
    bindToWorld(world, autoScalingService),
    bindToWorld(world, applicationAutoScalingService),
    bindToWorld(world, cloudWatchService),
    bindToWorld(world, route53Service),
    bindToWorld(world, elbService),
    statesService(runtimes.sfn),
    eventsService(runtimes.bus),
  ];
}
