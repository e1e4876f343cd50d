import { Inject } from '@nestjs/common';
import { Args, Context, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { issuedConsistencyToken, UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, consistencyTokenOf, GraphQLContext, isOwnerOrAdmin } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { accountStore, toUser, UserView } from '../accounts/account-store';

/**
 * Users: `id`, `displayName` and `createdAt` are public (a course's author, a feed's actor);
 * `email` and `roles` are the user's own and an ADMIN's, and null for anyone else on every path
 * that reaches a User (`me`, AuthPayload, federation lookups from any subgraph).
 */
@Resolver('User')
export class UserResolver {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  /**
   * Null without a token; an invalid or expired token is UNAUTHENTICATED. A consistency token
   * is checked but waited for by nothing: accounts are read on the primary they are written to.
   */
  @Query('me')
  async me(
    @Args('consistency') consistency: string | null,
    @Context() context: GraphQLContext,
  ): Promise<UserView | null> {
    issuedConsistencyToken(consistencyTokenOf(context, consistency));
    const caller = await this.auth.optionalCaller(context);
    if (!caller) return null;
    const account = await accountStore.byId(this.db, caller.userId);
    return account ? toUser(account) : null;
  }

  @ResolveReference()
  async resolveReference(reference: { id: string }): Promise<UserView | null> {
    if (!UUID_PATTERN.test(reference.id)) return null;
    const account = await accountStore.byId(this.db, reference.id);
    return account ? toUser(account) : null;
  }

  @ResolveField('email')
  async email(@Parent() user: UserView, @Context() context: GraphQLContext): Promise<string | null> {
    return (await this.mayReadPrivate(user, context)) ? user.email : null;
  }

  @ResolveField('roles')
  async roles(@Parent() user: UserView, @Context() context: GraphQLContext): Promise<string[] | null> {
    return (await this.mayReadPrivate(user, context)) ? user.roles : null;
  }

  private async mayReadPrivate(user: UserView, context: GraphQLContext): Promise<boolean> {
    // A sign-up or sign-in answers with the new session's own user before any token is sent.
    if (user.viewerIsSelf) return true;
    return isOwnerOrAdmin(await this.auth.optionalCaller(context), user.id);
  }
}
