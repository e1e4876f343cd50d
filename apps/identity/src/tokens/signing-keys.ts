import { createPrivateKey, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { PublicJwk, publicJwk, Queryable } from '@voltstream/platform';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/**
 * The ES256 keys identity signs with, kept in its own database so every instance signs with
 * the same key. The first instance to boot creates one, under an advisory lock.
 */
export class SigningKeys {
  private keys: SigningKey[] = [];

  async load(db: Queryable): Promise<void> {
    let rows = await this.read(db);
    if (rows.length === 0) {
      await db.query(`SELECT pg_advisory_lock(hashtext('identity:signing-keys'))`);
      try {
        rows = await this.read(db);
        if (rows.length === 0) {
          const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
          const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
          await db.query('INSERT INTO signing_keys (kid, private_pem) VALUES ($1, $2)', [
            randomBytes(8).toString('hex'),
            pem,
          ]);
          rows = await this.read(db);
        }
      } finally {
        await db.query(`SELECT pg_advisory_unlock(hashtext('identity:signing-keys'))`);
      }
    }
    this.keys = rows.map((row) => ({ kid: row.kid, privateKey: createPrivateKey(row.private_pem) }));
  }

  /** The newest key signs; older ones stay in the JWKS until their tokens expire. */
  current(): SigningKey {
    const key = this.keys[0];
    if (!key) throw new Error('signing keys not loaded');
    return key;
  }

  byKid(kid: string): KeyObject | undefined {
    return this.keys.find((key) => key.kid === kid)?.privateKey;
  }

  jwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.map((key) => publicJwk(key.privateKey, key.kid)) };
  }

  private read(db: Queryable) {
    return db.query<{ kid: string; private_pem: string }[]>(
      'SELECT kid, private_pem FROM signing_keys ORDER BY created_at DESC',
    );
  }
}
