import { Topics } from '@voltstream/contracts';
import {
  Authenticator,
  EventOutbox,
  JsonLogger,
  ProjectionConsumers,
  Readiness,
  ServiceMetrics,
  Stoppable,
  WriteSide,
} from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { BillingCommandConfig } from './config';
import { CreateTariffHandler } from './create-tariff/create-tariff.handler';
import { BillingRun } from './issue-invoice/billing-run';
import { BillingRunMetrics } from './issue-invoice/billing-run-metrics';
import { InvoiceScheduler } from './issue-invoice/invoice-scheduler';
import { IssueInvoiceHandler } from './issue-invoice/issue-invoice.handler';
import { OpenBillingAccountHandler } from './open-billing-account/open-billing-account.handler';
import { PayInvoiceHandler } from './pay-invoice/pay-invoice.handler';
import { HttpPaymentProvider } from './pay-invoice/payment-provider';
import { PaymentReconciler } from './pay-invoice/payment-reconciler';
import { VoidInvoiceHandler } from './void-invoice/void-invoice.handler';
import { SettlePaymentHandler } from './payment-webhook/settle-payment.handler';
import { UsageLedgerProjection } from './usage/usage-ledger.projection';
import { BILLING_COMMAND_MIGRATIONS } from './migrations';

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
  readonly voidInvoice: VoidInvoiceHandler;
  readonly settlePayment: SettlePaymentHandler;
  readonly scheduler: InvoiceScheduler;
  readonly reconciler: PaymentReconciler;
  readonly consumers: ProjectionConsumers;

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
      migrations: BILLING_COMMAND_MIGRATIONS,
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    this.db = this.writeSide.db;
    const outbox = new EventOutbox(name, Topics.billing);
    const provider = new HttpPaymentProvider(config.payments.providerUrl, config.payments.webhookUrl);
    this.createTariff = new CreateTariffHandler(this.db, outbox);
    this.openBillingAccount = new OpenBillingAccountHandler(this.db, outbox);
    this.issueInvoice = new IssueInvoiceHandler(this.db, outbox, config.paymentTermDays);
    this.payInvoice = new PayInvoiceHandler(this.db, outbox, provider, logger);
    this.settlePayment = new SettlePaymentHandler(this.db, outbox, logger);
    this.voidInvoice = new VoidInvoiceHandler(this.db, outbox);
    const billingRun = new BillingRun(this.db, outbox, new BillingRunMetrics(this.metrics), logger, {
      batchSize: config.scheduler.batchSize,
      concurrency: config.scheduler.concurrency,
      paymentTermDays: config.paymentTermDays,
    });
    this.scheduler = new InvoiceScheduler(this.db, billingRun, logger, config.scheduler.intervalMs);
    this.reconciler = new PaymentReconciler(this.db, provider, this.settlePayment, logger, {
      intervalMs: 2_000,
      handOverAfterMs: 5_000,
      askAfterMs: config.payments.reconcileAfterMs,
    });

    this.consumers = new ProjectionConsumers({
      kafka: config.kafka,
      dataSource: this.db,
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    this.consumers.add({
      topic: Topics.energy,
      groupId: config.usageConsumerGroup,
      // Only used when billing-command starts before energy-command has created energy.events.
      partitions: config.topicPartitions,
      probe: 'usage-ledger',
      projection: new UsageLedgerProjection(),
    });
  }

  async start(): Promise<void> {
    await this.writeSide.start();
    this.consumers.start();
    this.reconciler.start();
    if (this.config.scheduler.enabled) this.scheduler.start();
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.reconciler.stop();
    await this.consumers.stop();
    await this.writeSide.stop();
  }
}
