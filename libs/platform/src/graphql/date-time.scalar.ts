import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parse(text: unknown): Date {
  if (typeof text !== 'string' || !ISO_INSTANT.test(text) || Number.isNaN(Date.parse(text))) {
    throw new GraphQLError('DateTime must be an ISO-8601 instant with an offset, e.g. 2026-01-31T23:00:00Z', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return new Date(text);
}

/** What `Date.prototype.toISOString` writes (years 0000-9999). */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function serialize(value: unknown): string {
  // Pages read back from the Redis cache hold their instants as JSON strings already written by
  // toISOString: passing those through saves a parse and a format per instant (a consumption
  // page has two per bucket).
  if (typeof value === 'string' && CANONICAL_UTC.test(value)) return value;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/** ISO-8601 instants; always written in UTC. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize,
  parseValue: parse,
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? parse(ast.value) : parse(undefined)),
});
