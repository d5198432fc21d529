import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { perRegion } from './cache.ts';

/** The CloudWatch client of a region (memoised). */
export const cloudWatch = perRegion((settings) => new CloudWatchClient(settings));
