import { Inject, Provider, Type } from '@nestjs/common';
import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { deadLetterFieldsOf, ServiceWithProjections } from '@voltstream/contracts';
import { Authenticator, requireAdmin } from '../auth/authenticator';
import { DeadLetterDesk } from '../kafka/dead-letter-desk';
import { DeadLetterRef } from '../kafka/projection-dead-letters';
import { GraphQLContext } from './request-context';

const DESK = Symbol('DeadLetterDesk');

/**
 * The operator's dead-letter fields of one service (names: `deadLetterFieldsOf`, types:
 * dead-letters.graphql), ADMIN only: list, replay, discard. The desk's audit records the
 * ADMIN's user id as who resolved a letter.
 */
export function deadLetterFields(service: ServiceWithProjections, desk: () => DeadLetterDesk): Provider[] {
  return [{ provide: DESK, useFactory: desk }, deadLetterResolver(service)];
}

function deadLetterResolver(service: ServiceWithProjections): Type<unknown> {
  const fields = deadLetterFieldsOf(service);

  @Resolver()
  class DeadLetterResolver {
    constructor(
      @Inject(DESK) private readonly desk: DeadLetterDesk,
      @Inject(Authenticator) private readonly auth: Authenticator,
    ) {}

    @Query(fields.projections)
    async projections(@Context() context: GraphQLContext) {
      await this.admin(context);
      return this.desk.projections();
    }

    @Mutation(fields.replay)
    async replay(
      @Args('projection') projection: string,
      @Args('letter') letter: DeadLetterRef | null,
      @Context() context: GraphQLContext,
    ) {
      const by = await this.admin(context);
      return this.desk.replay(projection, letter ?? null, by);
    }

    @Mutation(fields.discard)
    async discard(
      @Args('projection') projection: string,
      @Args('letter') letter: DeadLetterRef,
      @Args('reason') reason: string,
      @Context() context: GraphQLContext,
    ) {
      const by = await this.admin(context);
      return this.desk.discard(projection, letter, reason, by);
    }

    private async admin(context: GraphQLContext): Promise<string> {
      const caller = await this.auth.callerOf(context);
      requireAdmin(caller);
      return caller.userId;
    }
  }
  return DeadLetterResolver;
}

/** Where this file's SDL lives beside the compiled code: every subgraph with projections loads it. */
export const DEAD_LETTER_SCHEMA = `${__dirname}/dead-letters.graphql`;
