import * as z from '#events/zod.ts';
import { ScaleStateInvalid } from './errors.ts';

/** Parses a step payload `{ op, state }` against `schema` and picks the step; a mismatch throws ScaleStateInvalid. */
export function parseScalingStep<S, F>(
  event: unknown,
  schema: z.ZodMiniType<S>,
  ops: Record<string, F>,
): { op: F; state: S } {
  const parsed = z
    .strictObject({ op: z.string(), correlationId: z.optional(z.string()), state: schema })
    .safeParse(event);
  if (!parsed.success) {
    throw new ScaleStateInvalid(
      `The step input is not a scaling state: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const op = ops[parsed.data.op];
  if (!op)
    throw new ScaleStateInvalid(`Unknown step '${parsed.data.op}'; expected one of ${Object.keys(ops).join(', ')}`);
  return { op, state: parsed.data.state as S };
}
