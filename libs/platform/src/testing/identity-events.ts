import {
  EventEnvelope,
  IDENTITY_AGGREGATE,
  IdentityEventTypes,
  UserRegisteredV1,
} from '@voltstream/contracts';
import { newEnvelope } from '../outbox/new-envelope';

/** identity.UserRegistered for `userId`, as identity publishes it; fields default to a customer. */
export function userRegisteredEnvelope(
  userId: string,
  fields: Partial<Pick<UserRegisteredV1, 'email' | 'displayName' | 'registeredAt'>> = {},
): EventEnvelope {
  return newEnvelope({
    type: IdentityEventTypes.UserRegistered,
    schemaVersion: 1,
    aggregateType: IDENTITY_AGGREGATE,
    aggregateId: userId,
    aggregateVersion: 1,
    payload: {
      userId,
      email: fields.email ?? `${userId}@example.com`,
      displayName: fields.displayName ?? 'Learner',
      roles: ['CUSTOMER'],
      registeredAt: fields.registeredAt ?? new Date().toISOString(),
    },
  });
}
