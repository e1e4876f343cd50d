import { DynamicModule, Module } from '@nestjs/common';
import { publicSurfaceOf } from '@voltstream/contracts';
import { Authenticator, ObservabilityModule, stopOnShutdown, subgraphModule } from '@voltstream/platform';
import { join } from 'node:path';
import { BillingAccountResolver } from './accounts/billing-account.resolver';
import { InvoicePdfController } from './invoices/invoice-pdf.controller';
import { InvoiceResolver } from './invoices/invoice.resolver';
import { CreditNoteResolver } from './credit-notes/credit-note.resolver';
import { MeterResolver } from './meters/meter.resolver';
import { PaymentResolver } from './payments/payment.resolver';
import { BillingQueryRuntime } from './runtime';
import { TariffResolver } from './tariffs/tariff.resolver';

@Module({})
export class AppModule {
  static with(runtime: BillingQueryRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forService(runtime.readiness, runtime.metrics),
        subgraphModule([join(__dirname, 'schema/*.graphql')], runtime.logger, {
          auth: runtime.auth,
          publicSurface: publicSurfaceOf('billing-query'),
          deadLetters: { service: 'billing-query', desk: () => runtime.readSide.deadLetterDesk },
        }),
      ],
      controllers: [InvoicePdfController],
      providers: [
        { provide: Authenticator, useValue: runtime.auth },
        { provide: BillingQueryRuntime, useValue: runtime },
        BillingAccountResolver,
        InvoiceResolver,
        CreditNoteResolver,
        PaymentResolver,
        TariffResolver,
        MeterResolver,
        ...stopOnShutdown(runtime),
      ],
    };
  }
}
