import {
  createDataSource,
  JsonLogger,
  migrate,
  Readiness,
  reportPoolUsage,
  ServiceMetrics,
  Stoppable,
} from '@voltstream/platform';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { PaymentSandboxConfig } from './config';
import { CreateChargeHandler } from './create-charge/create-charge.handler';
import { Charges1767225600000 } from './migrations/1767225600000-charges';
import { ChargeSettler } from './settlement/charge-settler';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { PollingLoop } from './workers/polling-loop';

/** Everything the sandbox runs on, built once at boot and handed to the Nest module. */
export class PaymentSandboxRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly metrics: ServiceMetrics;
  readonly db: DataSource;
  readonly createCharge: CreateChargeHandler;
  private readonly settler: PollingLoop;
  private readonly dispatcher: PollingLoop;

  constructor(
    readonly config: PaymentSandboxConfig,
    readonly logger: JsonLogger,
  ) {
    const { serviceName } = config.service;
    const { postgres } = config;
    this.metrics = new ServiceMetrics(serviceName);
    this.db = createDataSource({
      url: postgres.primaryUrl,
      database: postgres.database,
      applicationName: serviceName,
      poolSize: postgres.poolSize,
      connectTimeoutMs: postgres.connectTimeoutMs,
      statementTimeoutMs: postgres.statementTimeoutMs,
      migrations: [Charges1767225600000],
    });
    reportPoolUsage(this.metrics, { primary: this.db });
    const registers = [this.metrics.registry];
    const settled = new Counter({
      name: 'payment_sandbox_charges_settled_total',
      help: 'Charges settled, by outcome',
      labelNames: ['status'],
      registers,
    });
    const deliveries = new Counter({
      name: 'payment_sandbox_webhook_attempts_total',
      help: 'Webhook delivery attempts, by result (delivered, failed and retried later, abandoned)',
      labelNames: ['result'],
      registers,
    });
    // The workers run when the work they do falls due (a charge's settlement, a webhook and its
    // retries), told so by who made the work; the poll interval is only their safety net.
    const { pollIntervalMs } = config.settlement;
    const settler = new ChargeSettler(this.db, (status) => {
      settled.inc({ status });
      this.dispatcher.wakeIn(0);
    });
    const dispatcher = new WebhookDispatcher(this.db, config.webhooks, (result, retryInMs) => {
      deliveries.inc({ result });
      if (retryInMs !== undefined) this.dispatcher.wakeIn(retryInMs);
    });
    this.settler = new PollingLoop('settlement', () => settler.settleDue(), pollIntervalMs, logger);
    this.dispatcher = new PollingLoop(
      'webhook delivery',
      () => dispatcher.deliverDue(),
      pollIntervalMs,
      logger,
    );
    this.createCharge = new CreateChargeHandler(this.db, config.settlement, (settleInMs) =>
      this.settler.wakeIn(settleInMs),
    );

    this.readiness.add({
      name: 'database',
      check: async () => {
        await this.db.query('SELECT 1');
        return { up: true };
      },
    });
    // The workers only show here: they retry by themselves once the database is back.
    this.readiness.add({
      name: 'workers',
      check: async () => ({
        up: true,
        details: { settlement: this.settler.status(), webhooks: this.dispatcher.status() },
      }),
    });
  }

  /** Safe to call again after a failure (the database down at boot). */
  async start(): Promise<void> {
    if (!this.db.isInitialized) await this.db.initialize();
    await migrate(this.db, this.config.service.serviceName);
    this.settler.start();
    this.dispatcher.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.settler.stop(), this.dispatcher.stop()]);
    if (this.db.isInitialized) await this.db.destroy();
  }
}
