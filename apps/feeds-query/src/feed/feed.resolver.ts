import { Inject } from '@nestjs/common';
import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { feedPageSize } from '@voltstream/feeds';
import { Authenticator, consistencyTokenOf, GraphQLContext, isAdmin } from '@voltstream/platform';
import { UUID_PATTERN } from '@voltstream/contracts';
import { FeedsQueryRuntime } from '../runtime';
import { feedsWriteOf } from '../shared/consistency';
import { readsOf } from '../shared/feeds-reads';
import { ActivityView, Connection, CourseView, UserRef } from '../shared/views';
import { feedCursor, FeedItem, feedPage, visibleActivity } from './feed-reads';

interface FeedArgs {
  first?: number | null;
  after?: string | null;
  consistency?: string | null;
}

@Resolver('Activity')
export class FeedResolver {
  constructor(
    @Inject(FeedsQueryRuntime) private readonly runtime: FeedsQueryRuntime,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  /** The caller's own feed: the people they follow, and themself. */
  @Query('feed')
  async feed(@Args() args: FeedArgs, @Context() context: GraphQLContext): Promise<Connection<FeedItem>> {
    const caller = await this.auth.callerOf(context);
    const write = feedsWriteOf(consistencyTokenOf(context, args.consistency));
    const size = feedPageSize(args.first);
    const after = feedCursor(args.after);
    const threshold = this.runtime.config.feed.fanOutThreshold;
    const reads = readsOf(this.runtime, context);
    const page = await reads.after(write, (db) => feedPage(db, caller.userId, size, after, threshold));
    // The page's courses came with it: a nested `course` selection reads nothing more.
    for (const item of page.nodes) if (item.course) reads.courses.prime(item.course.id, item.course);
    return { nodes: page.nodes, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }

  /** One activity of the caller's feed; null for any other, like a missing one. */
  @Query('activity')
  async activity(
    @Args('id') id: string,
    @Args('consistency') consistency: string | null,
    @Context() context: GraphQLContext,
  ): Promise<FeedItem | null> {
    const caller = await this.auth.callerOf(context);
    const write = feedsWriteOf(consistencyTokenOf(context, consistency));
    if (!UUID_PATTERN.test(id)) return null;
    const reads = readsOf(this.runtime, context);
    const item = await reads.after(write, (db) =>
      visibleActivity(db, id, { userId: caller.userId, admin: isAdmin(caller) }),
    );
    if (item?.course) reads.courses.prime(item.course.id, item.course);
    return item;
  }

  @ResolveField('actor')
  actor(@Parent() activity: ActivityView): UserRef & { __typename: 'User' } {
    return { __typename: 'User', id: activity.actorId };
  }

  @ResolveField('course')
  async course(
    @Parent() activity: ActivityView,
    @Context() context: GraphQLContext,
  ): Promise<CourseView | null> {
    if (!activity.courseId) return null;
    return readsOf(this.runtime, context).courses.load(activity.courseId);
  }
}
