import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The service's Prometheus registry and the metrics every service may report. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly projectionLag: Histogram<'projection'>;
  readonly consumerLag: Gauge<'projection' | 'partition'>;
  readonly outboxBacklog: Gauge;
  readonly readTarget: Gauge<'target'>;
  readonly replicaLag: Gauge;
  readonly eventsApplied: Counter<'projection'>;
  readonly projectionRetries: Counter<'projection' | 'kind' | 'reason'>;
  readonly deadLettered: Counter<'projection' | 'reason'>;
  /** Per projection, the start times of its partitions' current stalls (read at scrape time). */
  private readonly stallSources = new Map<string, () => readonly { since: number }[]>();

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    // prom-client samples the event loop's delay with a 10 ms timer by default: 100 wake-ups a
    // second in every service, a visible share of an idle stack's CPU (perf/README.md, "Idle").
    // At 100 ms a block of the loop of 100 ms or more is still always seen (the timer cannot fire
    // during it); shorter ones are sampled less often.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.projectionLag = new Histogram({
      name: 'projection_lag_seconds',
      help: 'Time from an event occurring to its projection committing',
      labelNames: ['projection'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'kafka_consumer_lag_messages',
      help: 'Messages behind the partition high watermark after the last batch',
      labelNames: ['projection', 'partition'],
      registers,
    });
    this.outboxBacklog = new Gauge({
      name: 'outbox_backlog_rows',
      help: 'Committed outbox rows not yet published',
      registers,
    });
    this.readTarget = new Gauge({
      name: 'read_target',
      help: '1 for the database reads go to now (replica, or primary as fallback)',
      labelNames: ['target'],
      registers,
    });
    this.replicaLag = new Gauge({
      name: 'replica_lag_milliseconds',
      help: 'Replay lag of the read replica',
      registers,
    });
    this.eventsApplied = new Counter({
      name: 'projection_events_applied_total',
      help: 'Events applied by projections',
      labelNames: ['projection'],
      registers,
    });
    this.projectionRetries = new Counter({
      name: 'projection_transient_retries_total',
      help: 'Times a projection partition was paused to try again after a transient (or unknown) error',
      labelNames: ['projection', 'kind', 'reason'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'projection_dead_letters_total',
      help: 'Messages a projection sent to the dead-letter topic because they can never apply',
      labelNames: ['projection', 'reason'],
      registers,
    });
    const sources = this.stallSources;
    new Gauge({
      name: 'projection_stalled_partitions',
      help: 'Partitions of a projection that cannot move now (retrying after transient errors)',
      labelNames: ['projection'],
      registers,
      collect() {
        for (const [projection, read] of sources) this.set({ projection }, read().length);
      },
    });
    new Gauge({
      name: 'projection_stall_age_seconds',
      help: 'How long the oldest stalled partition of a projection has not moved (0 when none)',
      labelNames: ['projection'],
      registers,
      collect() {
        const now = Date.now();
        for (const [projection, read] of sources) {
          const oldest = Math.min(now, ...read().map((stall) => stall.since));
          this.set({ projection }, (now - oldest) / 1000);
        }
      },
    });
  }

  /** Reports a projection's stalled partitions on `projection_stalled_partitions` and `…_stall_age_seconds`. */
  reportStalls(projection: string, read: () => readonly { since: number }[]): void {
    this.stallSources.set(projection, read);
  }

  /**
   * Reports dead letters waiting and parked events per projection on
   * `projection_dead_letters_waiting` and `projection_parked_events`, counted at scrape time.
   * While the database cannot be asked, the last counts stay (a scrape never fails for it).
   */
  reportDeadLetters(read: () => Promise<{ projection: string; waiting: number; parked: number }[]>): void {
    let last: { projection: string; waiting: number; parked: number }[] = [];
    const fresh = async () => {
      last = await read().catch(() => last);
      return last;
    };
    let pending: Promise<typeof last> | undefined;
    // Both gauges are collected in one scrape: one query serves both.
    const once = () => (pending ??= fresh().finally(() => setTimeout(() => (pending = undefined), 0)));
    const registers = [this.registry];
    new Gauge({
      name: 'projection_dead_letters_waiting',
      help: 'Dead letters of a projection waiting for an operator to replay or discard them',
      labelNames: ['projection'],
      registers,
      async collect() {
        for (const row of await once()) this.set({ projection: row.projection }, row.waiting);
      },
    });
    new Gauge({
      name: 'projection_parked_events',
      help: 'Events of a projection held back behind an open dead letter of their key',
      labelNames: ['projection'],
      registers,
      async collect() {
        for (const row of await once()) this.set({ projection: row.projection }, row.parked);
      },
    });
  }

  /**
   * `readiness_probe_up{probe}`: 1 or 0 for each readiness probe, checked at scrape time, so an
   * alert sees what `/health/ready` would answer even where nothing polls it. Once per registry.
   */
  reportReadiness(read: () => Promise<readonly { probe: string; up: boolean }[]>): void {
    if (this.registry.getSingleMetric('readiness_probe_up')) return;
    new Gauge({
      name: 'readiness_probe_up',
      help: 'Readiness probes of the service: 1 up, 0 down (any 0 makes /health/ready answer 503)',
      labelNames: ['probe'],
      registers: [this.registry],
      async collect() {
        for (const result of await read()) this.set({ probe: result.probe }, result.up ? 1 : 0);
      },
    });
  }

  /** A gauge computed at scrape time, e.g. a cache hit ratio or a pool's usage. */
  gaugeFrom(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
