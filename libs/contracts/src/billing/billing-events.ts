import { UnknownEventError } from '../energy/energy-events';
import {
  array,
  Check,
  ContractViolation,
  Infer,
  int,
  isoInstant,
  nullable,
  object,
  str,
  uuid,
} from '../validation';

export const TARIFF_AGGREGATE = 'Tariff';
export const BILLING_ACCOUNT_AGGREGATE = 'BillingAccount';
/** Payment events change the invoice they pay, so they belong to the Invoice aggregate. */
export const INVOICE_AGGREGATE = 'Invoice';

export const InvoiceStatuses = ['ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID'] as const;
export type InvoiceStatus = (typeof InvoiceStatuses)[number];
export const PaymentStatuses = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type PaymentStatus = (typeof PaymentStatuses)[number];
export const InvoiceLineKinds = ['USAGE', 'STANDING_CHARGE', 'ADJUSTMENT'] as const;
export type InvoiceLineKind = (typeof InvoiceLineKinds)[number];

const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (value, path) => {
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      throw new ContractViolation(path, `must be one of ${values.join(', ')}`);
    }
    return value as T;
  };

/** Money travels as integer minor units (cents) with its ISO-4217 currency; never a float. */
const currency = str({ pattern: /^[A-Z]{3}$/ });
const minor = int({ min: 0 });
const ownerId = str({ min: 1, max: 100 });

const tariffRateV1 = object({
  fromHour: int({ min: 0, max: 23 }),
  toHour: int({ min: 1, max: 24 }),
  pricePerKwhMinor: minor,
});
const tariffCreatedV1Shape = {
  tariffId: uuid,
  name: str({ min: 1, max: 100 }),
  currency,
  standingChargePerDayMinor: minor,
  /** Local hours [fromHour, toHour), sorted, covering 0..24 exactly once. */
  rates: array(tariffRateV1, { min: 1, max: 24 }),
  createdAt: isoInstant,
};
export type TariffCreatedV1 = Infer<typeof tariffCreatedV1Shape>;
export const tariffCreatedV1: Check<TariffCreatedV1> = object(tariffCreatedV1Shape);

const billingAccountOpenedV1Shape = {
  accountId: uuid,
  ownerId,
  tariffId: uuid,
  meterIds: array(uuid, { min: 1, max: 100 }),
  /** Invoice numbers of this account are `<invoicePrefix>-<000001>`. */
  invoicePrefix: str({ pattern: /^[A-Z0-9]{2,16}$/ }),
  openedAt: isoInstant,
};
export type BillingAccountOpenedV1 = Infer<typeof billingAccountOpenedV1Shape>;
export const billingAccountOpenedV1: Check<BillingAccountOpenedV1> = object(billingAccountOpenedV1Shape);

/** Absent in events written before estimated usage was billed: those lines priced measured usage. */
const estimatedFlag: Check<boolean> = (value, path) => {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new ContractViolation(path, 'must be a boolean');
  return value;
};

const lineFields = {
  kind: oneOf(InvoiceLineKinds),
  description: str({ min: 1, max: 300 }),
  meterId: nullable(uuid),
  /** Exact integer Wh; null for the standing charge; below 0 only on an ADJUSTMENT line. */
  quantityWh: nullable(int()),
  /** The line prices estimated usage (false when absent: the upcast of older events). */
  estimated: estimatedFlag,
};

/**
 * Only an ADJUSTMENT may be negative: a correction that replaced an estimate by a lower real
 * reading, or the reversal of an estimate, carried to the next invoice.
 */
const invoiceLineV1Fields = object({ ...lineFields, amountMinor: int() });
const invoiceLineV1: Check<ReturnType<typeof invoiceLineV1Fields>> = (value, path) => {
  const line = invoiceLineV1Fields(value, path);
  if (line.kind !== 'ADJUSTMENT') {
    if (line.amountMinor < 0) throw new ContractViolation(`${path}.amountMinor`, 'below 0');
    if (line.quantityWh !== null && line.quantityWh < 0)
      throw new ContractViolation(`${path}.quantityWh`, 'below 0');
  }
  return line;
};
export type InvoiceLineV1 = ReturnType<typeof invoiceLineV1>;

const invoiceIssuedV1Shape = {
  invoiceId: uuid,
  accountId: uuid,
  ownerId,
  number: str({ pattern: /^[A-Z0-9]{2,16}-\d{6,}$/ }),
  periodStart: isoInstant,
  periodEnd: isoInstant,
  currency,
  lines: array(invoiceLineV1, { min: 1, max: 10_000 }),
  /**
   * The exact sum of the lines' amounts. Below 0 only when adjustments (estimates corrected
   * downwards) outweigh the rest: the invoice is then PAID and its negated total becomes account
   * credit that the next invoices spend.
   */
  totalMinor: int(),
  /** ISSUED, or PAID when the total is zero or below. */
  status: oneOf(InvoiceStatuses),
  issuedAt: isoInstant,
  dueAt: isoInstant,
};
export type InvoiceIssuedV1 = Infer<typeof invoiceIssuedV1Shape>;
export const invoiceIssuedV1: Check<InvoiceIssuedV1> = object(invoiceIssuedV1Shape);

const paymentFields = {
  paymentId: uuid,
  invoiceId: uuid,
  accountId: uuid,
  amountMinor: int({ min: 1 }),
  currency,
};

const paymentRequestedV1Shape = {
  ...paymentFields,
  /** Always PENDING: the amount is reserved against the invoice until the provider settles it. */
  status: oneOf(['PENDING'] as const),
  requestedAt: isoInstant,
};
export type PaymentRequestedV1 = Infer<typeof paymentRequestedV1Shape>;
export const paymentRequestedV1: Check<PaymentRequestedV1> = object(paymentRequestedV1Shape);

const paymentSucceededV1Shape = {
  ...paymentFields,
  status: oneOf(['SUCCEEDED'] as const),
  succeededAt: isoInstant,
  /** The invoice after this payment. */
  invoiceStatus: oneOf(InvoiceStatuses),
  amountDueMinor: minor,
};
export type PaymentSucceededV1 = Infer<typeof paymentSucceededV1Shape>;
export const paymentSucceededV1: Check<PaymentSucceededV1> = object(paymentSucceededV1Shape);

const paymentFailedV1Shape = {
  ...paymentFields,
  status: oneOf(['FAILED'] as const),
  reason: str({ min: 1, max: 500 }),
  failedAt: isoInstant,
  invoiceStatus: oneOf(InvoiceStatuses),
  amountDueMinor: minor,
};
export type PaymentFailedV1 = Infer<typeof paymentFailedV1Shape>;
export const paymentFailedV1: Check<PaymentFailedV1> = object(paymentFailedV1Shape);

/**
 * A credit note line reverses one invoice line: the same line with its amount negated (above 0
 * only where it reverses a negative adjustment).
 */
const creditNoteLineV1Fields = object({ ...lineFields, amountMinor: int() });
const creditNoteLineV1: Check<ReturnType<typeof creditNoteLineV1Fields>> = (value, path) => {
  const line = creditNoteLineV1Fields(value, path);
  if (line.kind !== 'ADJUSTMENT' && line.amountMinor > 0)
    throw new ContractViolation(`${path}.amountMinor`, 'above 0');
  return line;
};
export type CreditNoteLineV1 = ReturnType<typeof creditNoteLineV1>;

const invoiceVoidedV1Shape = {
  invoiceId: uuid,
  accountId: uuid,
  ownerId,
  invoiceNumber: str({ pattern: /^[A-Z0-9]{2,16}-\d{6,}$/ }),
  reason: str({ min: 1, max: 500 }),
  voidedAt: isoInstant,
  creditNoteId: uuid,
  /** `CN-<year>-<000001>`: one gapless series per UTC year, apart from invoice numbers. */
  creditNoteNumber: str({ pattern: /^CN-\d{4}-\d{6,}$/ }),
  currency,
  /** The invoice's lines, each amount negated. */
  lines: array(creditNoteLineV1, { min: 1, max: 10_000 }),
  /** The negated invoice total. */
  totalMinor: int({ max: 0 }),
  /** What had been paid on the invoice, now account credit the next invoices spend (no refund). */
  accountCreditMinor: minor,
};
export type InvoiceVoidedV1 = Infer<typeof invoiceVoidedV1Shape>;
export const invoiceVoidedV1: Check<InvoiceVoidedV1> = object(invoiceVoidedV1Shape);

const accountCreditAppliedV1Shape = {
  invoiceId: uuid,
  accountId: uuid,
  /** Taken from the account's credit (left by voided invoices' payments) towards this invoice. */
  amountMinor: int({ min: 1 }),
  currency,
  appliedAt: isoInstant,
  /** The invoice after the credit. */
  invoiceStatus: oneOf(InvoiceStatuses),
  amountDueMinor: minor,
};
export type AccountCreditAppliedV1 = Infer<typeof accountCreditAppliedV1Shape>;
export const accountCreditAppliedV1: Check<AccountCreditAppliedV1> = object(accountCreditAppliedV1Shape);

export const BillingEventTypes = {
  TariffCreated: 'billing.TariffCreated',
  BillingAccountOpened: 'billing.BillingAccountOpened',
  InvoiceIssued: 'billing.InvoiceIssued',
  PaymentRequested: 'billing.PaymentRequested',
  PaymentSucceeded: 'billing.PaymentSucceeded',
  PaymentFailed: 'billing.PaymentFailed',
  InvoiceVoided: 'billing.InvoiceVoided',
  AccountCreditApplied: 'billing.AccountCreditApplied',
} as const;

export type TariffCreatedEvent = {
  type: typeof BillingEventTypes.TariffCreated;
  schemaVersion: 1;
  payload: TariffCreatedV1;
};
export type BillingAccountOpenedEvent = {
  type: typeof BillingEventTypes.BillingAccountOpened;
  schemaVersion: 1;
  payload: BillingAccountOpenedV1;
};
export type InvoiceIssuedEvent = {
  type: typeof BillingEventTypes.InvoiceIssued;
  schemaVersion: 1;
  payload: InvoiceIssuedV1;
};
export type PaymentRequestedEvent = {
  type: typeof BillingEventTypes.PaymentRequested;
  schemaVersion: 1;
  payload: PaymentRequestedV1;
};
export type PaymentSucceededEvent = {
  type: typeof BillingEventTypes.PaymentSucceeded;
  schemaVersion: 1;
  payload: PaymentSucceededV1;
};
export type PaymentFailedEvent = {
  type: typeof BillingEventTypes.PaymentFailed;
  schemaVersion: 1;
  payload: PaymentFailedV1;
};
export type InvoiceVoidedEvent = {
  type: typeof BillingEventTypes.InvoiceVoided;
  schemaVersion: 1;
  payload: InvoiceVoidedV1;
};
export type AccountCreditAppliedEvent = {
  type: typeof BillingEventTypes.AccountCreditApplied;
  schemaVersion: 1;
  payload: AccountCreditAppliedV1;
};

export type BillingEvent =
  | TariffCreatedEvent
  | BillingAccountOpenedEvent
  | InvoiceIssuedEvent
  | PaymentRequestedEvent
  | PaymentSucceededEvent
  | PaymentFailedEvent
  | InvoiceVoidedEvent
  | AccountCreditAppliedEvent;

/** Validates a payload by type and version; a later schemaVersion gets an upcaster here. */
export function parseBillingEvent(type: string, schemaVersion: number, payload: unknown): BillingEvent {
  if (schemaVersion === 1) {
    switch (type) {
      case BillingEventTypes.TariffCreated:
        return { type, schemaVersion, payload: tariffCreatedV1(payload, 'payload') };
      case BillingEventTypes.BillingAccountOpened:
        return { type, schemaVersion, payload: billingAccountOpenedV1(payload, 'payload') };
      case BillingEventTypes.InvoiceIssued:
        return { type, schemaVersion, payload: invoiceIssuedV1(payload, 'payload') };
      case BillingEventTypes.PaymentRequested:
        return { type, schemaVersion, payload: paymentRequestedV1(payload, 'payload') };
      case BillingEventTypes.PaymentSucceeded:
        return { type, schemaVersion, payload: paymentSucceededV1(payload, 'payload') };
      case BillingEventTypes.PaymentFailed:
        return { type, schemaVersion, payload: paymentFailedV1(payload, 'payload') };
      case BillingEventTypes.InvoiceVoided:
        return { type, schemaVersion, payload: invoiceVoidedV1(payload, 'payload') };
      case BillingEventTypes.AccountCreditApplied:
        return { type, schemaVersion, payload: accountCreditAppliedV1(payload, 'payload') };
    }
  }
  throw new UnknownEventError(type, schemaVersion);
}
