import { DomainError, ErrorCodes } from '@voltstream/contracts';
import { DataSource } from 'typeorm';

export type ReadTarget = 'replica' | 'primary';

export interface ReadRouterStatus {
  target: ReadTarget;
  replicaConfigured: boolean;
  replicaUp: boolean;
  lagMs: number | null;
  reason: string | null;
}

export interface ReadRouterOptions {
  maxLagMs: number;
  checkIntervalMs: number;
  onStatus?: (status: ReadRouterStatus) => void;
}

/** Anything that runs SQL: a DataSource or an EntityManager. */
export interface Queryable {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

/**
 * Sends reads to the streaming replica while it is up and close enough behind, and to the read
 * primary otherwise. A health loop measures replay lag by comparing WAL positions; a read that
 * fails on the replica (connection lost, hot-standby conflict cancel) or that waited there in vain
 * for a consistency token's write is retried once on the primary.
 */
export class ReadRouter {
  private state: ReadRouterStatus;
  private timer: NodeJS.Timeout | undefined;
  private replicaReady = false;

  constructor(
    private readonly primary: DataSource,
    private readonly replica: DataSource | undefined,
    private readonly options: ReadRouterOptions,
  ) {
    this.state = {
      target: 'primary',
      replicaConfigured: Boolean(replica),
      replicaUp: false,
      lagMs: null,
      reason: replica ? 'replica not checked yet' : 'no replica configured',
    };
  }

  status(): ReadRouterStatus {
    return { ...this.state };
  }

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.replica?.isInitialized) await this.replica.destroy();
  }

  /** Runs a read on the current target; the primary also answers when the replica read fails. */
  async read<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    if (this.state.target === 'replica' && this.replica) {
      try {
        return await work(this.replica);
      } catch (error) {
        // The replica has not replayed the caller's write (replay paused, or far behind): the
        // primary the projections write to has it, so the caller still sees their own write.
        if (isConsistencyTimeout(error)) return work(this.primary);
        if (!isReplicaFailure(error)) throw error;
        this.update({
          target: 'primary',
          replicaUp: false,
          lagMs: null,
          reason: `replica read failed: ${describe(error)}`,
        });
      }
    }
    return work(this.primary);
  }

  async check(): Promise<void> {
    if (!this.replica) return;
    try {
      if (!this.replicaReady) {
        if (!this.replica.isInitialized) await this.replica.initialize();
        this.replicaReady = true;
      }
      const [replica] = await this.replica.query<ReplicaRow[]>(REPLICA_POSITION_SQL);
      const [primary] = await this.primary.query<{ lsn: string }[]>(
        'SELECT pg_current_wal_lsn()::text AS lsn',
      );
      if (!replica || !primary) throw new Error('position query returned nothing');
      if (!replica.in_recovery) throw new Error('the replica is not in recovery (not a standby)');
      const behindBytes = lsnToBigInt(primary.lsn) - lsnToBigInt(replica.replay_lsn ?? '0/0');
      const lagMs =
        behindBytes <= 0n ? 0 : Math.round(Number(replica.since_replay_ms ?? Number.MAX_SAFE_INTEGER));
      if (lagMs > this.options.maxLagMs) {
        this.update({ target: 'primary', replicaUp: true, lagMs, reason: `replica lags ${lagMs} ms` });
      } else {
        this.update({ target: 'replica', replicaUp: true, lagMs, reason: null });
      }
    } catch (error) {
      this.update({
        target: 'primary',
        replicaUp: false,
        lagMs: null,
        reason: `replica unavailable: ${describe(error)}`,
      });
    }
  }

  private update(change: Omit<ReadRouterStatus, 'replicaConfigured'>): void {
    this.state = { ...this.state, ...change };
    this.options.onStatus?.(this.status());
  }
}

interface ReplicaRow {
  in_recovery: boolean;
  replay_lsn: string | null;
  since_replay_ms: string | null;
}

const REPLICA_POSITION_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
  pg_last_wal_replay_lsn()::text AS replay_lsn,
  (EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())) * 1000)::bigint::text AS since_replay_ms`;

/** `16/B374D848` → a comparable number. */
export function lsnToBigInt(lsn: string): bigint {
  const [high = '0', low = '0'] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

function isConsistencyTimeout(error: unknown): boolean {
  return error instanceof DomainError && error.code === ErrorCodes.consistencyTimeout;
}

function isReplicaFailure(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  // 40001: canceled by a recovery conflict; 57P0x: shutting down; 08xxx: connection problems.
  if (code === '40001' || code?.startsWith('57P') || code?.startsWith('08')) return true;
  const message = describe(error);
  return /ECONNREFUSED|ECONNRESET|terminat|Connection|timeout/i.test(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
