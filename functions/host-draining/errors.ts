import { BallastError } from '#shared/errors.ts';

/**
 * Named errors of the drain-host workflow. The state machine branches on their names (see
 * state-machines/drain-host.ts); keep them stable. Input problems use the shared `InvalidInput`.
 */

/** The drain state handed to a step is not one the workflow produced (a definition or version mismatch). */
export class DrainStateInvalid extends BallastError {}
