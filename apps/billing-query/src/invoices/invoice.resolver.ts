import { Inject } from '@nestjs/common';
import { Args, Context, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { DomainError, ErrorCodes, notFound, UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, consistencyTokenOf, GraphQLContext, isOwnerOrAdmin } from '@voltstream/platform';
import { BillingQueryRuntime } from '../runtime';
import { readsOf } from '../shared/billing-reads';
import { billingWriteOf } from '../shared/consistency';
import { AccountView, CreditNoteView, InvoiceLineView, InvoiceView, PaymentView } from '../shared/views';

@Resolver('Invoice')
export class InvoiceResolver {
  constructor(
    @Inject(BillingQueryRuntime) private readonly runtime: BillingQueryRuntime,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Query('invoice')
  async invoice(
    @Args('id') id: string,
    @Args('consistency') consistency: string | null,
    @Context() context: GraphQLContext,
  ): Promise<InvoiceView> {
    const invoice = await this.readable(id, context, consistency);
    if (!invoice) throw notFound('invoice');
    return invoice;
  }

  @ResolveField('account')
  async account(@Parent() invoice: InvoiceView, @Context() context: GraphQLContext): Promise<AccountView> {
    const account = await readsOf(this.runtime, context).accounts.load(invoice.accountId);
    // The account travels on another partition than its invoices, and may land a moment later.
    if (!account) {
      throw new DomainError(
        ErrorCodes.consistencyTimeout,
        'the invoice’s account is not readable yet; retry',
      );
    }
    return account;
  }

  @ResolveField('lines')
  async lines(
    @Parent() invoice: InvoiceView,
    @Context() context: GraphQLContext,
  ): Promise<InvoiceLineView[]> {
    return invoice.lines ?? readsOf(this.runtime, context).linesOf.load(invoice);
  }

  @ResolveField('payments')
  async payments(@Parent() invoice: InvoiceView, @Context() context: GraphQLContext): Promise<PaymentView[]> {
    return readsOf(this.runtime, context).paymentsOf.load(invoice);
  }

  /** Set once the invoice is voided: the credit note that reverses it. */
  @ResolveField('creditNote')
  async creditNote(
    @Parent() invoice: InvoiceView,
    @Context() context: GraphQLContext,
  ): Promise<CreditNoteView | null> {
    return readsOf(this.runtime, context).creditNoteOf.load(invoice);
  }

  @ResolveReference()
  async resolveReference(reference: { id: string }, context: GraphQLContext): Promise<InvoiceView | null> {
    return this.readable(reference.id, context, undefined);
  }

  /** The invoice if the caller may read it; another customer's reads like a missing one. */
  private async readable(
    id: string,
    context: GraphQLContext,
    consistency: string | null | undefined,
  ): Promise<InvoiceView | null> {
    const caller = await this.auth.callerOf(context);
    const write = billingWriteOf(consistencyTokenOf(context, consistency));
    if (!UUID_PATTERN.test(id)) return null;
    const reads = readsOf(this.runtime, context);
    const invoice = await reads.after(write, async () => reads.invoices.load(id));
    return invoice && isOwnerOrAdmin(caller, invoice.ownerId) ? invoice : null;
  }
}
