import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BALLAST_SOURCE, type DrainEventDetail, type DrainEventType } from '#events/ballast-events.ts';
import type { DrainState } from '../state.ts';
import type { DrainDeps } from './deps.ts';
import { countByClass } from './hosts.ts';

/** The detail of a Ballast drain event, from the state. */
export function eventDetail(state: DrainState, message: string, finishedAt?: string): DrainEventDetail {
  return {
    instanceId: state.request.instanceId,
    ...(state.cluster !== undefined ? { cluster: state.cluster } : {}),
    ...(state.group !== undefined ? { group: state.group } : {}),
    region: state.region,
    drainId: state.request.drainId,
    trigger: state.request.kind,
    tasks: countByClass(state.tasks),
    remaining: countByClass(state.tasks, (t) => !t.stopped),
    stuckServices: state.stuckServices,
    ...(state.outcome !== undefined ? { outcome: state.outcome } : {}),
    ...(state.lifecycleResult !== undefined ? { lifecycleResult: state.lifecycleResult } : {}),
    ...(state.startedAt !== undefined ? { startedAt: state.startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    message,
    dryRun: state.dryRun,
  };
}

/**
 * Emits a Ballast event on the default bus (also in dry-run: the events are how dry-run decisions are seen).
 * A failed entry throws, so Step Functions retries the step.
 */
export async function emit(deps: DrainDeps, detailType: DrainEventType, detail: DrainEventDetail): Promise<void> {
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
