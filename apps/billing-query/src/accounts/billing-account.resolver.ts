import { Inject } from '@nestjs/common';
import { Args, Context, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { DomainError, ErrorCodes, InvoiceStatus, notFound, UUID_PATTERN } from '@voltstream/contracts';
import {
  Authenticator,
  consistencyTokenOf,
  GraphQLContext,
  isOwnerOrAdmin,
  Queryable,
} from '@voltstream/platform';
import { pageSize } from '../invoices/invoice-cursor';
import { invoicePage } from '../invoices/invoice-reads';
import { BillingQueryRuntime } from '../runtime';
import { readsOf } from '../shared/billing-reads';
import { billingWriteOf } from '../shared/consistency';
import { MoneyView } from '../shared/money';
import { AccountView, CreditNoteConnection, InvoiceConnection, TariffView } from '../shared/views';
import { creditNotePage } from '../credit-notes/credit-note-reads';
import { accountsOwnedBy, balanceOf, revisionOf } from './account-reads';

const MY_ACCOUNTS_LIMIT = 1000;

interface InvoicesArgs {
  first?: number | null;
  after?: string | null;
  status?: InvoiceStatus | null;
  consistency?: string | null;
}

@Resolver('BillingAccount')
export class BillingAccountResolver {
  constructor(
    @Inject(BillingQueryRuntime) private readonly runtime: BillingQueryRuntime,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Query('billingAccount')
  async billingAccount(
    @Args('id') id: string,
    @Args('consistency') consistency: string | null,
    @Context() context: GraphQLContext,
  ): Promise<AccountView> {
    const caller = await this.auth.callerOf(context);
    const write = billingWriteOf(consistencyTokenOf(context, consistency));
    if (!UUID_PATTERN.test(id)) throw notFound('billing account');
    const reads = readsOf(this.runtime, context);
    const account = await reads.after(write, async () => reads.accounts.load(id));
    if (!account || !isOwnerOrAdmin(caller, account.ownerId)) throw notFound('billing account');
    return account;
  }

  @Query('myBillingAccounts')
  async myBillingAccounts(@Context() context: GraphQLContext): Promise<AccountView[]> {
    const caller = await this.auth.callerOf(context);
    const write = billingWriteOf(consistencyTokenOf(context, undefined));
    return readsOf(this.runtime, context).after(write, (db) =>
      accountsOwnedBy(db, caller.userId, MY_ACCOUNTS_LIMIT),
    );
  }

  @ResolveField('owner')
  owner(@Parent() account: AccountView) {
    return { __typename: 'User', id: account.ownerId };
  }

  @ResolveField('meters')
  meters(@Parent() account: AccountView) {
    return account.meterIds.map((id) => ({ __typename: 'Meter', id }));
  }

  @ResolveField('tariff')
  async tariff(@Parent() account: AccountView, @Context() context: GraphQLContext): Promise<TariffView> {
    return this.tariffOf(account, context);
  }

  @ResolveField('balance')
  async balance(@Parent() account: AccountView, @Context() context: GraphQLContext): Promise<MoneyView> {
    const { currency } = await this.tariffOf(account, context);
    return this.cached(account, context, undefined, 'balance', (db) => balanceOf(db, account.id, currency));
  }

  @ResolveField('invoices')
  async invoices(
    @Parent() account: AccountView,
    @Args() args: InvoicesArgs,
    @Context() context: GraphQLContext,
  ): Promise<InvoiceConnection> {
    const size = pageSize(args.first);
    const field = ['invoices', size, args.after ?? '', args.status ?? ''].join('|');
    return this.cached(account, context, args.consistency, field, (db) =>
      invoicePage(db, account.id, { size, after: args.after, status: args.status }),
    );
  }

  @ResolveField('creditNotes')
  async creditNotes(
    @Parent() account: AccountView,
    @Args() args: { first?: number | null; after?: string | null; consistency?: string | null },
    @Context() context: GraphQLContext,
  ): Promise<CreditNoteConnection> {
    const size = pageSize(args.first);
    const field = ['creditNotes', size, args.after ?? ''].join('|');
    return this.cached(account, context, args.consistency, field, (db) =>
      creditNotePage(db, account.id, { size, after: args.after }),
    );
  }

  @ResolveReference()
  async resolveReference(reference: { id: string }, context: GraphQLContext): Promise<AccountView | null> {
    const caller = await this.auth.callerOf(context);
    if (!UUID_PATTERN.test(reference.id)) return null;
    const reads = readsOf(this.runtime, context);
    const write = billingWriteOf(consistencyTokenOf(context, undefined));
    const account = await reads.after(write, async () => reads.accounts.load(reference.id));
    return account && isOwnerOrAdmin(caller, account.ownerId) ? account : null;
  }

  private async tariffOf(account: AccountView, context: GraphQLContext): Promise<TariffView> {
    const tariff = await readsOf(this.runtime, context).tariffs.load(account.tariffId);
    // The tariff travels on another partition than the account, and may land a moment later.
    if (!tariff) {
      throw new DomainError(ErrorCodes.consistencyTimeout, 'the account’s tariff is not readable yet; retry');
    }
    return tariff;
  }

  /**
   * What hangs off an account's invoices, from the cache when an entry is as new as the
   * account's revision this request has seen (after any write its token names).
   */
  private async cached<T>(
    account: AccountView,
    context: GraphQLContext,
    consistency: string | null | undefined,
    field: string,
    read: (db: Queryable) => Promise<T>,
  ): Promise<T> {
    const reads = readsOf(this.runtime, context);
    const write = billingWriteOf(consistencyTokenOf(context, consistency));
    const seen = write ? await reads.after(write, (db) => revisionOf(db, account.id)) : account.revision;
    const cache = this.runtime.accountCache;
    const hit = await cache.get<T>(account.id, field, seen);
    if (hit !== undefined) return hit;
    // The revision is read before the data, on the same database: the stamp never overstates it.
    const { revision, data } = await reads.read(async (db) => ({
      revision: await revisionOf(db, account.id),
      data: await read(db),
    }));
    await cache.set(account.id, field, revision, data);
    return data;
  }
}
