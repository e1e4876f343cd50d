import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { CompleteLessonHandler } from './complete-lesson.handler';

@Resolver()
export class CompleteLessonResolver {
  constructor(
    @Inject(CompleteLessonHandler) private readonly handler: CompleteLessonHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('completeLesson')
  async completeLesson(
    @Args('courseId') courseId: string,
    @Args('lessonId') lessonId: string,
    @Context() context: GraphQLContext,
  ) {
    const caller = await this.auth.callerOf(context);
    return this.handler.execute(caller, courseId, lessonId);
  }
}
