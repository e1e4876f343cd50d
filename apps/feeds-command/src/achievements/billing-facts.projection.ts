import { BillingEvent, BillingEventTypes, parseBillingEvent, UUID_PATTERN } from '@voltstream/contracts';
import { ConsumedEvent, Projection, Queryable } from '@voltstream/platform';
import { AchievementAwarder, Fact } from './achievement-awarder';

const READ: ReadonlySet<string> = new Set([
  BillingEventTypes.InvoiceIssued,
  BillingEventTypes.PaymentSucceeded,
]);

interface InvoiceRow {
  invoice_id: string;
  owner_id: string | null;
  paid_at: Date | null;
}

/**
 * Paid invoices from billing.events, as facts of their owners. Billing's events name invoices,
 * not users: InvoiceIssued tells the owner, PaymentSucceeded (invoiceStatus PAID) the moment it
 * was paid; the fact is recorded once both are known, in whichever order they arrive.
 */
export class BillingFactsProjection implements Projection<number> {
  readonly name = 'feeds-command-achievements-billing';

  constructor(private readonly awarder: AchievementAwarder) {}

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<number> {
    const facts: Fact[] = [];
    const causes = new Map<string, string>();
    for (const { envelope } of events) {
      if (!READ.has(envelope.type)) continue;
      const event = parseBillingEvent(envelope.type, envelope.schemaVersion, envelope.payload);
      const row = await remember(tx, event);
      if (!row?.owner_id || !row.paid_at) continue;
      facts.push({
        userId: row.owner_id,
        kind: 'INVOICE_PAID',
        factId: row.invoice_id,
        at: row.paid_at.toISOString(),
      });
      causes.set(row.owner_id, envelope.id);
    }
    await this.awarder.record(tx, facts);
    return this.awarder.award(tx, causes);
  }
}

/** Notes what the event tells about its invoice; returns the invoice as now known, or null. */
async function remember(tx: Queryable, event: BillingEvent): Promise<InvoiceRow | null> {
  switch (event.type) {
    case BillingEventTypes.InvoiceIssued: {
      const { invoiceId, ownerId } = event.payload;
      // Achievements are a user's, and users have uuids: an owner of another kind earns none.
      if (!UUID_PATTERN.test(ownerId)) return null;
      const rows = await tx.query<InvoiceRow[]>(
        `INSERT INTO billing_invoices (invoice_id, owner_id) VALUES ($1, $2)
         ON CONFLICT (invoice_id) DO UPDATE SET owner_id = EXCLUDED.owner_id
         RETURNING invoice_id, owner_id, paid_at`,
        [invoiceId, ownerId],
      );
      return rows[0];
    }
    case BillingEventTypes.PaymentSucceeded: {
      const { invoiceId, invoiceStatus, succeededAt } = event.payload;
      if (invoiceStatus !== 'PAID') return null;
      const rows = await tx.query<InvoiceRow[]>(
        `INSERT INTO billing_invoices (invoice_id, paid_at) VALUES ($1, $2)
         ON CONFLICT (invoice_id) DO UPDATE SET paid_at = LEAST(billing_invoices.paid_at, EXCLUDED.paid_at)
         RETURNING invoice_id, owner_id, paid_at`,
        [invoiceId, succeededAt],
      );
      return rows[0];
    }
    case BillingEventTypes.TariffCreated:
    case BillingEventTypes.BillingAccountOpened:
    case BillingEventTypes.PaymentRequested:
    case BillingEventTypes.PaymentFailed:
    case BillingEventTypes.InvoiceVoided:
    case BillingEventTypes.AccountCreditApplied:
      // Credit is not the customer paying; an achievement once earned stays when its invoice is voided.
      return null;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
