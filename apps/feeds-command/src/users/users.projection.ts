import { ConsumedEvent, Projection, Queryable, registeredUsersIn } from '@voltstream/platform';

/**
 * The users feeds knows, from identity.events: follow refuses a followee nobody registered.
 * Inserting a known user again changes nothing, so redelivery and replay are harmless.
 */
export class UsersProjection implements Projection<number> {
  readonly name = 'feeds-command-users';

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<number> {
    const users = registeredUsersIn(events);
    if (users.length === 0) return 0;
    const rows = await tx.query<unknown[]>(
      `INSERT INTO users (id, registered_at)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[])
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [users.map((u) => u.userId), users.map((u) => u.registeredAt)],
    );
    return rows.length;
  }
}
