import type { ServiceDefinition } from '../core/service.ts';
import type { EventBus } from '../runtime/eventbridge.ts';
import type { SfnRuntime } from '../runtime/sfn-runtime.ts';
import { applicationAutoScalingService } from './application-autoscaling.ts';
import { autoScalingService } from './autoscaling.ts';
import { cloudWatchService } from './cloudwatch.ts';
import { ecsService } from './ecs.ts';
import { eventsService } from './events.ts';
import { route53Service } from './route53.ts';
import { statesService } from './states.ts';

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
