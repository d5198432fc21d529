import type { EventPattern } from 'aws-cdk-lib/aws-events';
import { InstanceId } from './lifecycle.ts';
import * as z from './zod.ts';

/**
 * EC2 Spot interruption warnings (about two minutes' notice) and rebalance recommendations. Both carry only
 * the instance id: the resolve step finds the group with DescribeAutoScalingInstances and checks that it is
 * one Ballast drains. Samples: events/samples/spot-interruption.json, rebalance-recommendation.json.
 */
export const EC2_SOURCE = 'aws.ec2';
export const SPOT_DETAIL_TYPE = 'EC2 Spot Instance Interruption Warning';
export const REBALANCE_DETAIL_TYPE = 'EC2 Instance Rebalance Recommendation';

const text = z.string().check(z.minLength(1));
const envelope = {
  version: z.optional(z.string()),
  id: text,
  source: z.literal(EC2_SOURCE),
  account: z.optional(z.string()),
  time: text,
  region: text,
  resources: z._default(z.array(z.string()), []),
};

export const SpotInterruptionEvent = z.looseObject({
  ...envelope,
  'detail-type': z.literal(SPOT_DETAIL_TYPE),
  detail: z.looseObject({
    'instance-id': InstanceId,
    'instance-action': z.enum(['terminate', 'stop', 'hibernate']),
  }),
});
export type SpotInterruptionEvent = z.output<typeof SpotInterruptionEvent>;

export const RebalanceRecommendationEvent = z.looseObject({
  ...envelope,
  'detail-type': z.literal(REBALANCE_DETAIL_TYPE),
  detail: z.looseObject({ 'instance-id': InstanceId }),
});
export type RebalanceRecommendationEvent = z.output<typeof RebalanceRecommendationEvent>;

/** Spot interruption warnings: the fast path (drain at once, report what could not move in time). */
export function spotInterruptionPattern(): EventPattern {
  return { source: [EC2_SOURCE], detailType: [SPOT_DETAIL_TYPE] };
}

/** Rebalance recommendations: a soft mark only (keep new tasks off the host), no DRAINING. */
export function rebalanceRecommendationPattern(): EventPattern {
  return { source: [EC2_SOURCE], detailType: [REBALANCE_DETAIL_TYPE] };
}
