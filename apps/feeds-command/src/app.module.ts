import { DynamicModule, Module } from '@nestjs/common';
import { publicSurfaceOf } from '@voltstream/contracts';
import { Authenticator, ObservabilityModule, stopOnShutdown, subgraphModule } from '@voltstream/platform';
import { join } from 'node:path';
import { CompleteLessonHandler } from './complete-lesson/complete-lesson.handler';
import { CompleteLessonResolver } from './complete-lesson/complete-lesson.resolver';
import { EnrollHandler } from './enroll/enroll.handler';
import { EnrollResolver } from './enroll/enroll.resolver';
import { FollowHandler } from './follow/follow.handler';
import { FollowResolver } from './follow/follow.resolver';
import { PostUpdateHandler } from './post-update/post-update.handler';
import { PostUpdateResolver } from './post-update/post-update.resolver';
import { PublishCourseHandler } from './publish-course/publish-course.handler';
import { PublishCourseResolver } from './publish-course/publish-course.resolver';
import { FeedsCommandRuntime } from './runtime';

@Module({})
export class AppModule {
  static with(runtime: FeedsCommandRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forService(runtime.readiness, runtime.metrics),
        subgraphModule([join(__dirname, 'schema/*.graphql')], runtime.logger, {
          auth: runtime.auth,
          publicSurface: publicSurfaceOf('feeds-command'),
          deadLetters: { service: 'feeds-command', desk: () => runtime.consumers.desk },
        }),
      ],
      providers: [
        { provide: Authenticator, useValue: runtime.auth },
        { provide: PublishCourseHandler, useValue: runtime.publishCourse },
        { provide: EnrollHandler, useValue: runtime.enroll },
        { provide: CompleteLessonHandler, useValue: runtime.completeLesson },
        { provide: FollowHandler, useValue: runtime.follow },
        { provide: PostUpdateHandler, useValue: runtime.postUpdate },
        PublishCourseResolver,
        EnrollResolver,
        CompleteLessonResolver,
        FollowResolver,
        PostUpdateResolver,
        ...stopOnShutdown(runtime),
      ],
    };
  }
}
