import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Money } from '@voltstream/billing';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { PayInvoiceHandler } from './pay-invoice.handler';

@Resolver()
export class PayInvoiceResolver {
  constructor(
    @Inject(PayInvoiceHandler) private readonly handler: PayInvoiceHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('payInvoice')
  async payInvoice(
    @Args('invoiceId') invoiceId: string,
    @Args('amount') amount: Money,
    @Args('idempotencyKey') idempotencyKey: string,
    @Context() context: GraphQLContext,
  ) {
    const caller = await this.auth.callerOf(context);
    return this.handler.execute(caller, invoiceId, amount, idempotencyKey);
  }
}
