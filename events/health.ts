import type { EventPattern } from 'aws-cdk-lib/aws-events';
import { InstanceId } from './lifecycle.ts';
import * as z from './zod.ts';

/**
 * AWS Health scheduled changes for EC2 instances (`source: aws.health`, `detail-type: AWS Health Event`,
 * `detail.eventTypeCategory: scheduledChange`), sent to the account days ahead of the change. Ballast acts on
 * those after which the instance no longer runs (retirement, scheduled stop): it marks each affected host
 * of its clusters with `ballast.drain-pending=health` (no new tasks for services with the placement
 * constraint) and emits `Host Maintenance Scheduled` with the scheduled time, so a person or a pipeline can
 * drain or replace it ahead of time. It does not drain by itself: the change is days away and the drain
 * workflow runs at most 50 h. Reboot maintenance (the host comes back) is not acted on.
 * Sample: events/samples/health-instance-retirement.json.
 */
export const HEALTH_SOURCE = 'aws.health';
export const HEALTH_DETAIL_TYPE = 'AWS Health Event';

/** The EC2 scheduled changes after which the instance does not run any more. */
export const INSTANCE_GOES_AWAY = [
  'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
  'AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED',
  'AWS_EC2_INSTANCE_STOP_SCHEDULED',
] as const;

const text = z.string().check(z.minLength(1));

export const HealthEvent = z.looseObject({
  version: z.optional(z.string()),
  id: text,
  'detail-type': z.literal(HEALTH_DETAIL_TYPE),
  source: z.literal(HEALTH_SOURCE),
  account: z.optional(z.string()),
  time: text,
  region: text,
  resources: z._default(z.array(z.string()), []),
  detail: z.looseObject({
    eventArn: text,
    service: z.string(),
    eventTypeCode: text,
    eventTypeCategory: z.string(),
    /** When the change begins, e.g. `Sat, 05 Jun 2027 17:00:00 GMT` (RFC 1123). */
    startTime: z.optional(z.string()),
    affectedEntities: z._default(z.array(z.looseObject({ entityValue: z.string() })), []),
  }),
});
export type HealthEvent = z.output<typeof HealthEvent>;

/** The instance ids an event names (affected entities, else resources), in order, once each. */
export function affectedInstances(event: HealthEvent): string[] {
  const values = [...event.detail.affectedEntities.map((e) => e.entityValue), ...event.resources];
  return [...new Set(values.filter((v) => InstanceId.safeParse(v).success))];
}

/** The scheduled EC2 changes Ballast marks hosts for. */
export function instanceScheduledChangePattern(): EventPattern {
  return {
    source: [HEALTH_SOURCE],
    detailType: [HEALTH_DETAIL_TYPE],
    detail: { service: ['EC2'], eventTypeCategory: ['scheduledChange'], eventTypeCode: [...INSTANCE_GOES_AWAY] },
  };
}
