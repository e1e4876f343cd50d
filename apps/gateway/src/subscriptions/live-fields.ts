import { LiveChannels } from '@voltstream/contracts';

/** The query that asks a subscribed object's owner whether the subscriber may read it. */
export interface Guard {
  rootField: 'meter' | 'billingAccount';
  /** The object's name in NOT_FOUND, identical for another's object and a missing one. */
  what: string;
}

/** How the gateway serves one field of the public `Subscription` type. */
export interface LiveField {
  /** The ID argument naming the subscribed object; absent: the caller's own (their feed). */
  argument?: 'meterId' | 'accountId';
  channel: (id: string) => string;
  /** Checked on subscribe, and again whenever an event is refused to the subscriber. */
  guard?: Guard;
  /**
   * The root query field that reads the event's entity by id, with everything the client
   * selects; absent when the message is the whole payload (a reading).
   */
  entityField?: 'invoice' | 'activity';
}

export const LIVE_FIELDS: Readonly<Record<string, LiveField>> = {
  meterReadings: {
    argument: 'meterId',
    channel: LiveChannels.meterReadings,
    guard: { rootField: 'meter', what: 'meter' },
  },
  invoiceUpdates: {
    argument: 'accountId',
    channel: LiveChannels.invoiceUpdates,
    guard: { rootField: 'billingAccount', what: 'billing account' },
    entityField: 'invoice',
  },
  feedUpdates: { channel: LiveChannels.feedUpdates, entityField: 'activity' },
};
