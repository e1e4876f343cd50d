import { Inject } from '@nestjs/common';
import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { DomainError, ErrorCodes } from '@voltstream/contracts';
import { GraphQLContext } from '@voltstream/platform';
import { FeedsQueryRuntime } from '../runtime';
import { readsOf } from '../shared/feeds-reads';
import { CourseView, EnrollmentView } from '../shared/views';

@Resolver('Enrollment')
export class EnrollmentResolver {
  constructor(@Inject(FeedsQueryRuntime) private readonly runtime: FeedsQueryRuntime) {}

  @ResolveField('course')
  async course(
    @Parent() enrollment: EnrollmentView,
    @Context() context: GraphQLContext,
  ): Promise<CourseView> {
    const course = await readsOf(this.runtime, context).courses.load(enrollment.courseId);
    // Enrollments are listed only once their course is projected; courses are never removed.
    if (!course)
      throw new DomainError(ErrorCodes.consistencyTimeout, 'the course is not readable yet; retry');
    return course;
  }
}
