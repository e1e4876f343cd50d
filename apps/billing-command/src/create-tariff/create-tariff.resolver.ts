import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { TariffInput } from '@voltstream/billing';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { tariffView } from '../shared/graphql-views';
import { CreateTariffHandler } from './create-tariff.handler';

@Resolver()
export class CreateTariffResolver {
  constructor(
    @Inject(CreateTariffHandler) private readonly handler: CreateTariffHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('createTariff')
  async createTariff(@Args('input') input: TariffInput, @Context() context: GraphQLContext) {
    const caller = await this.auth.callerOf(context);
    const { tariff, consistencyToken } = await this.handler.execute(caller, input);
    return tariffView(tariff, consistencyToken);
  }
}
