import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { perRegion } from './cache.ts';

/** The EC2 Auto Scaling client of a region (memoised). */
export const autoScaling = perRegion((settings) => new AutoScalingClient(settings));
