import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { clientAddressOf, GraphQLContext } from '@voltstream/platform';
import { AuthPayload } from '../tokens/token-issuer';
import { LoginHandler } from './login.handler';

@Resolver()
export class LoginResolver {
  constructor(@Inject(LoginHandler) private readonly handler: LoginHandler) {}

  @Mutation('login')
  login(
    @Args('email') email: string,
    @Args('password') password: string,
    @Context() context: GraphQLContext,
  ): Promise<AuthPayload> {
    return this.handler.execute(email, password, clientAddressOf(context.req));
  }
}
