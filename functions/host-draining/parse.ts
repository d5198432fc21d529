import { DrainStateInvalid } from './errors.ts';
import { type DrainState, StepInput } from './state.ts';

/** Parses a step payload `{ op, state }` and picks the step; a mismatch throws DrainStateInvalid. */
export function parseStep<F>(event: unknown, ops: Record<string, F>): { op: F; state: DrainState } {
  const parsed = StepInput.safeParse(event);
  if (!parsed.success) {
    throw new DrainStateInvalid(
      `The step input is not a drain state: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const op = ops[parsed.data.op];
  if (!op)
    throw new DrainStateInvalid(`Unknown step '${parsed.data.op}'; expected one of ${Object.keys(ops).join(', ')}`);
  return { op, state: parsed.data.state };
}
