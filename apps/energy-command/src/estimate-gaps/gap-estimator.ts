import { ENERGY_AGGREGATE } from '@voltstream/contracts';
import {
  estimateGaps,
  EstimationPolicy,
  estimationWindow,
  intervalsEstimated,
  PROFILE_LOOKBACK_MS,
} from '@voltstream/energy';
import { EventOutbox, JsonLogger, ServiceMetrics } from '@voltstream/platform';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { estimationStore } from './estimation-store';

export interface GapEstimatorOptions {
  policy: EstimationPolicy;
  scanIntervalMs: number;
  /** Meters one pass takes on; the rest wait for the next pass. */
  metersPerPass: number;
  /** Intervals one pass examines per meter (two weeks of 5-minute intervals by default). */
  intervalsPerMeter: number;
}

/**
 * Estimates the gaps of meters (VEE) every scan interval. Per meter, one transaction under the
 * meter row's lock — the lock recordReadings takes, so versions stay serial and two instances
 * never estimate the same interval — stores the estimates, appends IntervalsEstimated events at
 * the next versions to the outbox and moves the meter's cursor. Work is bounded per pass; a
 * meter with more left is due again at the next pass.
 */
export class GapEstimator {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly estimated: Counter;

  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
    private readonly options: GapEstimatorOptions,
    private readonly logger: JsonLogger,
    metrics: ServiceMetrics,
  ) {
    this.estimated = new Counter({
      name: 'vee_intervals_estimated_total',
      help: 'Intervals the write side estimated because no reading arrived for them (VEE)',
      registers: [metrics.registry],
    });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .catch((error: unknown) =>
          this.logger.event('warn', 'gap estimation failed', { error: String(error) }),
        )
        .finally(() => (this.running = undefined));
    }, this.options.scanIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the meters due; returns how many intervals it estimated. */
  async runOnce(now = new Date()): Promise<number> {
    const { policy, metersPerPass } = this.options;
    const meterIds = await estimationStore.metersDue(this.db, now, policy, metersPerPass);
    let total = 0;
    for (const meterId of meterIds) {
      // One meter that fails (a lock timeout, a bug) must not hold up the others: it stays due.
      try {
        total += await this.estimateMeter(meterId, now);
      } catch (error) {
        this.logger.event('warn', 'gap estimation of a meter failed', { meterId, error: String(error) });
      }
    }
    return total;
  }

  /** Estimates the next window of one meter; 0 when another transaction holds it. */
  async estimateMeter(meterId: string, now: Date): Promise<number> {
    const { policy, intervalsPerMeter } = this.options;
    const estimates = await this.db.transaction(async (tx) => {
      const meter = await estimationStore.lock(tx, meterId);
      if (!meter) return [];
      // Decided again under the lock: a pass that waited behind another sees its cursor.
      const window = estimationWindow(meter, now, policy, intervalsPerMeter);
      if (!window) return [];
      const stored = await estimationStore.readingsBetween(
        tx,
        meter.id,
        new Date(window.after.getTime() - PROFILE_LOOKBACK_MS),
        window.through,
      );
      const found = estimateGaps(window, meter.intervalMinutes, stored, policy);
      const events = intervalsEstimated(meter.id, found);
      const version = meter.version + events.length;
      if (events.length > 0) {
        await estimationStore.insertEstimates(tx, meter.id, found);
        // No actor: the passing of time (the grace period) decided these, not a caller.
        await this.outbox.emit(
          tx,
          { aggregate: { type: ENERGY_AGGREGATE, id: meter.id, version }, events },
          { actorId: null, occurredAt: now },
        );
      }
      await estimationStore.progressed(tx, meter.id, version, window.through);
      return found;
    });
    this.estimated.inc(estimates.length);
    return estimates.length;
  }
}
