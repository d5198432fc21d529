import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { perRegion } from './cache.ts';

/** The EventBridge client of a region (memoised). */
export const eventBridge = perRegion((settings) => new EventBridgeClient(settings));
