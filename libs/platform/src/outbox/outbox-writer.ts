import { EventEnvelope } from '@voltstream/contracts';
import { Queryable } from '../database/read-router';
import { outboxChannel } from './outbox-schema';

/**
 * Appends envelopes to the outbox inside the caller's transaction. The NOTIFY is delivered
 * only when that transaction commits, which is exactly when the relay may see the rows.
 */
export async function appendToOutbox(
  tx: Queryable,
  service: string,
  topic: string,
  envelopes: readonly EventEnvelope[],
): Promise<void> {
  if (envelopes.length === 0) return;
  await tx.query(
    `INSERT INTO outbox (event_id, topic, message_key, envelope)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])`,
    [
      envelopes.map((e) => e.id),
      envelopes.map(() => topic),
      envelopes.map((e) => e.aggregateId),
      envelopes.map((e) => JSON.stringify(e)),
    ],
  );
  await tx.query(`SELECT pg_notify($1, '')`, [outboxChannel(service)]);
}
