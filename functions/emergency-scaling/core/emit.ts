import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BALLAST_SOURCE } from '#events/ballast-events.ts';
import type { ScalingEventType } from '#events/scaling-events.ts';
import type { ScalingDeps } from './deps.ts';

/**
 * Emits a Ballast scaling event on the default bus (also in dry-run: the events are how a plan is seen).
 * A failed entry throws, so Step Functions retries the step.
 */
export async function emitScaling(
  deps: Pick<ScalingDeps, 'clients' | 'clock' | 'logger'>,
  detailType: ScalingEventType,
  detail: Record<string, unknown>,
): Promise<void> {
  deps.logger.info(`Ballast event: ${detailType}`, { detail });
  const out = await deps.clients.eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: BALLAST_SOURCE,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          Resources: [],
          Time: deps.clock(),
        },
      ],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0) {
    const entry = out.Entries?.find((e) => e.ErrorCode);
    throw new Error(
      `PutEvents rejected '${detailType}': ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`,
    );
  }
}
