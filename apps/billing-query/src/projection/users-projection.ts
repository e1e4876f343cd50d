import { ConsumedEvent, Projection, Queryable, registeredUsersIn } from '@voltstream/platform';

/**
 * Keeps the names and emails of users, which invoice PDFs print: billing owns neither, so it
 * reads them from identity's events. Other identity events are not billing's concern.
 */
export class UsersProjection implements Projection<number> {
  readonly name = 'billing-users';

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<number> {
    const users = registeredUsersIn(events);
    if (users.length === 0) return 0;
    const rows = await tx.query<unknown[]>(
      `INSERT INTO users (id, email, display_name, registered_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        users.map((u) => u.userId),
        users.map((u) => u.email),
        users.map((u) => u.displayName),
        users.map((u) => u.registeredAt),
      ],
    );
    return rows.length;
  }
}
