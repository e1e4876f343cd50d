import { OpenBillingAccount } from './account';
import { VoidInvoice } from './credit-note';
import { IssueInvoice } from './invoice';
import { InvoiceCommand } from './payments';
import { CreateTariff } from './tariff';

/** Every command of the billing domain; the events are `BillingEvent` in @voltstream/contracts. */
export type BillingCommand = CreateTariff | OpenBillingAccount | IssueInvoice | InvoiceCommand | VoidInvoice;
