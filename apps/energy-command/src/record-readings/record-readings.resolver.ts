import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { ReadingInput } from '@voltstream/energy';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { RecordReadingsHandler, RecordReadingsReceipt } from './record-readings.handler';

@Resolver()
export class RecordReadingsResolver {
  constructor(
    @Inject(RecordReadingsHandler) private readonly handler: RecordReadingsHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('recordReadings')
  async recordReadings(
    @Args('meterId') meterId: string,
    @Args('readings') readings: ReadingInput[],
    @Context() context: GraphQLContext,
  ): Promise<RecordReadingsReceipt> {
    const caller = await this.auth.callerOf(context);
    return this.handler.execute({ callerId: caller.userId, meterId, readings });
  }
}
