import { Inject } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { AuthPayload } from '../tokens/token-issuer';
import { RefreshTokenHandler } from './refresh-token.handler';

@Resolver()
export class RefreshTokenResolver {
  constructor(@Inject(RefreshTokenHandler) private readonly handler: RefreshTokenHandler) {}

  @Mutation('refreshToken')
  refreshToken(@Args('refreshToken') refreshToken: string): Promise<AuthPayload> {
    return this.handler.execute(refreshToken);
  }
}
