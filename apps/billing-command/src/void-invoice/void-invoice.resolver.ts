import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { invoiceView, lineView, money } from '../shared/graphql-views';
import { VoidInvoiceHandler } from './void-invoice.handler';

@Resolver()
export class VoidInvoiceResolver {
  constructor(
    @Inject(VoidInvoiceHandler) private readonly handler: VoidInvoiceHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('voidInvoice')
  async voidInvoice(
    @Args('invoiceId') invoiceId: string,
    @Args('reason') reason: string,
    @Context() context: GraphQLContext,
  ) {
    const caller = await this.auth.callerOf(context);
    const { voided, invoice, consistencyToken } = await this.handler.execute(caller, invoiceId, reason);
    const { currency } = voided;
    return {
      // A void invoice asks for nothing more.
      invoice: invoiceView(invoice, { amountDueMinor: 0, status: 'VOID' }, consistencyToken),
      creditNote: {
        id: voided.creditNoteId,
        number: voided.creditNoteNumber,
        reason: voided.reason,
        lines: voided.lines.map((line) => lineView(line, currency)),
        total: money(voided.totalMinor, currency),
        accountCredit: money(voided.accountCreditMinor, currency),
        issuedAt: new Date(voided.voidedAt),
        consistencyToken,
      },
      consistencyToken,
    };
  }
}
