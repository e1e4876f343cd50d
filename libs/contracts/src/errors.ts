/**
 * Errors that clients may see. Every broken rule is a DomainError with a stable code
 * (API.md, "Errors"); the GraphQL layer maps them to `extensions.code` and nothing else leaks.
 */
export const ErrorCodes = {
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  badUserInput: 'BAD_USER_INPUT',
  notFound: 'NOT_FOUND',
  conflict: 'CONFLICT',
  rateLimited: 'RATE_LIMITED',
  consistencyTimeout: 'CONSISTENCY_TIMEOUT',
  /** A dependency (the database) is down or saturated: nothing was done, retry later. */
  serviceUnavailable: 'SERVICE_UNAVAILABLE',
  internal: 'INTERNAL',
} as const;

export interface FieldError {
  /** Path inside the operation's arguments, e.g. `readings[3].kwh`. */
  path: string;
  code: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fieldErrors: readonly FieldError[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /** One error for a whole rejected input: the first problem names the code, all are listed. */
  static fromFieldErrors(errors: readonly FieldError[]): DomainError {
    const [first] = errors;
    if (!first) throw new Error('fromFieldErrors needs at least one error');
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    return new DomainError(first.code, `${first.path}: ${first.message}${more}`, errors);
  }
}

/** Too many attempts: the client may try again after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(ErrorCodes.rateLimited, message);
    this.name = 'RateLimitedError';
  }
}

export const notFound = (what: string): DomainError =>
  new DomainError(ErrorCodes.notFound, `${what} not found`);
