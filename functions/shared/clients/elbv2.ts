import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { perRegion } from './cache.ts';

/** The Elastic Load Balancing v2 client of a region (memoised). */
export const elbv2 = perRegion((settings) => new ElasticLoadBalancingV2Client(settings));
