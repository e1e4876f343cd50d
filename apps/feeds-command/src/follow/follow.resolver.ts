import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { FollowHandler } from './follow.handler';

@Resolver()
export class FollowResolver {
  constructor(
    @Inject(FollowHandler) private readonly handler: FollowHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('follow')
  async follow(@Args('userId') userId: string, @Context() context: GraphQLContext) {
    const caller = await this.auth.callerOf(context);
    return this.handler.follow(caller, userId);
  }

  @Mutation('unfollow')
  async unfollow(@Args('userId') userId: string, @Context() context: GraphQLContext) {
    const caller = await this.auth.callerOf(context);
    return this.handler.unfollow(caller, userId);
  }
}
