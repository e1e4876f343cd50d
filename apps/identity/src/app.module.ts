import { DynamicModule, Module } from '@nestjs/common';
import { publicSurfaceOf } from '@voltstream/contracts';
import {
  AccessTokenVerifier,
  Authenticator,
  ObservabilityModule,
  stopOnShutdown,
  subgraphModule,
} from '@voltstream/platform';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { JwksController } from './jwks/jwks.controller';
import { LoginHandler } from './login/login.handler';
import { LoginResolver } from './login/login.resolver';
import { LogoutHandler } from './logout/logout.handler';
import { LogoutResolver } from './logout/logout.resolver';
import { UserResolver } from './me/user.resolver';
import { RefreshTokenHandler } from './refresh-token/refresh-token.handler';
import { RefreshTokenResolver } from './refresh-token/refresh-token.resolver';
import { RegisterHandler } from './register/register.handler';
import { RegisterResolver } from './register/register.resolver';
import { IdentityRuntime } from './runtime';
import { SigningKeys } from './tokens/signing-keys';

@Module({})
export class AppModule {
  static with(runtime: IdentityRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forService(runtime.readiness, runtime.metrics),
        subgraphModule([join(__dirname, 'schema/*.graphql')], runtime.logger, {
          auth: runtime.auth,
          publicSurface: publicSurfaceOf('identity'),
        }),
      ],
      controllers: [JwksController],
      providers: [
        { provide: DataSource, useValue: runtime.db },
        { provide: SigningKeys, useValue: runtime.keys },
        { provide: AccessTokenVerifier, useValue: runtime.verifier },
        { provide: Authenticator, useValue: runtime.auth },
        { provide: RegisterHandler, useValue: runtime.register },
        { provide: LoginHandler, useValue: runtime.login },
        { provide: RefreshTokenHandler, useValue: runtime.refresh },
        { provide: LogoutHandler, useValue: runtime.logout },
        RegisterResolver,
        LoginResolver,
        RefreshTokenResolver,
        LogoutResolver,
        UserResolver,
        ...stopOnShutdown(runtime),
      ],
    };
  }
}
