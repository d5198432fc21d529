/**
 * An error in AWS's own shape: the code the SDK turns into a named exception class, the message, and the
 * HTTP status. Service operations throw it; the protocol layer writes it in the wire format of the service.
 */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** 'Sender' (the caller's fault) or 'Receiver' (the service's), as awsQuery errors report it. */
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
export const validationError = (message: string) => new AwsError('ValidationError', message);
export const throttling = (message = 'Rate exceeded') => new AwsError('ThrottlingException', message, 400);
export const accessDenied = (message: string) => new AwsError('AccessDeniedException', message, 400);

/** Throws a validation error naming `field` when `value` is missing. */
export function required<T>(value: T | undefined | null, field: string, code = 'InvalidParameterException'): T {
  if (value === undefined || value === null || value === '') {
    throw new AwsError(code, `${field} is required`);
  }
  return value;
}
