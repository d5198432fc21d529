import { BallastError } from '#shared/errors.ts';

/**
 * Named errors of the region-failover workflow. The state machine branches on their names (see
 * state-machines/region-failover.ts); keep them stable. Input problems use the shared `InvalidInput`.
 */

/** Another failover holds the active-region fence: this one changed nothing. */
export class FenceHeld extends BallastError {}

/** The destination is already the active region (and no failover is in progress): nothing to do. */
export class AlreadyActive extends BallastError {}

/** The fence's ledger could not be reached: without it two regions could both take traffic, so nothing moves. */
export class FenceUnreachable extends BallastError {}

/** The weighted records Ballast steers are not in the hosted zone as expected (checked before any change). */
export class RecordsMissing extends BallastError {}

/** An operator command names no failover in progress. */
export class NoFailoverInProgress extends BallastError {}

/** The state handed to a step is not one the workflow produced (a definition or version mismatch). */
export class FailoverStateInvalid extends BallastError {}

/** A failback was asked for before the region had been healthy (and out of traffic) long enough. */
export class NotHealthyLongEnough extends BallastError {}
