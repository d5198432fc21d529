import { ECSClient } from '@aws-sdk/client-ecs';
import { perRegion } from './cache.ts';

/** The ECS client of a region (memoised). */
export const ecs = perRegion((settings) => new ECSClient(settings));
