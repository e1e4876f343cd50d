import { Inject } from '@nestjs/common';
import { Args, Context, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { UUID_PATTERN } from '@voltstream/contracts';
import { feedPageSize } from '@voltstream/feeds';
import { consistencyTokenOf, GraphQLContext } from '@voltstream/platform';
import { FeedsQueryRuntime } from '../runtime';
import { feedsWriteOf } from '../shared/consistency';
import { readsOf } from '../shared/feeds-reads';
import { Connection, CourseView, LessonView, UserRef } from '../shared/views';
import { coursePage } from './course-reads';

interface CoursesArgs {
  first?: number | null;
  after?: string | null;
  tag?: string | null;
  search?: string | null;
  consistency?: string | null;
}

/** The course catalogue is public (PUBLIC_API): anyone may browse it, signed in or not. */
@Resolver('Course')
export class CourseResolver {
  constructor(@Inject(FeedsQueryRuntime) private readonly runtime: FeedsQueryRuntime) {}

  @Query('courses')
  async courses(
    @Args() args: CoursesArgs,
    @Context() context: GraphQLContext,
  ): Promise<Connection<CourseView>> {
    const write = feedsWriteOf(consistencyTokenOf(context, args.consistency));
    const size = feedPageSize(args.first);
    return readsOf(this.runtime, context).after(write, (db) =>
      coursePage(db, { size, after: args.after, tag: args.tag, search: args.search }),
    );
  }

  @Query('course')
  async course(
    @Args('id') id: string,
    @Args('consistency') consistency: string | null,
    @Context() context: GraphQLContext,
  ): Promise<CourseView | null> {
    return this.find(id, context, consistency);
  }

  @ResolveField('author')
  author(@Parent() course: CourseView): UserRef & { __typename: 'User' } {
    return { __typename: 'User', id: course.authorId };
  }

  @ResolveField('lessons')
  async lessons(@Parent() course: CourseView, @Context() context: GraphQLContext): Promise<LessonView[]> {
    return readsOf(this.runtime, context).lessonsOf.load(course.id);
  }

  @ResolveReference()
  async resolveReference(reference: { id: string }, context: GraphQLContext): Promise<CourseView | null> {
    return this.find(reference.id, context, undefined);
  }

  private async find(
    id: string,
    context: GraphQLContext,
    consistency: string | null | undefined,
  ): Promise<CourseView | null> {
    const write = feedsWriteOf(consistencyTokenOf(context, consistency));
    if (!UUID_PATTERN.test(id)) return null;
    const reads = readsOf(this.runtime, context);
    return reads.after(write, async () => reads.courses.load(id));
  }
}
