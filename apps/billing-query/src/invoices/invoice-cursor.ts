import { DomainError, ErrorCodes, UUID_PATTERN } from '@voltstream/contracts';

/**
 * A position in an account's invoices or credit notes, newest first: the last one a page showed.
 * Each connection has its own prefix, so a cursor of one is refused by the other.
 */
export interface InvoicePosition {
  issuedAt: Date;
  id: string;
}

const INVOICES = 'inv1:';
export const CREDIT_NOTES = 'cn1:';

export function encodeInvoiceCursor(position: InvoicePosition, prefix = INVOICES): string {
  return Buffer.from(`${prefix}${position.issuedAt.toISOString()}|${position.id}`, 'utf8').toString(
    'base64url',
  );
}

/** BAD_USER_INPUT for anything this connection did not hand out. */
export function decodeInvoiceCursor(cursor: string, path = 'after', prefix = INVOICES): InvoicePosition {
  const text = cursor.length <= 200 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const [at = '', id = '', ...rest] = text.slice(prefix.length).split('|');
  const issuedAt = new Date(at);
  if (
    !text.startsWith(prefix) ||
    rest.length > 0 ||
    !UUID_PATTERN.test(id) ||
    Number.isNaN(issuedAt.getTime())
  ) {
    throw new DomainError(ErrorCodes.badUserInput, `${path} is not a cursor from this connection`, [
      { path, code: ErrorCodes.badUserInput, message: 'unknown cursor' },
    ]);
  }
  return { issuedAt, id };
}

/** A page of `size` from rows read newest first with LIMIT size + 1, and the cursor after its last. */
export function keysetPage<T extends InvoicePosition>(rows: readonly T[], size: number, prefix = INVOICES) {
  const nodes = rows.slice(0, size);
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    pageInfo: {
      hasNextPage: rows.length > size,
      endCursor: last ? encodeInvoiceCursor({ issuedAt: last.issuedAt, id: last.id }, prefix) : null,
    },
  };
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `first` as given, or the default; BAD_USER_INPUT outside 1..100. */
export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new DomainError(ErrorCodes.badUserInput, `first must be from 1 to ${MAX_PAGE_SIZE}`, [
      { path: 'first', code: ErrorCodes.badUserInput, message: `from 1 to ${MAX_PAGE_SIZE}` },
    ]);
  }
  return size;
}
