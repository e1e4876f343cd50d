import { IdentityEventTypes, userRegisteredV1, UserRegisteredV1 } from '@voltstream/contracts';
import { ConsumedEvent } from './projection';

/**
 * The users a batch of identity.events registers, their payloads checked; other identity events
 * are skipped. A schema version this build does not know stops the batch rather than guess.
 */
export function registeredUsersIn(events: readonly ConsumedEvent[]): UserRegisteredV1[] {
  return events
    .filter(({ envelope }) => envelope.type === IdentityEventTypes.UserRegistered)
    .map(({ envelope }) => {
      if (envelope.schemaVersion !== 1) {
        throw new Error(`${envelope.type} v${envelope.schemaVersion} is not known here`);
      }
      return userRegisteredV1(envelope.payload, 'payload');
    });
}
