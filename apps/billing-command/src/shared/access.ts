import { Caller } from '@voltstream/platform';
import { DomainError, ErrorCodes } from '@voltstream/contracts';

export const isAdmin = (caller: Caller): boolean => caller.roles.includes('ADMIN');

/** Role check for ADMIN-only mutations. */
export function requireAdmin(caller: Caller): void {
  if (!isAdmin(caller)) throw new DomainError(ErrorCodes.forbidden, 'this needs the ADMIN role');
}

/** Postgres' unique_violation / exclusion_violation, which a handler turns into CONFLICT. */
export function isConstraintViolation(error: unknown, constraint?: string): boolean {
  const driverError =
    (error as { driverError?: { code?: string; constraint?: string } }).driverError ?? error;
  const { code, constraint: name } = driverError as { code?: string; constraint?: string };
  return (code === '23505' || code === '23P01') && (!constraint || name === constraint);
}
