import { array, Check, Infer, isoInstant, object, str, uuid } from '../validation';

export const IDENTITY_AGGREGATE = 'User';

export const Roles = ['CUSTOMER', 'INSTRUCTOR', 'ADMIN'] as const;
export type Role = (typeof Roles)[number];

const userRegisteredV1Shape = {
  userId: uuid,
  email: str({ min: 3, max: 254 }),
  displayName: str({ min: 1, max: 100 }),
  roles: array(str({ pattern: /^(CUSTOMER|INSTRUCTOR|ADMIN)$/ }), { min: 1, max: 3 }),
  registeredAt: isoInstant,
};
export type UserRegisteredV1 = Infer<typeof userRegisteredV1Shape>;
export const userRegisteredV1: Check<UserRegisteredV1> = object(userRegisteredV1Shape);

export const IdentityEventTypes = {
  UserRegistered: 'identity.UserRegistered',
} as const;
