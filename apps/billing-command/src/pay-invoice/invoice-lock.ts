import { InvoiceStatus } from '@voltstream/contracts';
import { InvoiceState } from '@voltstream/billing';
import { Queryable } from '@voltstream/platform';

export interface LockedInvoice {
  state: InvoiceState;
  ownerId: string;
  number: string;
  version: number;
}

/** Locks an invoice row: payments and settlements of one invoice are decided one at a time. */
export async function lockInvoice(tx: Queryable, invoiceId: string): Promise<LockedInvoice | null> {
  const rows = await tx.query<
    {
      id: string;
      account_id: string;
      owner_id: string;
      number: string;
      currency: string;
      total_minor: string;
      succeeded_minor: string;
      pending_minor: string;
      status: InvoiceStatus;
      version: number;
    }[]
  >('SELECT * FROM invoices WHERE id = $1 FOR UPDATE', [invoiceId]);
  const row = rows[0];
  if (!row) return null;
  return {
    ownerId: row.owner_id,
    number: row.number,
    version: row.version,
    state: {
      invoiceId: row.id,
      accountId: row.account_id,
      currency: row.currency,
      totalMinor: Number(row.total_minor),
      succeededMinor: Number(row.succeeded_minor),
      pendingMinor: Number(row.pending_minor),
      status: row.status,
    },
  };
}

export async function saveInvoiceState(tx: Queryable, state: InvoiceState, version: number): Promise<void> {
  await tx.query(
    'UPDATE invoices SET succeeded_minor = $2, pending_minor = $3, status = $4, version = $5 WHERE id = $1',
    [state.invoiceId, state.succeededMinor, state.pendingMinor, state.status, version],
  );
}
