import { Inject } from '@nestjs/common';
import { Context, Parent, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, consistencyTokenOf, GraphQLContext, isOwnerOrAdmin } from '@voltstream/platform';
import { BillingQueryRuntime } from '../runtime';
import { readsOf } from '../shared/billing-reads';
import { billingWriteOf } from '../shared/consistency';
import { AccountView } from '../shared/views';

/** Meters are energy's; billing adds the account a meter is billed on. */
@Resolver('Meter')
export class MeterResolver {
  constructor(
    @Inject(BillingQueryRuntime) private readonly runtime: BillingQueryRuntime,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @ResolveReference()
  resolveReference(reference: { id: string }): { id: string } {
    return { id: reference.id };
  }

  /** Null when the meter is on no account, or on one the caller may not read. */
  @ResolveField('billingAccount')
  async billingAccount(
    @Parent() meter: { id: string },
    @Context() context: GraphQLContext,
  ): Promise<AccountView | null> {
    const caller = await this.auth.callerOf(context);
    if (!UUID_PATTERN.test(meter.id)) return null;
    const reads = readsOf(this.runtime, context);
    const write = billingWriteOf(consistencyTokenOf(context, undefined));
    const account = await reads.after(write, async () => reads.accountsOfMeters.load(meter.id));
    return account && isOwnerOrAdmin(caller, account.ownerId) ? account : null;
  }
}
