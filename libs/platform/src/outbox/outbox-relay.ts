import { Client } from 'pg';
import { EventPublisher, OutgoingMessage } from '../kafka/event-publisher';
import { JsonLogger } from '../logging/json-logger';
import { outboxChannel } from './outbox-schema';

export interface OutboxRelayOptions {
  service: string;
  /** Connection string of the database that holds the outbox. */
  connectionString: string;
  publisher: EventPublisher;
  logger: JsonLogger;
  batchSize?: number;
  /**
   * Safety net: the leader looks for rows this often even without a NOTIFY (default 5 s). Every
   * outbox write notifies on commit, and a relay that (re)connects drains first, so this only
   * matters for a notification lost with the connection that carried it.
   */
  pollIntervalMs?: number;
  /** How often an instance that does not lead tries to take over (default 5 s). */
  standbyRetryMs?: number;
  /** Sent rows are kept this long for inspection, then deleted. */
  retentionMs?: number;
  onBacklog?: (unsent: number) => void;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  envelope: { id: string; type: string };
}

/**
 * Publishes committed outbox rows to Kafka. One instance per service leads, chosen by a
 * session-level advisory lock; the others wait to take over. Rows are claimed by what is
 * unsent and visible, never by "id > last sent", so a transaction that took an earlier id but
 * committed later is still published. A crash between publishing and marking re-sends the rows:
 * consumers are idempotent by aggregate version.
 */
export class OutboxRelay {
  private client: Client | undefined;
  private running = false;
  private leader = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private lastCleanup = 0;

  constructor(private readonly options: OutboxRelayOptions) {}

  isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.connect();
        if (!(await this.tryLead())) {
          await this.sleep(this.options.standbyRetryMs ?? 5000);
          continue;
        }
        const sent = await this.drainOnce();
        failures = 0;
        if (sent === 0) {
          await this.cleanup();
          await this.sleep(this.pollIntervalMs());
        }
      } catch (error) {
        failures += 1;
        const delay = Math.min(100 * 2 ** failures, 5000);
        this.options.logger.event('warn', 'outbox relay failed; retrying', {
          error: String(error),
          delayMs: delay,
        });
        await this.disconnect();
        await this.sleep(delay);
      }
    }
    await this.disconnect();
  }

  private async connect(): Promise<void> {
    if (this.client) return;
    const client = new Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: 3000,
    });
    client.on('error', () => void this.disconnect());
    client.on('notification', () => this.wake?.());
    await client.connect();
    this.client = client;
  }

  private async tryLead(): Promise<boolean> {
    if (this.leader) return true;
    const client = this.client!;
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [`outbox-relay:${this.options.service}`],
    );
    if (!rows[0]?.locked) return false;
    await client.query(`LISTEN ${outboxChannel(this.options.service)}`);
    this.leader = true;
    this.options.logger.event('info', 'outbox relay leads', { service: this.options.service });
    return true;
  }

  /** Publishes one claimed batch; returns how many rows it sent. */
  private async drainOnce(): Promise<number> {
    const client = this.client!;
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, topic, message_key, envelope FROM outbox
         WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize ?? 500],
      );
      if (rows.length > 0) {
        await this.options.publisher.publish(rows.map(toMessage));
        await client.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])', [
          rows.map((r) => r.id),
        ]);
      }
      await client.query('COMMIT');
      await this.reportBacklog();
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private async reportBacklog(): Promise<void> {
    if (!this.options.onBacklog) return;
    const { rows } = await this.client!.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM outbox WHERE sent_at IS NULL',
    );
    this.options.onBacklog(Number(rows[0]?.n ?? 0));
  }

  private async cleanup(): Promise<void> {
    const retentionMs = this.options.retentionMs ?? 3_600_000;
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.client!.query(`DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)`, [
      retentionMs / 1000,
    ]);
  }

  private pollIntervalMs(): number {
    return this.options.pollIntervalMs ?? 5000;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (this.leader)
      this.options.logger.event('info', 'outbox relay stops leading', { service: this.options.service });
    this.leader = false;
    // Closing the session releases the advisory lock, so another instance can lead.
    await client?.end().catch(() => undefined);
  }
}

function toMessage(row: OutboxRow): OutgoingMessage {
  return {
    topic: row.topic,
    key: row.message_key,
    value: JSON.stringify(row.envelope),
    headers: { 'event-type': row.envelope.type, 'event-id': row.envelope.id },
  };
}
