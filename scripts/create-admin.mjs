#!/usr/bin/env node
// Makes a registered account an ADMIN: `npm run create-admin -- someone@example.com`.
// It talks to identity's database directly, so only an operator with database access can run
// it. The role shows in access tokens issued from then on (next login or refresh).
import pg from 'pg';

const email = process.argv[2]?.trim().toLowerCase();

async function main() {
  if (!email) throw new Error('usage: npm run create-admin -- <email of a registered account>');
  process.env.VOLTSTREAM_PROFILE ||= 'dev';
  const server = process.env.DATABASE_URL ?? (await import('../infra/local/infra.mjs')).env().DATABASE_URL;
  const url = new URL(server);
  if (url.pathname === '' || url.pathname === '/')
    url.pathname = `/${process.env.IDENTITY_DATABASE_NAME ?? 'identity'}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      `UPDATE users SET roles = array_append(roles, 'ADMIN') WHERE email = $1 AND NOT ('ADMIN' = ANY (roles))`,
      [email],
    );
    const { rows } = await client.query('SELECT roles FROM users WHERE email = $1', [email]);
    if (rows.length === 0) throw new Error(`no account for ${email}: register it first`);
    console.log(rowCount ? `${email} is now an ADMIN` : `${email} was already an ADMIN`);
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(`create-admin: ${error.message}`);
  process.exit(1);
});
