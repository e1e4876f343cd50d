import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideOpenBillingAccount, OpenBillingAccount } from './account';
import { BillingErrorCodes } from './billing-errors';
import { codeOf } from './billing-spec-helpers';
import { defaultInvoicePrefix } from './invoice-number';

const ACCOUNT = 'c3000000-0000-4000-8000-000000000001';
const METER = 'c3000000-0000-4000-8000-000000000002';

describe('opening a billing account', () => {
  const open: OpenBillingAccount = {
    type: 'OpenBillingAccount',
    accountId: ACCOUNT,
    ownerId: 'alice',
    tariffId: 'c3000000-0000-4000-8000-000000000004',
    meterIds: [METER],
    now: new Date('2026-06-01T00:00:00Z'),
  };

  it('derives the invoice prefix from the account id unless one is given', () => {
    assert.equal(decideOpenBillingAccount(open).invoicePrefix, 'C30000000000');
    assert.equal(defaultInvoicePrefix(ACCOUNT), 'C30000000000');
    assert.equal(decideOpenBillingAccount({ ...open, invoicePrefix: 'ACME' }).invoicePrefix, 'ACME');
  });

  it('needs at least one meter, each listed once', () => {
    assert.equal(
      codeOf(() => decideOpenBillingAccount({ ...open, meterIds: [] })),
      BillingErrorCodes.invalidMeters,
    );
    assert.equal(
      codeOf(() => decideOpenBillingAccount({ ...open, meterIds: [METER, METER] })),
      BillingErrorCodes.invalidMeters,
    );
  });
});
