import { Queryable } from '@voltstream/platform';
import { ChargeEvent } from './charge-event';

export interface DueDelivery {
  eventId: string;
  url: string;
  body: string;
  attempts: number;
}

export const deliveryStore = {
  /** Queues an event for delivery now; `body` is the exact bytes every attempt sends. */
  async insert(db: Queryable, event: ChargeEvent, url: string): Promise<void> {
    await db.query(
      `INSERT INTO webhook_deliveries (event_id, charge_id, event_type, url, body, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, $5, now(), $6)`,
      [event.id, event.data.chargeId, event.type, url, JSON.stringify(event), event.createdAt],
    );
  },

  /**
   * Claims due deliveries in one statement: SKIP LOCKED keeps two instances off the same rows,
   * and moving `next_attempt_at` past the lease keeps them claimed after the commit, while the
   * HTTP call runs outside any transaction. A crash mid-call means a retry once the lease ends.
   */
  async claimDue(db: Queryable, limit: number, leaseSeconds: number): Promise<DueDelivery[]> {
    // A CTE, so that the statement is a SELECT: TypeORM answers UPDATE … RETURNING as [rows, count].
    const rows = await db.query<{ event_id: string; url: string; body: string; attempts: number }[]>(
      `WITH claimed AS (
         UPDATE webhook_deliveries
         SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
         WHERE event_id IN (
           SELECT event_id FROM webhook_deliveries
           WHERE state = 'pending' AND next_attempt_at <= now()
           ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING event_id, url, body, attempts)
       SELECT * FROM claimed`,
      [limit, leaseSeconds],
    );
    return rows.map((row) => ({
      eventId: row.event_id,
      url: row.url,
      body: row.body,
      attempts: row.attempts,
    }));
  },

  async markDelivered(db: Queryable, eventId: string, httpStatus: number): Promise<void> {
    await db.query(
      `UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now(), last_status = $2,
         last_error = NULL WHERE event_id = $1`,
      [eventId, httpStatus],
    );
  },

  /**
   * Schedules the next attempt after `retryDelayMs`, or abandons the delivery when that attempt
   * would fall after `retryForSeconds` from the event's creation. Returns the new state.
   */
  async markFailed(
    db: Queryable,
    eventId: string,
    failure: { httpStatus: number | null; error: string },
    retryDelayMs: number,
    retryForSeconds: number,
  ): Promise<'pending' | 'abandoned'> {
    const rows = await db.query<{ state: 'pending' | 'abandoned' }[]>(
      `WITH failed AS (
         UPDATE webhook_deliveries SET
           next_attempt_at = now() + make_interval(secs => $4),
           state = CASE WHEN now() + make_interval(secs => $4) > created_at + make_interval(secs => $5)
                        THEN 'abandoned' ELSE 'pending' END,
           last_status = $2, last_error = $3
         WHERE event_id = $1 AND state = 'pending'
         RETURNING state)
       SELECT state FROM failed`,
      [eventId, failure.httpStatus, failure.error.slice(0, 500), retryDelayMs / 1000, retryForSeconds],
    );
    return rows[0]?.state ?? 'pending';
  },
};
