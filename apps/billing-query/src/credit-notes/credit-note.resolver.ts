import { Inject } from '@nestjs/common';
import { Context, Parent, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { DomainError, ErrorCodes, UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, consistencyTokenOf, GraphQLContext, isOwnerOrAdmin } from '@voltstream/platform';
import { BillingQueryRuntime } from '../runtime';
import { readsOf } from '../shared/billing-reads';
import { billingWriteOf } from '../shared/consistency';
import { CreditNoteView, InvoiceView } from '../shared/views';

@Resolver('CreditNote')
export class CreditNoteResolver {
  constructor(
    @Inject(BillingQueryRuntime) private readonly runtime: BillingQueryRuntime,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @ResolveField('invoice')
  async invoice(@Parent() note: CreditNoteView, @Context() context: GraphQLContext): Promise<InvoiceView> {
    const invoice = await readsOf(this.runtime, context).invoices.load(note.invoiceId);
    // Written in the same transaction as its credit note, so only a lagging replica lacks it.
    if (!invoice) {
      throw new DomainError(
        ErrorCodes.consistencyTimeout,
        'the credit note’s invoice is not readable yet; retry',
      );
    }
    return invoice;
  }

  /** Another customer's credit note reads like a missing one, on this path too. */
  @ResolveReference()
  async resolveReference(reference: { id: string }, context: GraphQLContext): Promise<CreditNoteView | null> {
    const caller = await this.auth.callerOf(context);
    if (!UUID_PATTERN.test(reference.id)) return null;
    const reads = readsOf(this.runtime, context);
    const write = billingWriteOf(consistencyTokenOf(context, undefined));
    const note = await reads.after(write, async () => reads.creditNotes.load(reference.id));
    return note && isOwnerOrAdmin(caller, note.ownerId) ? note : null;
  }
}
