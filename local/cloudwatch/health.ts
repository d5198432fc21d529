import type { Kernel } from '../core/kernel.ts';

/**
 * AWS Health's notice of a CloudWatch issue in a region, as EventBridge delivers it (`source: aws.health`,
 * `detail-type: AWS Health Event`, detail per the AWS Health EventBridge schema). On 2020-11-25 the notices
 * came hours after the impact, so the local cloud posts them late: the open notice `lagMs` after the
 * impairment began (even when it is over by then), the closed one `lagMs / 2` after it ended.
 */
export const HEALTH_NOTICE_LAG_MS = 75 * 60_000;

export function postHealthNotice(kernel: Kernel, region: string, since: number, status: 'open' | 'closed'): void {
  const eventArn = `arn:aws:health:${region}::event/CLOUDWATCH/AWS_CLOUDWATCH_OPERATIONAL_ISSUE/AWS_CLOUDWATCH_OPERATIONAL_ISSUE_${since.toString(36).toUpperCase()}`;
  const rfc2822 = (ms: number) => new Date(ms).toUTCString();
  kernel.emit(region, 'aws.health', 'AWS Health Event', {
    eventArn,
    service: 'CLOUDWATCH',
    eventTypeCode: 'AWS_CLOUDWATCH_OPERATIONAL_ISSUE',
    eventTypeCategory: 'issue',
    eventScopeCode: 'PUBLIC',
    communicationId: `${since.toString(16)}-${status}`,
    startTime: rfc2822(since),
    ...(status === 'closed' ? { endTime: rfc2822(kernel.now()) } : {}),
    lastUpdatedTime: rfc2822(kernel.now()),
    statusCode: status,
    eventRegion: region,
    eventDescription: [
      {
        language: 'en_US',
        latestDescription:
          status === 'open'
            ? 'We are investigating increased error rates and latencies for CloudWatch metrics and alarms.'
            : 'The issue has been resolved and the service is operating normally.',
      },
    ],
    affectedEntities: [],
  });
  kernel.note(region, 'health', `AWS Health: CloudWatch operational issue ${status} (posted late, as in 2020)`);
}
