import { SFNClient } from '@aws-sdk/client-sfn';
import { perRegion } from './cache.ts';

/** The Step Functions client of a region (memoised). */
export const sfn = perRegion((settings) => new SFNClient(settings));
