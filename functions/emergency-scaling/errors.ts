import { BallastError } from '#shared/errors.ts';

/**
 * Named errors of the emergency-scaling workflows. The state machines branch on their names; keep them
 * stable. Input problems use the shared `InvalidInput`.
 */

/** The state handed to a step is not one the workflow produced (a definition or version mismatch). */
export class ScaleStateInvalid extends BallastError {}

/** `extend` or `restore` found no active override in this region. */
export class NoActiveOverride extends BallastError {}

/** The override record (with its snapshot) is missing: restore cannot know what to put back. */
export class SnapshotMissing extends BallastError {}
