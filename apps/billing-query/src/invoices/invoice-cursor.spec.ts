import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@voltstream/contracts';
import {
  CREDIT_NOTES,
  decodeInvoiceCursor,
  encodeInvoiceCursor,
  keysetPage,
  pageSize,
} from './invoice-cursor';

const position = {
  issuedAt: new Date('2026-03-01T08:00:00.123Z'),
  id: '0b6f3a52-61c6-4c3b-9f5c-0d1b7e6a2c11',
};

const badInput = (path: string) => (error: unknown) =>
  error instanceof DomainError &&
  error.code === 'BAD_USER_INPUT' &&
  error.fieldErrors.some((field) => field.path === path);

describe('invoice cursors', () => {
  it('gives back the position it was made from', () => {
    assert.deepEqual(decodeInvoiceCursor(encodeInvoiceCursor(position)), position);
  });

  it('is opaque URL-safe text', () => {
    assert.match(encodeInvoiceCursor(position), /^[A-Za-z0-9_-]+$/);
  });

  it('refuses cursors it did not hand out', () => {
    const forged = (text: string) => Buffer.from(text).toString('base64url');
    for (const cursor of [
      'nonsense',
      '',
      forged('inv1:not a date|0b6f3a52-61c6-4c3b-9f5c-0d1b7e6a2c11'),
      forged('inv1:2026-03-01T08:00:00.000Z|not-a-uuid'),
      forged('b:2026-03-01T08:00:00.000Z'),
      forged(`inv1:2026-03-01T08:00:00.000Z|${position.id}|extra`),
      'x'.repeat(500),
    ]) {
      assert.throws(() => decodeInvoiceCursor(cursor), badInput('after'), cursor);
    }
  });
});

describe('credit-note cursors', () => {
  it('give back their position, and are refused by the invoices connection and the other way round', () => {
    const cursor = encodeInvoiceCursor(position, CREDIT_NOTES);
    assert.deepEqual(decodeInvoiceCursor(cursor, 'after', CREDIT_NOTES), position);
    assert.throws(() => decodeInvoiceCursor(cursor), badInput('after'));
    assert.throws(
      () => decodeInvoiceCursor(encodeInvoiceCursor(position), 'after', CREDIT_NOTES),
      badInput('after'),
    );
  });
});

describe('a keyset page', () => {
  const rows = [3, 2, 1].map((n) => ({ issuedAt: new Date(Date.UTC(2026, 0, n)), id: position.id }));

  it('shows `size` rows, says whether more follow, and points after its last', () => {
    const page = keysetPage(rows, 2, CREDIT_NOTES);
    assert.deepEqual(page.nodes, rows.slice(0, 2));
    assert.equal(page.pageInfo.hasNextPage, true);
    assert.deepEqual(decodeInvoiceCursor(page.pageInfo.endCursor ?? '', 'after', CREDIT_NOTES), rows[1]);
    assert.equal(keysetPage(rows, 3).pageInfo.hasNextPage, false);
    assert.equal(keysetPage([], 3).pageInfo.endCursor, null);
  });
});

describe('page size', () => {
  it('is 20 unless asked, and at most 100', () => {
    assert.equal(pageSize(undefined), 20);
    assert.equal(pageSize(null), 20);
    assert.equal(pageSize(1), 1);
    assert.equal(pageSize(100), 100);
  });

  it('refuses what is outside 1..100 as BAD_USER_INPUT on first', () => {
    for (const first of [0, -1, 101, 1000]) assert.throws(() => pageSize(first), badInput('first'));
  });
});
