import { Route53Client } from '@aws-sdk/client-route-53';
import { perRegion } from './cache.ts';

/** The Route 53 client (memoised per caller region): Route 53's control plane lives in us-east-1 whatever the caller's. */
export const route53 = perRegion((settings) => new Route53Client({ ...settings, region: 'us-east-1' }));
