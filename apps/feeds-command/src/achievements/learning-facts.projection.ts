import { FeedsEvent, FeedsEventTypes, parseFeedsEvent } from '@voltstream/contracts';
import { ConsumedEvent, Projection, Queryable } from '@voltstream/platform';
import { AchievementAwarder, Fact } from './achievement-awarder';

const READ: ReadonlySet<string> = new Set([FeedsEventTypes.LessonCompleted, FeedsEventTypes.CourseCompleted]);

/** Lesson and course completions from feeds.events, as facts the achievement rules count. */
export class LearningFactsProjection implements Projection<number> {
  readonly name = 'feeds-command-achievements';

  constructor(private readonly awarder: AchievementAwarder) {}

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<number> {
    const facts: Fact[] = [];
    const causes = new Map<string, string>();
    for (const { envelope } of events) {
      if (!READ.has(envelope.type)) continue;
      const fact = factOf(parseFeedsEvent(envelope.type, envelope.schemaVersion, envelope.payload));
      if (!fact) continue;
      facts.push(fact);
      causes.set(fact.userId, envelope.id);
    }
    await this.awarder.record(tx, facts);
    return this.awarder.award(tx, causes);
  }
}

function factOf(event: FeedsEvent): Fact | null {
  switch (event.type) {
    case FeedsEventTypes.LessonCompleted: {
      const { userId, courseId, lessonId, completedAt } = event.payload;
      return { userId, kind: 'LESSON_COMPLETED', factId: `${courseId}:${lessonId}`, at: completedAt };
    }
    case FeedsEventTypes.CourseCompleted: {
      const { userId, courseId, completedAt } = event.payload;
      return { userId, kind: 'COURSE_COMPLETED', factId: courseId, at: completedAt };
    }
    case FeedsEventTypes.CoursePublished:
    case FeedsEventTypes.Enrolled:
    case FeedsEventTypes.Followed:
    case FeedsEventTypes.Unfollowed:
    case FeedsEventTypes.UpdatePosted:
    case FeedsEventTypes.AchievementEarned:
      return null;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
