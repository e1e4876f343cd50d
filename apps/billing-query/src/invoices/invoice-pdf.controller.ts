import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { DomainError, ErrorCodes, UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, consistencyTokenOf, isOwnerOrAdmin, JsonLogger } from '@voltstream/platform';
import type { Request, Response } from 'express';
import { renderInvoicePdf } from '../invoice-pdf/render-invoice-pdf';
import { BillingQueryRuntime } from '../runtime';
import { BillingReads } from '../shared/billing-reads';
import { billingWriteOf } from '../shared/consistency';
import { invoicePdfView, readInvoiceForPdf } from './invoice-pdf-view';

const STATUS_OF: Record<string, number> = {
  [ErrorCodes.unauthenticated]: 401,
  [ErrorCodes.badUserInput]: 400,
  [ErrorCodes.notFound]: 404,
  [ErrorCodes.consistencyTimeout]: 503,
};

/**
 * `GET /invoices/<id>.pdf` with `Authorization: Bearer <token>`: the invoice as a PDF for its
 * owner or an ADMIN. Anyone else's invoice is 404, exactly like a missing one.
 */
@Controller('invoices')
export class InvoicePdfController {
  constructor(
    @Inject(BillingQueryRuntime) private readonly runtime: BillingQueryRuntime,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Get(':file')
  async download(@Param('file') file: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      const caller = await this.auth.callerOf({ req });
      const id = /^(.+)\.pdf$/.exec(file)?.[1] ?? '';
      const write = billingWriteOf(consistencyTokenOf({ req }, undefined), 'x-consistency-token');
      if (!UUID_PATTERN.test(id)) throw notFound();
      const found = await new BillingReads(this.runtime).after(write, (db) => readInvoiceForPdf(db, id));
      if (!found || !isOwnerOrAdmin(caller, found.invoice.ownerId)) throw notFound();
      const pdf = await renderInvoicePdf(invoicePdfView(found.invoice, found.payments, found.owner));
      res
        .status(200)
        .set({
          'content-type': 'application/pdf',
          'content-length': String(pdf.length),
          'content-disposition': `inline; filename="${found.invoice.number}.pdf"`,
          // Amounts due change with every payment, and the document is personal.
          'cache-control': 'private, no-store',
        })
        .end(pdf);
    } catch (error) {
      sendError(res, error, this.runtime.logger);
    }
  }
}

const notFound = () => new DomainError(ErrorCodes.notFound, 'invoice not found');

/** The same codes as GraphQL errors, as JSON; nothing internal reaches the client. */
function sendError(res: Response, error: unknown, logger: JsonLogger): void {
  const status = error instanceof DomainError ? STATUS_OF[error.code] : undefined;
  if (error instanceof DomainError && status) {
    res.status(status).json({ error: { code: error.code, message: error.message } });
    return;
  }
  logger.error(error instanceof Error ? error : String(error), 'InvoicePdfController');
  res.status(500).json({ error: { code: ErrorCodes.internal, message: 'Internal server error' } });
}
