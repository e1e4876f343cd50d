/**
 * What a consumer does with an error is decided here, for every consumer alike:
 *
 * - `transient`: the world is in the way (database down or starting, a lock, a timeout, a
 *   deadlock, Kafka or Redis away). The partition waits and retries for as long as it takes;
 *   nothing is dead-lettered and the position does not move.
 * - `permanent`: this event can never apply (does not parse, breaks its contract, unknown type or
 *   version, or the projection said so with UnapplicableEventError). It is dead-lettered after a
 *   few tries and its key's later events are parked.
 * - `unknown`: neither. Treated like transient (the partition stalls, readiness says why): a bug
 *   in a projection or a database error we have not named hits every event of its shape, and
 *   dead-lettering would send a stream of valid events away and park their keys; stalling loses
 *   nothing and resumes by itself once the fix is deployed. A projection that knows an event can
 *   never apply says so with UnapplicableEventError.
 */
export type ErrorKind = 'transient' | 'permanent' | 'unknown';

export interface ClassifiedError {
  kind: ErrorKind;
  /** A stable, short name for the cause: `lock_not_available`, `connection`, `contract`, … */
  reason: string;
}

/** Thrown by a projection for an event that can never apply as it is: dead-letter it. */
export class UnapplicableEventError extends Error {
  readonly code = 'PLATFORM.EVENT_UNAPPLICABLE';

  constructor(message: string) {
    super(message);
    this.name = 'UnapplicableEventError';
  }
}

/** SQLSTATEs that pass: the server is going away or starting, or the statement lost a race. */
const TRANSIENT_SQLSTATES: Record<string, string> = {
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
  '57014': 'query_canceled',
  '55P03': 'lock_not_available',
  '40P01': 'deadlock_detected',
  '40001': 'serialization_failure',
  '53300': 'too_many_connections',
  '25006': 'read_only_sql_transaction',
};

/** SQLSTATE classes that pass: 08 connection exception, 53 insufficient resources, 58 system error. */
const TRANSIENT_SQLSTATE_CLASSES: Record<string, string> = {
  '08': 'connection_exception',
  '53': 'insufficient_resources',
  '58': 'system_error',
};

/** Node socket errors: the peer is down, unreachable or went away. */
const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** Messages of pg's pool and client, and of ioredis, that carry no code. */
const TRANSIENT_MESSAGES: [RegExp, string][] = [
  [/timeout exceeded when trying to connect/i, 'pool_timeout'],
  // 55000 with this text: the database was closed to connections (ALLOW_CONNECTIONS false).
  [/is not currently accepting connections/i, 'database_unavailable'],
  // pg's Client when connectionTimeoutMillis passes before the server answers.
  [/^timeout expired$/i, 'connect_timeout'],
  [/connection terminated/i, 'connection'],
  [/connection (is )?closed/i, 'connection'],
  [/not queryable/i, 'connection'],
  [/Command timed out/i, 'redis_timeout'],
  [/enableOfflineQueue/i, 'redis_unavailable'],
];

const PERMANENT_NAMES: Record<string, string> = {
  UnapplicableEventError: 'unapplicable',
  ContractViolation: 'contract',
  UnknownEventError: 'unknown_event',
};

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** Sorts an error (pg, TypeORM, kafkajs, ioredis, contracts, ours) by what to do about it. */
export function classifyError(error: unknown): ClassifiedError {
  const seen = new Set<unknown>();
  // Wrappers carry the real error inside: TypeORM's QueryFailedError (driverError), `cause`,
  // AggregateError (a connect to several addresses that all failed).
  const queue: unknown[] = [error];
  let first: ClassifiedError | undefined;
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const found = classifyOne(current);
    // A permanent mark wins over a transient wrapper; anything known wins over unknown.
    if (found?.kind === 'permanent') return found;
    first ??= found;
    const shape = current as ErrorShape;
    queue.push(shape.driverError, shape.cause);
    if (Array.isArray(shape.errors)) queue.push(...(shape.errors as unknown[]));
  }
  return first ?? { kind: 'unknown', reason: nameOf(error) };
}

function classifyOne(error: ErrorShape): ClassifiedError | undefined {
  const name = typeof error.name === 'string' ? error.name : '';
  if (Object.hasOwn(PERMANENT_NAMES, name)) return { kind: 'permanent', reason: PERMANENT_NAMES[name] };
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (Object.hasOwn(TRANSIENT_SQLSTATES, code))
      return { kind: 'transient', reason: TRANSIENT_SQLSTATES[code] };
    const sqlClass = code.slice(0, 2);
    if (Object.hasOwn(TRANSIENT_SQLSTATE_CLASSES, sqlClass))
      return { kind: 'transient', reason: TRANSIENT_SQLSTATE_CLASSES[sqlClass] };
    const named = TRANSIENT_MESSAGES.find(([pattern]) => pattern.test(message));
    if (named) return { kind: 'transient', reason: named[1] };
    // Any other SQLSTATE (a constraint, a missing column, a value out of range) is unknown:
    // a migration or a fix can make it apply, so it stalls rather than dead-letters.
    return { kind: 'unknown', reason: `sqlstate_${code}` };
  }
  if (TRANSIENT_SYSTEM_CODES.has(code)) return { kind: 'transient', reason: 'connection' };
  // Every kafkajs error here comes from publishing a dead letter or heartbeating: Kafka is away.
  if (name.startsWith('KafkaJS')) return { kind: 'transient', reason: 'kafka_unavailable' };
  if (name === 'MaxRetriesPerRequestError') return { kind: 'transient', reason: 'redis_unavailable' };
  for (const [pattern, reason] of TRANSIENT_MESSAGES) {
    if (pattern.test(message)) return { kind: 'transient', reason };
  }
  return undefined;
}

function nameOf(error: unknown): string {
  if (error instanceof Error) return error.name || 'Error';
  return typeof error;
}
