import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { EnrollHandler } from './enroll.handler';

@Resolver()
export class EnrollResolver {
  constructor(
    @Inject(EnrollHandler) private readonly handler: EnrollHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('enroll')
  async enroll(@Args('courseId') courseId: string, @Context() context: GraphQLContext) {
    const caller = await this.auth.callerOf(context);
    return this.handler.execute(caller, courseId);
  }
}
