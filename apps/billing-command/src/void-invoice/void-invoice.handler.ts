import {
  BillingEventTypes,
  encodeConsistencyToken,
  INVOICE_AGGREGATE,
  InvoiceVoidedV1,
  notFound,
  UUID_PATTERN,
} from '@voltstream/contracts';
import { assertVoidable, creditNoteYear, decideVoidInvoice, voidReason } from '@voltstream/billing';
import { Caller, EventOutbox, Queryable, requireAdmin } from '@voltstream/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { lockInvoice, saveInvoiceState } from '../pay-invoice/invoice-lock';
import { IssuedInvoiceFacts } from '../shared/graphql-views';
import { creditNoteStore } from './credit-note-store';

export interface VoidedInvoice {
  voided: InvoiceVoidedV1;
  invoice: IssuedInvoiceFacts;
  consistencyToken: string;
}

/**
 * Voids an issued invoice with a credit note that reverses it, in one transaction: the invoice
 * row lock serialises it with payments of that invoice, the year's sequence row lock keeps the
 * credit-note numbers gapless. ADMIN only.
 */
export class VoidInvoiceHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
  ) {}

  async execute(caller: Caller, invoiceId: string, reason: string): Promise<VoidedInvoice> {
    requireAdmin(caller);
    const trimmed = voidReason(reason);
    if (!UUID_PATTERN.test(invoiceId)) throw notFound('invoice');
    const { voided, invoice, version } = await this.db.transaction((tx) =>
      this.voidIn(tx, invoiceId, trimmed, caller.userId),
    );
    return {
      voided,
      invoice,
      consistencyToken: encodeConsistencyToken({
        aggregateType: INVOICE_AGGREGATE,
        aggregateId: invoiceId,
        version,
      }),
    };
  }

  private async voidIn(
    tx: Queryable,
    invoiceId: string,
    reason: string,
    actorId: string,
  ): Promise<{ voided: InvoiceVoidedV1; invoice: IssuedInvoiceFacts; version: number }> {
    const invoice = await lockInvoice(tx, invoiceId);
    if (!invoice) throw notFound('invoice');
    // Refuse before a number is taken: the sequence row stays free for voids that go through.
    assertVoidable(invoice.state);
    const now = new Date();
    const year = creditNoteYear(now);
    const sequence = await creditNoteStore.lockNextSequence(tx, year);
    const issued = await creditNoteStore.issuedInvoice(tx, invoiceId);
    const decision = decideVoidInvoice(
      {
        state: invoice.state,
        ownerId: invoice.ownerId,
        number: invoice.number,
        lines: issued.lines,
      },
      { type: 'VoidInvoice', creditNoteId: randomUUID(), sequence, reason, now },
    );
    const version = invoice.version + 1;
    await saveInvoiceState(tx, decision.invoice, version);
    await creditNoteStore.insert(tx, decision.event, { year, sequence }, actorId);
    await this.outbox.emit(
      tx,
      {
        aggregate: { type: INVOICE_AGGREGATE, id: invoiceId, version },
        events: [{ type: BillingEventTypes.InvoiceVoided, schemaVersion: 1, payload: decision.event }],
      },
      { actorId: actorId, occurredAt: now },
    );
    return { voided: decision.event, invoice: issued, version };
  }
}
