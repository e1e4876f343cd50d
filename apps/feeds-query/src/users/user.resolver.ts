import { Inject } from '@nestjs/common';
import { Args, Context, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, consistencyTokenOf, GraphQLContext } from '@voltstream/platform';
import { FeedsQueryRuntime } from '../runtime';
import { feedsWriteOf } from '../shared/consistency';
import { readsOf } from '../shared/feeds-reads';
import { AchievementView, EnrollmentView, UserRef } from '../shared/views';

/**
 * Identity owns users; feeds adds their public learning profile. Any signed-in user may read
 * anyone's enrollments, achievements and follow counts: they are what a profile page shows
 * and what followers see in feeds anyway. `followedByMe` is relative to the caller.
 */
@Resolver('User')
export class UserResolver {
  constructor(
    @Inject(FeedsQueryRuntime) private readonly runtime: FeedsQueryRuntime,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Query('user')
  async user(
    @Args('id') id: string,
    @Args('consistency') consistency: string | null,
    @Context() context: GraphQLContext,
  ): Promise<UserRef | null> {
    await this.auth.callerOf(context);
    const write = feedsWriteOf(consistencyTokenOf(context, consistency));
    if (!UUID_PATTERN.test(id)) return null;
    const reads = readsOf(this.runtime, context);
    return reads.after(write, async () => reads.users.load(id));
  }

  /** The gateway asks for users identity already vouched for: no lookup of existence here. */
  @ResolveReference()
  async resolveReference(reference: { id: string }, context: GraphQLContext): Promise<UserRef | null> {
    await this.auth.callerOf(context);
    return UUID_PATTERN.test(reference.id) ? { id: reference.id.toLowerCase() } : null;
  }

  @ResolveField('enrollments')
  async enrollments(@Parent() user: UserRef, @Context() context: GraphQLContext): Promise<EnrollmentView[]> {
    return readsOf(this.runtime, context).enrollmentsOf.load(user.id);
  }

  @ResolveField('achievements')
  async achievements(
    @Parent() user: UserRef,
    @Context() context: GraphQLContext,
  ): Promise<AchievementView[]> {
    return readsOf(this.runtime, context).achievementsOf.load(user.id);
  }

  @ResolveField('followerCount')
  async followerCount(@Parent() user: UserRef, @Context() context: GraphQLContext): Promise<number> {
    return (await readsOf(this.runtime, context).followCounts.load(user.id)).followerCount;
  }

  @ResolveField('followingCount')
  async followingCount(@Parent() user: UserRef, @Context() context: GraphQLContext): Promise<number> {
    return (await readsOf(this.runtime, context).followCounts.load(user.id)).followingCount;
  }

  @ResolveField('followedByMe')
  async followedByMe(@Parent() user: UserRef, @Context() context: GraphQLContext): Promise<boolean> {
    const caller = await this.auth.callerOf(context);
    if (caller.userId.toLowerCase() === user.id) return false;
    return readsOf(this.runtime, context).follows(caller.userId).load(user.id);
  }
}
