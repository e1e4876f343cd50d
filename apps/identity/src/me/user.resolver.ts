import { Inject } from '@nestjs/common';
import { Context, Query, ResolveReference, Resolver } from '@nestjs/graphql';
import { UUID_PATTERN } from '@voltstream/contracts';
import { AccessTokenVerifier, bearerTokenOf, GraphQLContext } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { accountStore, toUser } from '../accounts/account-store';

@Resolver('User')
export class UserResolver {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(AccessTokenVerifier) private readonly verifier: AccessTokenVerifier,
  ) {}

  /** Null without a token; an invalid or expired token is UNAUTHENTICATED. */
  @Query('me')
  async me(@Context() context: GraphQLContext) {
    const token = bearerTokenOf(context);
    if (!token) return null;
    const claims = await this.verifier.verify(token);
    const account = await accountStore.byId(this.db, claims.sub);
    return account ? toUser(account) : null;
  }

  @ResolveReference()
  async resolveReference(reference: { id: string }) {
    if (!UUID_PATTERN.test(reference.id)) return null;
    const account = await accountStore.byId(this.db, reference.id);
    return account ? toUser(account) : null;
  }
}
