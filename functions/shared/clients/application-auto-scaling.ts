import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { perRegion } from './cache.ts';

/** The Application Auto Scaling client of a region (memoised). */
export const applicationAutoScaling = perRegion((settings) => new ApplicationAutoScalingClient(settings));
