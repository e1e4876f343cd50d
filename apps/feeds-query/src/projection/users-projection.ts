import { ConsumedEvent, Projection, Queryable, registeredUsersIn } from '@voltstream/platform';

/**
 * Keeps who is registered, so that `user(id)` of someone who does not exist reads null. Feeds
 * owns none of a user's identity fields; the gateway asks identity for those.
 */
export class UsersProjection implements Projection<number> {
  readonly name = 'feeds-users';

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<number> {
    const users = registeredUsersIn(events);
    if (users.length === 0) return 0;
    const rows = await tx.query<unknown[]>(
      `INSERT INTO users (id, display_name, registered_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [users.map((u) => u.userId), users.map((u) => u.displayName), users.map((u) => u.registeredAt)],
    );
    return rows.length;
  }
}
