import { Inject } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { AuthPayload } from '../tokens/token-issuer';
import { LoginHandler } from './login.handler';

@Resolver()
export class LoginResolver {
  constructor(@Inject(LoginHandler) private readonly handler: LoginHandler) {}

  @Mutation('login')
  login(@Args('email') email: string, @Args('password') password: string): Promise<AuthPayload> {
    return this.handler.execute(email, password);
  }
}
