import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BALLAST_SOURCE, type DrainEventDetail, type DrainEventType } from '#events/ballast-events.ts';
import type { DrainState } from '../state.ts';
import { type DrainDeps, errorName } from './deps.ts';
import { countByClass, totalCounts } from './hosts.ts';

/** The detail of a Ballast drain event, from the state. */
export function eventDetail(state: DrainState, message: string, finishedAt?: string): DrainEventDetail {
  return {
    instanceId: state.request.instanceId,
    ...(state.cluster !== undefined ? { cluster: state.cluster } : {}),
    ...(state.group !== undefined ? { group: state.group } : {}),
    region: state.region,
    drainId: state.request.drainId,
    trigger: state.request.kind,
    tasks: totalCounts(state),
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

/** Attempts per event (the first and the retries of rejected entries or failed calls). */
export const EMIT_ATTEMPTS = 4;

/**
 * Emits a Ballast event on the default bus (also in dry-run: the events are how dry-run decisions are seen).
 * PutEvents can accept the call and still reject an entry (per-entry throttling, internal failure): the
 * rejected entry is sent again, with a short back-off, as is a failed call. Events report a drain, they
 * are not the drain: one that still cannot be sent is logged as an error and returned as `false` (the
 * caller records it in the drain record), and never fails a drain that worked.
 */
export async function emit(deps: DrainDeps, detailType: DrainEventType, detail: DrainEventDetail): Promise<boolean> {
  deps.logger.info(`Ballast event: ${detailType}`, { detail });
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last = 'unknown';
  for (let attempt = 1; attempt <= EMIT_ATTEMPTS; attempt++) {
    if (attempt > 1) await sleep(100 * 2 ** (attempt - 2));
    try {
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
      if ((out.FailedEntryCount ?? 0) === 0) return true;
      const entry = out.Entries?.find((e) => e.ErrorCode);
      last = `${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim();
    } catch (error) {
      last = `${errorName(error) ?? 'Error'}: ${(error as Error).message}`;
    }
    deps.logger.warn(`PutEvents rejected '${detailType}' (attempt ${attempt} of ${EMIT_ATTEMPTS})`, { error: last });
  }
  deps.logger.error(`Ballast event '${detailType}' could not be sent; the drain carries on`, { error: last });
  return false;
}

/** The state with an event type added to `undeliveredEvents` when it could not be sent. */
export function noteDelivery(state: DrainState, detailType: DrainEventType, delivered: boolean): DrainState {
  if (delivered) return state;
  const undelivered = state.undeliveredEvents ?? [];
  return undelivered.includes(detailType) ? state : { ...state, undeliveredEvents: [...undelivered, detailType] };
}
