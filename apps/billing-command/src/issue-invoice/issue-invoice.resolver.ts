import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { invoiceView } from '../shared/graphql-views';
import { IssueInvoiceHandler } from './issue-invoice.handler';

@Resolver()
export class IssueInvoiceResolver {
  constructor(
    @Inject(IssueInvoiceHandler) private readonly handler: IssueInvoiceHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('issueInvoice')
  async issueInvoice(
    @Args('accountId') accountId: string,
    @Args('periodStart') periodStart: Date,
    @Args('periodEnd') periodEnd: Date,
    @Context() context: GraphQLContext,
  ) {
    const caller = await this.auth.callerOf(context);
    const { invoice, now, consistencyToken } = await this.handler.execute(caller, accountId, {
      start: periodStart,
      end: periodEnd,
    });
    return invoiceView(invoice, now, consistencyToken);
  }
}
