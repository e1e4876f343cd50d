import { Queryable } from '@voltstream/platform';

export interface Account {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  roles: string[];
  createdAt: Date;
}

interface AccountRow {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  roles: string[];
  created_at: Date;
}

const toAccount = (row: AccountRow): Account => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  passwordHash: row.password_hash,
  roles: row.roles,
  createdAt: row.created_at,
});

export const accountStore = {
  /** Inserts unless the email is taken; returns false when it is. */
  async insert(tx: Queryable, account: Account): Promise<boolean> {
    const rows = await tx.query<{ id: string }[]>(
      `INSERT INTO users (id, email, display_name, password_hash, roles, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING id`,
      [
        account.id,
        account.email,
        account.displayName,
        account.passwordHash,
        account.roles,
        account.createdAt,
      ],
    );
    return rows.length === 1;
  },

  async byEmail(db: Queryable, email: string): Promise<Account | null> {
    const rows = await db.query<AccountRow[]>('SELECT * FROM users WHERE email = $1', [email]);
    return rows[0] ? toAccount(rows[0]) : null;
  },

  async byId(db: Queryable, id: string): Promise<Account | null> {
    const rows = await db.query<AccountRow[]>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ? toAccount(rows[0]) : null;
  },
};

/** The User fields the API shows; never the password hash. */
export interface UserView {
  id: string;
  email: string;
  displayName: string;
  roles: string[];
  createdAt: Date;
  /** Set on the user of an AuthPayload: the session's own user, before its token is sent. */
  viewerIsSelf?: boolean;
}

export const toUser = (account: Account, viewerIsSelf = false): UserView => ({
  id: account.id,
  email: account.email,
  displayName: account.displayName,
  roles: account.roles,
  createdAt: account.createdAt,
  ...(viewerIsSelf ? { viewerIsSelf } : {}),
});
