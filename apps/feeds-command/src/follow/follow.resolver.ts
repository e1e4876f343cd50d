import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { answerWithConsistencyToken, Authenticator, GraphQLContext } from '@voltstream/platform';
import { FollowHandler } from './follow.handler';

/**
 * `follow` and `unfollow` answer `true`: the write they made travels beside the payload, as
 * `extensions.consistencyToken` and the `x-consistency-token` header (written-token.ts).
 */
@Resolver()
export class FollowResolver {
  constructor(
    @Inject(FollowHandler) private readonly handler: FollowHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('follow')
  async follow(@Args('userId') userId: string, @Context() context: GraphQLContext): Promise<boolean> {
    const caller = await this.auth.callerOf(context);
    answerWithConsistencyToken(context, await this.handler.follow(caller, userId));
    return true;
  }

  @Mutation('unfollow')
  async unfollow(@Args('userId') userId: string, @Context() context: GraphQLContext): Promise<boolean> {
    const caller = await this.auth.callerOf(context);
    answerWithConsistencyToken(context, await this.handler.unfollow(caller, userId));
    return true;
  }
}
