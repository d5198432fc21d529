import { applicationAutoScalingService } from '../application-autoscaling/api.ts';
import { autoScalingService } from '../autoscaling/api.ts';
import { cloudWatchService } from '../cloudwatch/api.ts';
import type { ServiceDefinition } from '../core/service.ts';
import { ecsService } from '../ecs/api.ts';
import { eventsService } from '../eventbridge/api.ts';
import type { EventBus } from '../eventbridge/bus.ts';
import { route53Service } from '../route53/api.ts';
import type { SfnRuntime } from '../runtime/sfn-runtime.ts';
import { statesService } from '../stepfunctions/api.ts';

/** Every service the local cloud's endpoint serves (DynamoDB is dynalite, behind the endpoint itself). */
export function buildServices(runtimes: { sfn: SfnRuntime; bus: EventBus }): ServiceDefinition[] {
  return [
    ecsService,
    autoScalingService,
    applicationAutoScalingService,
    cloudWatchService,
    route53Service,
    statesService(runtimes.sfn),
    eventsService(runtimes.bus),
  ];
}
