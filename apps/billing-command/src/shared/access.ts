/** Postgres' unique_violation / exclusion_violation, which a handler turns into CONFLICT. */
export function isConstraintViolation(error: unknown, constraint?: string): boolean {
  const driverError =
    (error as { driverError?: { code?: string; constraint?: string } }).driverError ?? error;
  const { code, constraint: name } = driverError as { code?: string; constraint?: string };
  return (code === '23505' || code === '23P01') && (!constraint || name === constraint);
}
