import { deadLetterTopic, Topics } from '@voltstream/contracts';
import {
  Authenticator,
  createKafka,
  ensureTopics,
  EventPublisher,
  JsonLogger,
  ProjectionRunner,
  Readiness,
  retryUntilDone,
  ServiceMetrics,
  Stoppable,
  WriteSide,
} from '@voltstream/platform';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { BillingCommandConfig } from './config';
import { CreateTariffHandler } from './create-tariff/create-tariff.handler';
import { InvoiceScheduler } from './issue-invoice/invoice-scheduler';
import { IssueInvoiceHandler } from './issue-invoice/issue-invoice.handler';
import { BillingSchema1733000000000 } from './migrations/1733000000000-billing-schema';
import { OpenBillingAccountHandler } from './open-billing-account/open-billing-account.handler';
import { PayInvoiceHandler } from './pay-invoice/pay-invoice.handler';
import { HttpPaymentProvider } from './pay-invoice/payment-provider';
import { PaymentReconciler } from './pay-invoice/payment-reconciler';
import { SettlePaymentHandler } from './payment-webhook/settle-payment.handler';
import { BillingOutbox } from './shared/billing-outbox';
import { UsageLedgerProjection } from './usage/usage-ledger.projection';

const CONSUMER_GRACE_MS = 60_000;

/**
 * Everything billing-command runs on: its database with the outbox relay, the usage ledger fed
 * by energy.events, the payment provider, and the invoice scheduler and payment reconciler.
 */
export class BillingCommandRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly metrics: ServiceMetrics;
  readonly auth: Authenticator;
  readonly writeSide: WriteSide;
  readonly db: DataSource;
  readonly createTariff: CreateTariffHandler;
  readonly openBillingAccount: OpenBillingAccountHandler;
  readonly issueInvoice: IssueInvoiceHandler;
  readonly payInvoice: PayInvoiceHandler;
  readonly settlePayment: SettlePaymentHandler;
  readonly scheduler: InvoiceScheduler;
  readonly reconciler: PaymentReconciler;
  readonly usageLedger: ProjectionRunner<void>;
  private readonly kafka: Kafka;
  private readonly deadLetters: EventPublisher;
  private stopped = false;

  constructor(
    readonly config: BillingCommandConfig,
    readonly logger: JsonLogger,
  ) {
    const name = config.service.serviceName;
    this.metrics = new ServiceMetrics(name);
    this.auth = Authenticator.fromConfig(config.auth);
    this.writeSide = new WriteSide({
      service: name,
      postgres: config.postgres,
      kafka: config.kafka,
      topic: Topics.billing,
      topicPartitions: config.topicPartitions,
      migrations: [BillingSchema1733000000000],
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    this.db = this.writeSide.db;
    const outbox = new BillingOutbox(name);
    const provider = new HttpPaymentProvider(config.payments.providerUrl, config.payments.webhookUrl);
    this.createTariff = new CreateTariffHandler(this.db, outbox);
    this.openBillingAccount = new OpenBillingAccountHandler(this.db, outbox);
    this.issueInvoice = new IssueInvoiceHandler(this.db, outbox, config.paymentTermDays);
    this.payInvoice = new PayInvoiceHandler(this.db, outbox, provider, logger);
    this.settlePayment = new SettlePaymentHandler(this.db, outbox, logger);
    this.scheduler = new InvoiceScheduler(this.db, this.issueInvoice, logger, config.scheduler.intervalMs);
    this.reconciler = new PaymentReconciler(this.db, provider, this.settlePayment, logger, {
      intervalMs: 2_000,
      handOverAfterMs: 5_000,
      askAfterMs: config.payments.reconcileAfterMs,
    });

    this.kafka = createKafka(config.kafka, logger);
    this.deadLetters = new EventPublisher(this.kafka);
    const ledger = new UsageLedgerProjection();
    this.usageLedger = new ProjectionRunner({
      kafka: this.kafka,
      groupId: config.usageConsumerGroup,
      topic: Topics.energy,
      projection: ledger,
      dataSource: this.db,
      deadLetters: this.deadLetters,
      logger,
      onApplied: (events) => this.metrics.eventsApplied.inc({ projection: ledger.name }, events.length),
      onLag: (partition, lag) =>
        this.metrics.consumerLag.set({ projection: ledger.name, partition: String(partition) }, lag),
    });
    this.readiness.add({
      name: 'usage-ledger',
      check: async () => {
        const { state, sinceMs } = this.usageLedger.consumerState();
        const up = state === 'joined' || (state === 'starting' && sinceMs < CONSUMER_GRACE_MS);
        return { up, details: { consumer: state, forMs: sinceMs } };
      },
    });
  }

  async start(): Promise<void> {
    await this.writeSide.start();
    void retryUntilDone(
      async () => {
        await ensureTopics(this.kafka, [
          { topic: Topics.energy, partitions: this.config.topicPartitions },
          { topic: deadLetterTopic(Topics.energy), partitions: 1 },
        ]);
        await this.usageLedger.start();
      },
      {
        isCancelled: () => this.stopped,
        onError: (error, attempt) =>
          this.logger.event('warn', 'usage ledger cannot start yet', { error: String(error), attempt }),
      },
    );
    this.reconciler.start();
    if (this.config.scheduler.enabled) this.scheduler.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.scheduler.stop();
    await this.reconciler.stop();
    await this.usageLedger.stop();
    await this.deadLetters.disconnect();
    await this.writeSide.stop();
  }
}
