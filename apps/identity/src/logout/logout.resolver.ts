import { Inject } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { LogoutHandler } from './logout.handler';

@Resolver()
export class LogoutResolver {
  constructor(@Inject(LogoutHandler) private readonly handler: LogoutHandler) {}

  @Mutation('logout')
  logout(@Args('refreshToken') refreshToken: string): Promise<boolean> {
    return this.handler.execute(refreshToken);
  }
}
