import { Queryable } from '@voltstream/platform';
import { Charge, ChargeStatus } from './charge';
import { FailureReason } from './test-amounts';

interface ChargeRow {
  id: string;
  idempotency_key: string;
  request_fingerprint: string;
  amount_minor: string;
  currency: string;
  reference: string;
  description: string | null;
  webhook_url: string;
  status: ChargeStatus;
  failure_reason: FailureReason | null;
  created_at: Date;
  settled_at: Date | null;
}

const toCharge = (row: ChargeRow): Charge => ({
  id: row.id,
  idempotencyKey: row.idempotency_key,
  requestFingerprint: row.request_fingerprint,
  // bigint arrives as text; amounts are capped far below 2^53 at the API.
  amountMinor: Number(row.amount_minor),
  currency: row.currency,
  reference: row.reference,
  description: row.description,
  webhookUrl: row.webhook_url,
  status: row.status,
  failureReason: row.failure_reason,
  createdAt: row.created_at,
  settledAt: row.settled_at,
});

export type NewCharge = Pick<
  Charge,
  | 'id'
  | 'idempotencyKey'
  | 'requestFingerprint'
  | 'amountMinor'
  | 'currency'
  | 'reference'
  | 'description'
  | 'webhookUrl'
>;

export const chargeStore = {
  /** Inserts a pending charge due to settle after `settleDelayMs`; null when the key is taken. */
  async insert(db: Queryable, charge: NewCharge, settleDelayMs: number): Promise<Charge | null> {
    const rows = await db.query<ChargeRow[]>(
      `INSERT INTO charges (id, idempotency_key, request_fingerprint, amount_minor, currency, reference,
         description, webhook_url, status, settle_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', now() + make_interval(secs => $9))
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
      [
        charge.id,
        charge.idempotencyKey,
        charge.requestFingerprint,
        charge.amountMinor,
        charge.currency,
        charge.reference,
        charge.description,
        charge.webhookUrl,
        settleDelayMs / 1000,
      ],
    );
    return rows[0] ? toCharge(rows[0]) : null;
  },

  async byIdempotencyKey(db: Queryable, key: string): Promise<Charge | null> {
    const rows = await db.query<ChargeRow[]>('SELECT * FROM charges WHERE idempotency_key = $1', [key]);
    return rows[0] ? toCharge(rows[0]) : null;
  },

  async byId(db: Queryable, id: string): Promise<Charge | null> {
    const rows = await db.query<ChargeRow[]>('SELECT * FROM charges WHERE id = $1', [id]);
    return rows[0] ? toCharge(rows[0]) : null;
  },

  async byReference(db: Queryable, reference: string, limit: number): Promise<Charge[]> {
    const rows = await db.query<ChargeRow[]>(
      'SELECT * FROM charges WHERE reference = $1 ORDER BY created_at, id LIMIT $2',
      [reference, limit],
    );
    return rows.map(toCharge);
  },

  /** Pending charges whose time has come, locked; another instance skips them. */
  async lockDue(db: Queryable, limit: number): Promise<Charge[]> {
    const rows = await db.query<ChargeRow[]>(
      `SELECT * FROM charges WHERE status = 'pending' AND settle_at <= now()
       ORDER BY settle_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map(toCharge);
  },

  async settle(
    db: Queryable,
    id: string,
    status: Exclude<ChargeStatus, 'pending'>,
    failureReason: FailureReason | null,
    settledAt: Date,
  ): Promise<void> {
    await db.query(
      `UPDATE charges SET status = $2, failure_reason = $3, settled_at = $4 WHERE id = $1 AND status = 'pending'`,
      [id, status, failureReason, settledAt],
    );
  },
};
