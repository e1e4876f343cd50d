import { Caller } from '@voltstream/platform';

/** Customers read their own billing; ADMIN reads anyone's. */
export const canRead = (caller: Caller, ownerId: string): boolean =>
  ownerId === caller.userId || caller.roles.includes('ADMIN');
