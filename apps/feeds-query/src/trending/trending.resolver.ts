import { Inject } from '@nestjs/common';
import { Args, Context, Query, Resolver } from '@nestjs/graphql';
import { DomainError, ErrorCodes } from '@voltstream/contracts';
import { MAX_FEED_PAGE_SIZE, TrendWindow } from '@voltstream/feeds';
import { consistencyTokenOf, GraphQLContext } from '@voltstream/platform';
import { FeedsQueryRuntime } from '../runtime';
import { feedsWriteOf } from '../shared/consistency';
import { readsOf } from '../shared/feeds-reads';
import { CourseView } from '../shared/views';
import { DEFAULT_TRENDING, trendingCourseIds } from './trending-reads';

@Resolver()
export class TrendingResolver {
  constructor(@Inject(FeedsQueryRuntime) private readonly runtime: FeedsQueryRuntime) {}

  /**
   * Public, like the rest of the catalogue (PUBLIC_API). Read from the scores the projector
   * keeps, never by counting enrollments now.
   */
  @Query('trendingCourses')
  async trendingCourses(
    @Args('window') window: TrendWindow,
    @Args('first') first: number | null,
    @Args('consistency') consistency: string | null,
    @Context() context: GraphQLContext,
  ): Promise<CourseView[]> {
    const write = feedsWriteOf(consistencyTokenOf(context, consistency));
    const size = first ?? DEFAULT_TRENDING;
    if (!Number.isInteger(size) || size < 1 || size > MAX_FEED_PAGE_SIZE) {
      throw DomainError.fromFieldErrors([
        { path: 'first', code: ErrorCodes.badUserInput, message: `1 to ${MAX_FEED_PAGE_SIZE}` },
      ]);
    }
    const reads = readsOf(this.runtime, context);
    const ids = await reads.after(write, (db) => trendingCourseIds(db, window, size, new Date()));
    // A course's trend may be projected a moment before the course itself: it waits for it.
    const courses = await reads.courses.loadMany(ids);
    return courses.filter((course): course is CourseView => course !== null && !(course instanceof Error));
  }
}
