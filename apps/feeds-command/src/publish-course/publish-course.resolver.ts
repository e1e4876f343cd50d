import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { PublishCourseInput } from '@voltstream/feeds';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { courseView } from '../shared/graphql-views';
import { PublishCourseHandler } from './publish-course.handler';

@Resolver()
export class PublishCourseResolver {
  constructor(
    @Inject(PublishCourseHandler) private readonly handler: PublishCourseHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('publishCourse')
  async publishCourse(@Args('input') input: PublishCourseInput, @Context() context: GraphQLContext) {
    const caller = await this.auth.callerOf(context);
    const { course, consistencyToken } = await this.handler.execute(caller, input);
    return courseView(course, consistencyToken);
  }
}
