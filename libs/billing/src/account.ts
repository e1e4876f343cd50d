import { BillingAccountOpenedV1, DomainError } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import { assertInvoicePrefix, defaultInvoicePrefix } from './invoice-number';

export interface OpenBillingAccount {
  type: 'OpenBillingAccount';
  accountId: string;
  ownerId: string;
  tariffId: string;
  /** Meters the caller owns (the application checks ownership before deciding). */
  meterIds: readonly string[];
  invoicePrefix?: string;
  now: Date;
}

export const MAX_METERS_PER_ACCOUNT = 100;

export function decideOpenBillingAccount(command: OpenBillingAccount): BillingAccountOpenedV1 {
  const { meterIds } = command;
  if (meterIds.length < 1 || meterIds.length > MAX_METERS_PER_ACCOUNT) {
    throw DomainError.fromFieldErrors([
      {
        path: 'input.meterIds',
        code: BillingErrorCodes.invalidMeters,
        message: `1 to ${MAX_METERS_PER_ACCOUNT} meters`,
      },
    ]);
  }
  const duplicate = meterIds.findIndex((id, index) => meterIds.indexOf(id) !== index);
  if (duplicate >= 0) {
    throw DomainError.fromFieldErrors([
      {
        path: `input.meterIds[${duplicate}]`,
        code: BillingErrorCodes.invalidMeters,
        message: 'listed twice',
      },
    ]);
  }
  const invoicePrefix = command.invoicePrefix ?? defaultInvoicePrefix(command.accountId);
  assertInvoicePrefix(invoicePrefix, 'input.invoicePrefix');
  return {
    accountId: command.accountId,
    ownerId: command.ownerId,
    tariffId: command.tariffId,
    meterIds: [...meterIds],
    invoicePrefix,
    openedAt: command.now.toISOString(),
  };
}
