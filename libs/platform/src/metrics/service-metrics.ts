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

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
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
