import { Inject } from '@nestjs/common';
import { Args, Context, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, consistencyTokenOf, GraphQLContext, isOwnerOrAdmin } from '@voltstream/platform';
import { FeedsQueryRuntime } from '../runtime';
import { feedsWriteOf } from '../shared/consistency';
import { readsOf } from '../shared/feeds-reads';
import { AchievementView, EnrollmentView, UserRef } from '../shared/views';

/**
 * Identity owns users; feeds adds their learning profile. Achievements and follow counts are
 * public (a course author's or a learner's profile, API.md); enrollments are the user's own and
 * an ADMIN's, and empty for anyone else; `followedByMe` is relative to the caller (false for
 * an anonymous one). `user(id)` itself needs a signed-in caller.
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
  resolveReference(reference: { id: string }): UserRef | null {
    return UUID_PATTERN.test(reference.id) ? { id: reference.id.toLowerCase() } : null;
  }

  @ResolveField('enrollments')
  async enrollments(@Parent() user: UserRef, @Context() context: GraphQLContext): Promise<EnrollmentView[]> {
    if (!isOwnerOrAdmin(await this.auth.optionalCaller(context), user.id)) return [];
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
    const caller = await this.auth.optionalCaller(context);
    if (!caller || caller.userId.toLowerCase() === user.id) return false;
    return readsOf(this.runtime, context).follows(caller.userId).load(user.id);
  }
}
