import { Inject } from '@nestjs/common';
import { ResolveReference, Resolver } from '@nestjs/graphql';
import { UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, consistencyTokenOf, GraphQLContext, isOwnerOrAdmin } from '@voltstream/platform';
import { BillingQueryRuntime } from '../runtime';
import { readsOf } from '../shared/billing-reads';
import { billingWriteOf } from '../shared/consistency';
import { PaymentView } from '../shared/views';

@Resolver('Payment')
export class PaymentResolver {
  constructor(
    @Inject(BillingQueryRuntime) private readonly runtime: BillingQueryRuntime,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  /** A payment belongs to its invoice's owner; anyone else gets null, like a missing one. */
  @ResolveReference()
  async resolveReference(reference: { id: string }, context: GraphQLContext): Promise<PaymentView | null> {
    const caller = await this.auth.callerOf(context);
    if (!UUID_PATTERN.test(reference.id)) return null;
    const reads = readsOf(this.runtime, context);
    const write = billingWriteOf(consistencyTokenOf(context, undefined));
    const payment = await reads.after(write, async () => reads.payments.load(reference.id));
    return payment && isOwnerOrAdmin(caller, payment.ownerId) ? payment : null;
  }
}
