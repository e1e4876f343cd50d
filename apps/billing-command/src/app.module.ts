import { DynamicModule, Module } from '@nestjs/common';
import { publicSurfaceOf } from '@voltstream/contracts';
import { Authenticator, ObservabilityModule, stopOnShutdown, subgraphModule } from '@voltstream/platform';
import { join } from 'node:path';
import { CreateTariffHandler } from './create-tariff/create-tariff.handler';
import { CreateTariffResolver } from './create-tariff/create-tariff.resolver';
import { IssueInvoiceHandler } from './issue-invoice/issue-invoice.handler';
import { IssueInvoiceResolver } from './issue-invoice/issue-invoice.resolver';
import { OpenBillingAccountHandler } from './open-billing-account/open-billing-account.handler';
import { OpenBillingAccountResolver } from './open-billing-account/open-billing-account.resolver';
import { PayInvoiceHandler } from './pay-invoice/pay-invoice.handler';
import { PayInvoiceResolver } from './pay-invoice/pay-invoice.resolver';
import { PaymentWebhookController, WEBHOOK_SECRET } from './payment-webhook/payment-webhook.controller';
import { SettlePaymentHandler } from './payment-webhook/settle-payment.handler';
import { BillingCommandRuntime } from './runtime';
import { VoidInvoiceHandler } from './void-invoice/void-invoice.handler';
import { VoidInvoiceResolver } from './void-invoice/void-invoice.resolver';

@Module({})
export class AppModule {
  static with(runtime: BillingCommandRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forService(runtime.readiness, runtime.metrics),
        subgraphModule([join(__dirname, 'schema/*.graphql')], runtime.logger, {
          auth: runtime.auth,
          publicSurface: publicSurfaceOf('billing-command'),
          deadLetters: { service: 'billing-command', desk: () => runtime.consumers.desk },
        }),
      ],
      controllers: [PaymentWebhookController],
      providers: [
        { provide: Authenticator, useValue: runtime.auth },
        { provide: CreateTariffHandler, useValue: runtime.createTariff },
        { provide: OpenBillingAccountHandler, useValue: runtime.openBillingAccount },
        { provide: IssueInvoiceHandler, useValue: runtime.issueInvoice },
        { provide: PayInvoiceHandler, useValue: runtime.payInvoice },
        { provide: SettlePaymentHandler, useValue: runtime.settlePayment },
        { provide: VoidInvoiceHandler, useValue: runtime.voidInvoice },
        { provide: WEBHOOK_SECRET, useValue: runtime.config.payments.webhookSecret },
        CreateTariffResolver,
        OpenBillingAccountResolver,
        IssueInvoiceResolver,
        PayInvoiceResolver,
        VoidInvoiceResolver,
        ...stopOnShutdown(runtime),
      ],
    };
  }
}
