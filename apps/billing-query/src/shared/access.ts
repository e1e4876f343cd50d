import { Caller, isOwnerOrAdmin } from '@voltstream/platform';

/** Customers read their own billing; ADMIN reads anyone's. */
export const canRead = (caller: Caller, ownerId: string): boolean => isOwnerOrAdmin(caller, ownerId);
