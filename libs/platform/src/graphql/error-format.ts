import { DomainError, ErrorCodes, RateLimitedError } from '@voltstream/contracts';
import { GraphQLError, GraphQLFormattedError } from 'graphql';

/** Apollo's own codes for documents that do not parse or validate: the client's input. */
const INPUT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
]);
const PUBLIC_CODE =
  /^(UNAUTHENTICATED|FORBIDDEN|BAD_USER_INPUT|NOT_FOUND|CONFLICT|RATE_LIMITED|CONSISTENCY_TIMEOUT|SERVICE_UNAVAILABLE|PERSISTED_QUERY_NOT_FOUND|PERSISTED_QUERY_NOT_SUPPORTED|PERSISTED_QUERY_NOT_IN_LIST|[A-Z]+\.[A-Z_]+)$/;

/**
 * Maps every error to API.md's codes. Domain errors keep their code and field errors; what the
 * client sent wrong keeps its message; anything else becomes INTERNAL with no detail, so no
 * stack trace or SQL ever reaches a client. `report` sees the internal ones for the log.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
  report: (error: unknown) => void = () => undefined,
): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof DomainError) {
    const extensions: Record<string, unknown> = { code: original.code };
    if (original.fieldErrors.length > 0) extensions['fieldErrors'] = original.fieldErrors;
    if (original instanceof RateLimitedError) extensions['retryAfterSeconds'] = original.retryAfterSeconds;
    return { message: original.message, path: formatted.path, locations: formatted.locations, extensions };
  }
  if (isUnavailable(original)) {
    report(original);
    return {
      message: 'Service temporarily unavailable; retry later',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCodes.serviceUnavailable, retryable: true },
    };
  }
  const rawCode = formatted.extensions?.['code'];
  const code = typeof rawCode === 'string' ? rawCode : '';
  if (INPUT_CODES.has(code) || PUBLIC_CODE.test(code)) {
    // Extensions a client may read (a limit's name and size, field errors) stay; internals go.
    const {
      stacktrace: _stack,
      exception: _exception,
      serviceName: _service,
      http: _http,
      ...rest
    } = formatted.extensions ?? {};
    return {
      message: formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { ...rest, code: INPUT_CODES.has(code) ? ErrorCodes.badUserInput : code },
    };
  }
  report(original);
  return {
    message: 'Internal server error',
    path: formatted.path,
    extensions: { code: ErrorCodes.internal },
  };
}

/**
 * The database is away (down, restarting, not connected yet) or every pooled connection stayed
 * busy past the connect timeout. The command was not applied, or its transaction rolled back:
 * retrying it is safe. Node's socket codes, Postgres' connection (08) and shutdown (57P) classes,
 * and the messages pg, pg-pool and TypeORM give when there is no connection.
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(08|57P)/.test(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)) return true;
  }
  return /^(Connection terminated|timeout exceeded when trying to connect|Driver not Connected|Client has encountered a connection error|Query read timeout)/.test(
    error.message,
  );
}
