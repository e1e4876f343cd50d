import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { PostUpdateHandler } from './post-update.handler';

@Resolver()
export class PostUpdateResolver {
  constructor(
    @Inject(PostUpdateHandler) private readonly handler: PostUpdateHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('postUpdate')
  async postUpdate(@Args('text') text: string, @Context() context: GraphQLContext) {
    const caller = await this.auth.callerOf(context);
    return this.handler.execute(caller, text);
  }
}
