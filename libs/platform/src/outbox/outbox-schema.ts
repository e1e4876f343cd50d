/** DDL of the outbox; a command service's first migration runs it. */
export const OUTBOX_DDL = [
  `CREATE TABLE outbox (
     id bigserial PRIMARY KEY,
     event_id uuid NOT NULL UNIQUE,
     topic text NOT NULL,
     message_key text NOT NULL,
     envelope jsonb NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     sent_at timestamptz
   )`,
  `CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL`,
  `CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL`,
];

/** The NOTIFY channel a service's relay listens on. */
export const outboxChannel = (service: string): string => `outbox_${service.replace(/[^a-z0-9]/gi, '_')}`;
