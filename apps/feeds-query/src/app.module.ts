import { DynamicModule, Module } from '@nestjs/common';
import { publicSurfaceOf } from '@voltstream/contracts';
import { Authenticator, ObservabilityModule, stopOnShutdown, subgraphModule } from '@voltstream/platform';
import { join } from 'node:path';
import { CourseResolver } from './courses/course.resolver';
import { FeedResolver } from './feed/feed.resolver';
import { FeedsQueryRuntime } from './runtime';
import { TrendingResolver } from './trending/trending.resolver';
import { EnrollmentResolver } from './users/enrollment.resolver';
import { UserResolver } from './users/user.resolver';

@Module({})
export class AppModule {
  static with(runtime: FeedsQueryRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forService(runtime.readiness, runtime.metrics),
        subgraphModule([join(__dirname, 'schema/*.graphql')], runtime.logger, {
          auth: runtime.auth,
          publicSurface: publicSurfaceOf('feeds-query'),
          deadLetters: { service: 'feeds-query', desk: () => runtime.readSide.deadLetterDesk },
        }),
      ],
      providers: [
        { provide: Authenticator, useValue: runtime.auth },
        { provide: FeedsQueryRuntime, useValue: runtime },
        CourseResolver,
        TrendingResolver,
        FeedResolver,
        UserResolver,
        EnrollmentResolver,
        ...stopOnShutdown(runtime),
      ],
    };
  }
}
