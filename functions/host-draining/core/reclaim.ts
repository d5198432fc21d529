import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { normaliseDrainHostInput } from '#events/drain-host-input.ts';
import * as z from '#events/zod.ts';
import type { DrainRecord } from '#shared/ledger.ts';
import { type DrainDeps, errorName } from './deps.ts';

/**
 * Reclaiming what a drain execution leaves behind when it ends without reaching a Catch: StopExecution from
 * the console or the CLI, the execution's own timeout, `States.DataLimitExceeded`, `States.Runtime`. Such an
 * execution never runs 'Release Budget' or 'Record Outcome', so its budget slot and its `active` drain record
 * would stay until the record's TTL. Two ways in, both idempotent:
 *  - Step Functions' "Execution Status Change" event (FAILED, TIMED_OUT, ABORTED) → `reclaimExecution`;
 *  - 'Acquire Budget' on a full budget checks each holder's execution (`holderIsRunning`).
 */

/** Statuses of an execution that is over. */
export const ENDED_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type EndedStatus = (typeof ENDED_STATUSES)[number];

/** The part of the EventBridge "Step Functions Execution Status Change" event that is read. */
export const ExecutionStatusChange = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  source: z.literal('aws.states'),
  detail: z.object({
    executionArn: z.string(),
    stateMachineArn: z.string(),
    status: z.string(),
    startDate: z.nullish(z.union([z.number(), z.string()])),
    stopDate: z.nullish(z.union([z.number(), z.string()])),
    input: z.nullish(z.string()),
    error: z.nullish(z.string()),
    cause: z.nullish(z.string()),
  }),
});
export type ExecutionStatusChange = z.output<typeof ExecutionStatusChange>;

/** Whether the execution that owns a drain record is still running (records without an owner count as running). */
export async function holderIsRunning(
  record: DrainRecord,
  deps: DrainDeps,
): Promise<{ running: true } | { running: false; status: string; error?: string; cause?: string }> {
  const execution = typeof record.execution === 'string' ? record.execution : undefined;
  if (!execution) return { running: true };
  try {
    const out = await deps.clients.sfn.send(new DescribeExecutionCommand({ executionArn: execution }));
    if (out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE') return { running: true };
    return {
      running: false,
      status: out.status ?? 'UNKNOWN',
      ...(out.error ? { error: out.error } : {}),
      ...(out.cause ? { cause: out.cause } : {}),
    };
  } catch (error) {
    // Execution history is kept 90 days; an execution that no longer exists is not running either.
    if (errorName(error) === 'ExecutionDoesNotExist') return { running: false, status: 'GONE' };
    throw error;
  }
}

/**
 * Closes a drain record whose execution ended without recording its outcome: frees its budget slot (if the
 * cluster is known), writes `outcome: execution-<status>` with the error and cause, and logs the operation.
 * A record that is no longer `active` is left alone (the execution recorded its own outcome).
 */
export async function closeAbandonedDrain(
  record: DrainRecord,
  ended: { status: string; error?: string | undefined; cause?: string | undefined },
  deps: DrainDeps,
): Promise<boolean> {
  if (record.status !== 'active') return false;
  const now = deps.clock();
  const region = deps.config.region;
  const cluster = typeof record.cluster === 'string' ? record.cluster : undefined;
  const holder = `${record.instanceId}#${record.drainId}`;
  if (cluster) await deps.ledger.releaseBudget(region, cluster, holder);
  await deps.ledger.releaseInstance(region, record.instanceId, record.drainId);
  const outcome = `execution-${ended.status.toLowerCase().replace(/_/g, '-')}`;
  const why = [ended.error, ended.cause].filter(Boolean).join(': ');
  const message = `The drain's execution ended ${ended.status}${why ? ` (${why.slice(0, 500)})` : ''} without recording an outcome: its budget slot and its hold on the host were freed. The host may still be DRAINING and its lifecycle hook follows its DefaultResult; drain it again with {"action": "drain", "instanceId": "${record.instanceId}"} or release it with {"action": "release", "instanceId": "${record.instanceId}"}.`;
  await deps.ledger.updateDrain(region, record.instanceId, record.drainId, {
    status: 'finished',
    outcome,
    finishedAt: now.toISOString(),
    message,
  });
  await deps.ledger.appendOperation(now, record.drainId, {
    operation: 'drain-host',
    kind: record.trigger,
    instanceId: record.instanceId,
    cluster,
    outcome,
    message,
  });
  deps.logger.warn('Closed a drain whose execution ended without recording its outcome', {
    instanceId: record.instanceId,
    drainId: record.drainId,
    outcome,
    holder,
  });
  return true;
}

/**
 * The handler core of the execution-status rule: finds the drain records this execution owns (by the
 * instance its input names) and closes those still `active`. Returns how many were closed.
 */
export async function reclaimExecution(raw: unknown, deps: DrainDeps): Promise<{ closed: number; message: string }> {
  const parsed = ExecutionStatusChange.safeParse(raw);
  if (!parsed.success) {
    return { closed: 0, message: 'Not a Step Functions execution status change: nothing to reclaim.' };
  }
  const { detail } = parsed.data;
  if (!['FAILED', 'TIMED_OUT', 'ABORTED'].includes(detail.status)) {
    return { closed: 0, message: `Execution ${detail.status}: nothing to reclaim.` };
  }
  let input: unknown;
  try {
    input = JSON.parse(detail.input ?? 'null');
  } catch {
    input = null;
  }
  const started = detail.startDate ? new Date(detail.startDate) : deps.clock();
  const normalised = normaliseDrainHostInput(input, started);
  if (normalised.type !== 'request') {
    return { closed: 0, message: 'The execution named no drain request (invalid input or skipped): nothing held.' };
  }
  const records = await deps.ledger.drainsOf(deps.config.region, normalised.request.instanceId);
  let closed = 0;
  for (const record of records) {
    if (record.execution !== detail.executionArn) continue;
    const ended = {
      status: detail.status,
      ...(detail.error ? { error: detail.error } : {}),
      ...(detail.cause ? { cause: detail.cause } : {}),
    };
    if (await closeAbandonedDrain(record, ended, deps)) closed += 1;
  }
  return { closed, message: `Closed ${closed} drain record(s) of ${detail.executionArn}.` };
}
