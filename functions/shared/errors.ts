/**
 * Named errors. Handlers throw them (never return them): Step Functions Retry/Catch match on the error
 * name, so each name is part of the state machine contract. Keep names stable.
 */
export class BallastError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The function's own configuration is missing or malformed (a deployment fault, not a transient one). */
export class MissingConfiguration extends BallastError {}

/** The input of a workflow does not match its schema; the message names the field and the fix. */
export class InvalidInput extends BallastError {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** A lock or budget slot is held by someone else; the state machine waits and retries. */
export class LockBusy extends BallastError {}

/** A condition the state machine polls for has not been reached yet (used with Retry as a back-off). */
export class NotYet extends BallastError {}
