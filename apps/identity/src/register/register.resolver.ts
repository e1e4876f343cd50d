import { Inject } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { RegisterInput } from '@voltstream/identity';
import { AuthPayload } from '../tokens/token-issuer';
import { RegisterHandler } from './register.handler';

@Resolver()
export class RegisterResolver {
  constructor(@Inject(RegisterHandler) private readonly handler: RegisterHandler) {}

  @Mutation('register')
  register(@Args('input') input: RegisterInput): Promise<AuthPayload & { consistencyToken: string }> {
    return this.handler.execute(input);
  }
}
