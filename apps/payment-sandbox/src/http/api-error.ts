export type ApiErrorCode = 'INVALID_REQUEST' | 'IDEMPOTENCY_KEY_REUSED' | 'NOT_FOUND' | 'INTERNAL';

/** A refused request, answered as `{ error: { code, message, field? } }` with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    /** The request field at fault, for INVALID_REQUEST. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static invalid(field: string, message: string): ApiError {
    return new ApiError(400, 'INVALID_REQUEST', message, field);
  }

  body(): { error: { code: ApiErrorCode; message: string; field?: string } } {
    return {
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}
