import type { Context } from 'aws-lambda';
import * as z from '#events/zod.ts';
import { autoScaling } from '#shared/clients/auto-scaling.ts';
import { dynamo } from '#shared/clients/dynamo.ts';
import { ecs } from '#shared/clients/ecs.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { handlerChain } from '#shared/middleware.ts';
import { resolveRequest, type SkipOutput } from './core/resolve.ts';
import { drainDeps } from './deps.ts';
import type { DrainState } from './state.ts';

/** The SDK clients this handler's code calls, and the only ones its bundle loads. */
const CLIENTS = { ecs, autoScaling, sfn, dynamo };

/**
 * What the state machine passes to 'Resolve Request': the raw execution input (the EventBridge event or the
 * manual console input) and the execution's id, which owns the ledger claim and the budget slot.
 */
export const ResolveInput = z.strictObject({ input: z.unknown(), execution: z.string().check(z.minLength(1)) });

/**
 * 'Resolve Request': the first state of drain-host. Input: `{ input, execution }` (a bare raw input is
 * accepted too, without an owner). Throws InvalidInput (naming the field) before any mutating call.
 */
export const handler = handlerChain(async (event: unknown, _context: Context): Promise<DrainState | SkipOutput> => {
  const wrapped = ResolveInput.safeParse(event);
  return wrapped.success
    ? resolveRequest(wrapped.data.input, drainDeps(CLIENTS), wrapped.data.execution)
    : resolveRequest(event, drainDeps(CLIENTS));
});
