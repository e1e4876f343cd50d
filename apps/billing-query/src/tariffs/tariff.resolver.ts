import { Inject } from '@nestjs/common';
import { Args, Context, Query, ResolveReference, Resolver } from '@nestjs/graphql';
import { UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, consistencyTokenOf, GraphQLContext } from '@voltstream/platform';
import { BillingQueryRuntime } from '../runtime';
import { readsOf } from '../shared/billing-reads';
import { billingWriteOf } from '../shared/consistency';
import { TariffView } from '../shared/views';
import { listTariffs, TARIFF_LIST_KEY } from './tariff-reads';

/** Tariffs are public price lists: any signed-in user reads all of them. */
@Resolver('Tariff')
export class TariffResolver {
  constructor(
    @Inject(BillingQueryRuntime) private readonly runtime: BillingQueryRuntime,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Query('tariffs')
  async tariffs(
    @Args('consistency') consistency: string | null,
    @Context() context: GraphQLContext,
  ): Promise<TariffView[]> {
    await this.auth.callerOf(context);
    const write = billingWriteOf(consistencyTokenOf(context, consistency));
    const cache = this.runtime.tariffCache;
    // After a write, an entry cached before the projector's invalidation could still pass.
    if (!write) {
      const hit = await cache.get<TariffView[]>(TARIFF_LIST_KEY, 'list');
      if (hit) return hit;
    }
    const list = await readsOf(this.runtime, context).after(write, listTariffs);
    // One statement, one snapshot: its length is the count the stamp stands for.
    await cache.set(TARIFF_LIST_KEY, 'list', list.length, list);
    return list;
  }

  @ResolveReference()
  async resolveReference(reference: { id: string }, context: GraphQLContext): Promise<TariffView | null> {
    await this.auth.callerOf(context);
    if (!UUID_PATTERN.test(reference.id)) return null;
    const reads = readsOf(this.runtime, context);
    const write = billingWriteOf(consistencyTokenOf(context, undefined));
    return reads.after(write, async () => reads.tariffs.load(reference.id));
  }
}
