/**
 * Live updates: what the query services publish to Redis after a projection commits, and what
 * the gateway's GraphQL subscriptions read. The channel names and message shapes are the
 * contract between them; the gateway resolves every field a client selects through the
 * supergraph, so a message carries only what cannot be read there.
 */

/** One Redis channel per subscribed object: a meter's readings, an account's invoices, a user's feed. */
export const LiveChannels = {
  meterReadings: (meterId: string): string => `energy:meter-readings:${meterId}`,
  invoiceUpdates: (accountId: string): string => `billing:invoice-updates:${accountId}`,
  feedUpdates: (userId: string): string => `feeds:feed-updates:${userId}`,
} as const;

/**
 * A meter's newest reading of a committed batch. `Reading` is a value with no fields of other
 * services, so the message is the whole payload (`at` as an ISO string).
 */
export interface ReadingMessage {
  at: string;
  kwh: number;
}

/**
 * An entity that changed (an invoice) or appeared (a feed activity): its id, and the consistency
 * token of the write, so that reading it on a replica that lags waits for that write.
 */
export interface EntityChangeMessage {
  id: string;
  consistencyToken: string;
}

/** Null when the text is not a reading message: a channel carries nothing else. */
export function parseReadingMessage(text: string): ReadingMessage | null {
  const value = parsed(text);
  return typeof value?.['at'] === 'string' && typeof value['kwh'] === 'number'
    ? { at: value['at'], kwh: value['kwh'] }
    : null;
}

/** Null when the text is not an entity change message. */
export function parseEntityChangeMessage(text: string): EntityChangeMessage | null {
  const value = parsed(text);
  return typeof value?.['id'] === 'string' && typeof value['consistencyToken'] === 'string'
    ? { id: value['id'], consistencyToken: value['consistencyToken'] }
    : null;
}

function parsed(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The public `Subscription` type (API.md), served by the gateway over graphql-ws on the API
 * schema the supergraph composes: every type below is the full type a query returns.
 */
export const SUBSCRIPTION_SDL = `
type Subscription {
  "Each newest reading of one of the caller's meters, once it is projected."
  meterReadings(meterId: ID!): Reading!
  "Each change to an invoice of one of the caller's billing accounts: issued, paid, refused."
  invoiceUpdates(accountId: ID!): Invoice!
  "Each new activity in the caller's feed: their own, and that of the people they follow."
  feedUpdates: Activity!
}
`;
