import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { tariffView } from '../shared/graphql-views';
import { OpenBillingAccountHandler, OpenBillingAccountInput } from './open-billing-account.handler';

@Resolver()
export class OpenBillingAccountResolver {
  constructor(
    @Inject(OpenBillingAccountHandler) private readonly handler: OpenBillingAccountHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('openBillingAccount')
  async openBillingAccount(
    @Args('input') input: OpenBillingAccountInput,
    @Context() context: GraphQLContext,
  ) {
    const caller = await this.auth.callerOf(context);
    const { account, tariff, consistencyToken } = await this.handler.execute(caller, input);
    return {
      id: account.accountId,
      owner: { __typename: 'User', id: account.ownerId },
      tariff: tariffView(tariff),
      meters: account.meterIds.map((id) => ({ __typename: 'Meter', id })),
      consistencyToken,
    };
  }
}
