import type { Context } from 'aws-lambda';
import { TaskStateChangeEvent } from '#events/ecs.ts';
import { autoScaling } from '#shared/clients/auto-scaling.ts';
import { dynamo } from '#shared/clients/dynamo.ts';
import { ecs } from '#shared/clients/ecs.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { handlerChain } from '#shared/middleware.ts';
import { onTaskStopped, type WakeOutcome } from './core/wake.ts';
import { drainDeps } from './deps.ts';
import { DrainStateInvalid } from './errors.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, sfn, dynamo };

/**
 * Target of the rule on `ECS Task State Change` events of STOPPED tasks in the configured clusters: records the
 * stop on the host's wake item, and wakes the host's drain when it was the last task it waited for
 * (core/wake.ts). A stop on a host no drain waits on costs one conditional write and nothing else.
 */
export const handler = handlerChain(async (event: unknown, _context: Context): Promise<{ outcome: WakeOutcome }> => {
  const parsed = TaskStateChangeEvent.safeParse(event);
  if (!parsed.success) {
    throw new DrainStateInvalid(
      `Not an ECS Task State Change event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`,
    );
  }
  const { region, detail } = parsed.data;
  if (detail.lastStatus !== 'STOPPED' || !detail.containerInstanceArn) return { outcome: 'no-drain' };
  return { outcome: await onTaskStopped(region, detail.containerInstanceArn, detail.taskArn, drainDeps(CLIENTS)) };
});
