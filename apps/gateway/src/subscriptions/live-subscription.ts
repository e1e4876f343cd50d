import {
  DomainError,
  ErrorCodes,
  notFound,
  parseEntityChangeMessage,
  parseReadingMessage,
  UUID_PATTERN,
} from '@voltstream/contracts';
import {
  execute,
  ExecutionArgs,
  ExecutionResult,
  FieldNode,
  FormattedExecutionResult,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  GraphQLFormattedError,
} from 'graphql';
import { ENTITY_ID_VARIABLE, entityQueryOf, subscriptionRootField } from './entity-query';
import { Guard, LIVE_FIELDS, LiveField } from './live-fields';
import { channelIterator, RedisChannels } from './redis-channels';
import { Subscriber, SupergraphCall } from './supergraph-calls';

export interface SubscriptionContext {
  /** Null when the connection carried no valid access token. */
  subscriber: Subscriber | null;
}

/** What one subscription result is: ours (GraphQLError) or a supergraph answer, already formatted. */
export type LiveResult = ExecutionResult | FormattedExecutionResult;

/** What one message on the channel becomes for one subscriber. */
type Outcome = { deliver: LiveResult } | { end: LiveResult } | 'skip';

/** Errors that mean "not yours": the same answer as for an object that does not exist. */
const REFUSED = new Set<unknown>([ErrorCodes.notFound, ErrorCodes.forbidden]);

/**
 * Subscribes to one field of the public Subscription type (graphql-ws `subscribe`). It
 * authorises on subscribe, asking the subscribed object's owner as the subscriber, then reads
 * the Redis channel the projector publishes to after its commit. Each event is resolved through
 * the supergraph with the subscriber's token, so every field the client selected comes from the
 * service that owns it, under that service's authorisation, and an event the subscriber may no
 * longer read (an unfollowed author, an account no longer theirs) is not delivered. A refused
 * subscription answers one result with the error, then completes.
 */
export async function subscribeLive(
  args: ExecutionArgs,
  channels: RedisChannels,
  call: SupergraphCall,
): Promise<AsyncIterableIterator<LiveResult> | LiveResult> {
  const { subscriber } = args.contextValue as SubscriptionContext;
  const root = subscriptionRootField(args.document, args.operationName);
  const responseKey = (root.alias ?? root.name).value;
  const refusal = (error: DomainError | GraphQLFormattedError): ExecutionResult | FormattedExecutionResult =>
    error instanceof DomainError
      ? {
          errors: [
            new GraphQLError(error.message, { nodes: root, path: [responseKey], originalError: error }),
          ],
        }
      : { errors: [error] };
  const field = LIVE_FIELDS[root.name.value];
  if (!field) return refusal(new DomainError(ErrorCodes.badUserInput, 'no such subscription'));
  if (!subscriber) return refusal(new DomainError(ErrorCodes.unauthenticated, 'sign in first'));

  const id = field.argument ? argumentOf(args, root, field.argument) : subscriber.caller.userId;
  const authorise = async () => (field.guard ? guardRefusal(field.guard, id, subscriber, call) : null);
  const refused = await authorise();
  if (refused) return refusal(refused);

  const outcomeOf = field.entityField
    ? entityOutcomes(args, field.entityField, subscriber, call)
    : inlineOutcomes(args, root);
  const messages = await channelIterator(channels, field.channel(id), (message) => message);
  return liveResults(messages, async (message) => {
    // A reading carries its payload, so its meter is asked again; an entity's read asks itself.
    const lostBefore = field.entityField ? null : await authorise();
    if (lostBefore) return { end: refusal(lostBefore) };
    const outcome = await outcomeOf(message);
    if (outcome !== 'refused') return outcome;
    // The event was refused: the subscription ends if its object is no longer the subscriber's.
    const lost = await authorise();
    return lost ? { end: refusal(lost) } : 'skip';
  });
}

/** The subscribed object's id, from a literal or a variable (its type is ID!: validated). */
function argumentOf(args: ExecutionArgs, root: FieldNode, name: string): string {
  const operation = getOperationAST(args.document, args.operationName);
  const definition = args.schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!operation || !definition) throw new Error('validated subscription without its field');
  const variables = getVariableValues(
    args.schema,
    operation.variableDefinitions ?? [],
    args.variableValues ?? {},
  );
  if (variables.errors) throw variables.errors[0];
  return String(getArgumentValues(definition, root, variables.coerced)[name]);
}

/**
 * Null when the subscriber may read the object; else why not. Another's object and a missing
 * one get the same NOT_FOUND; an expired token gets UNAUTHENTICATED; an outage its own error.
 */
async function guardRefusal(
  guard: Guard,
  id: string,
  subscriber: Subscriber,
  call: SupergraphCall,
): Promise<DomainError | GraphQLFormattedError | null> {
  if (!UUID_PATTERN.test(id)) return notFound(guard.what);
  const answer = await call(
    `query LiveGuard($id: ID!) { object: ${guard.rootField}(id: $id) { id } }`,
    { id },
    subscriber,
  );
  const object = answer.data?.['object'] as { id?: string } | null | undefined;
  if (object?.id === id) return null;
  const error = answer.errors?.find((e) => !REFUSED.has(e.extensions?.['code']));
  return error ?? notFound(guard.what);
}

type EventOutcome = (message: string) => Promise<Outcome | 'refused'>;

/** Reads the changed entity through the supergraph with the client's own selection. */
function entityOutcomes(
  args: ExecutionArgs,
  entityField: NonNullable<LiveField['entityField']>,
  subscriber: Subscriber,
  call: SupergraphCall,
): EventOutcome {
  const { query, responseKey } = entityQueryOf(args.document, args.operationName, entityField);
  const variables = (args.variableValues ?? {}) as Record<string, unknown>;
  return async (text) => {
    const change = parseEntityChangeMessage(text);
    if (!change) return 'skip';
    const answer = await call(
      query,
      { ...variables, [ENTITY_ID_VARIABLE]: change.id },
      subscriber,
      change.consistencyToken,
    );
    if (answer.data?.[responseKey]) return { deliver: answer };
    const codes = (answer.errors ?? []).map((error) => error.extensions?.['code']);
    // The token expired or was revoked: the client signs in again and resubscribes.
    if (codes.includes(ErrorCodes.unauthenticated)) return { end: { errors: answer.errors } };
    if (codes.every((code) => REFUSED.has(code))) return 'refused';
    // An outage: the event failed for this subscriber, who hears so; the subscription goes on.
    return { deliver: { data: null, errors: answer.errors } };
  };
}

/** The message is the payload: the client's selection is executed on it here. */
function inlineOutcomes(args: ExecutionArgs, root: FieldNode): EventOutcome {
  return async (text) => {
    const reading = parseReadingMessage(text);
    if (!reading) return 'skip';
    return {
      deliver: await execute({ ...args, rootValue: { [root.name.value]: reading } }),
    };
  };
}

/**
 * The channel's messages as subscription results, in order. `return()` (the client completes
 * or disconnects) ends the channel at once, even while the next message is awaited: an async
 * generator would wait for that message first, and keep the listener until then.
 */
function liveResults(
  messages: AsyncIterableIterator<string>,
  outcomeOf: (message: string) => Promise<Outcome>,
): AsyncIterableIterator<LiveResult> {
  let ended = false;
  const end = async (): Promise<IteratorResult<LiveResult>> => {
    ended = true;
    await messages.return?.();
    return { value: undefined, done: true };
  };
  const results: AsyncIterableIterator<LiveResult> = {
    [Symbol.asyncIterator]: () => results,
    async next() {
      while (!ended) {
        const message = await messages.next();
        if (message.done) break;
        const outcome = await outcomeOf(message.value);
        if (outcome === 'skip' || ended) continue;
        if ('end' in outcome) {
          await end();
          return { value: outcome.end, done: false };
        }
        return { value: outcome.deliver, done: false };
      }
      return { value: undefined, done: true };
    },
    return: end,
    throw: async (error: unknown) => {
      await end();
      throw error;
    },
  };
  return results;
}
