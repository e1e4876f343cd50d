import {
  AchievementEarnedV1,
  CoursePublishedV1,
  encodeConsistencyToken,
  FeedsEventTypes,
} from '@voltstream/contracts';
import { Activity, activityFromEvent, TrendSignal, trendSignalOf } from '@voltstream/feeds';
import { ConsumedEvent, Projection, Queryable } from '@voltstream/platform';
import { DEFAULT_FEED_RULES, FeedRules } from '../config';
import { CheckedEvent, checkedEvent } from './checked-event';
import {
  addEnrollmentCounts,
  applyEnrollments,
  EnrollmentEvent,
  insertAchievements,
  insertCourses,
} from './course-writes';
import { fanOut, FeedGrowth, insertActivities, trimFeeds } from './fan-out';
import { FeedUpdate, feedUpdatesOf } from './feed-updates';
import { applyFollows, FollowEvent } from './follow-writes';
import { addTrendSignals } from './trend-writes';
import { loadVersions, saveVersions, versionKey } from './versions';

export interface FeedsProjectionResult {
  /** New activities and the users whose feeds gained them, for the gateway's feedUpdates. */
  updates: FeedUpdate[];
}

/**
 * Projects feeds events into courses, enrollments, follows, achievements, activities, feeds
 * and trend scores. An event applies only above its aggregate's stored version, in the
 * runner's transaction, so redelivery and replay leave the same read model. Each step is one
 * set-based statement or a few, whatever the batch's size.
 */
export class FeedsProjection implements Projection<FeedsProjectionResult> {
  readonly name = 'feeds-read-model';

  constructor(private readonly rules: FeedRules = DEFAULT_FEED_RULES) {}

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<FeedsProjectionResult> {
    const parsed = events.map(({ envelope }) => checkedEvent(envelope));
    const keyOf = ({ envelope }: CheckedEvent) => versionKey(envelope.aggregateType, envelope.aggregateId);
    const versions = await loadVersions(tx, [...new Set(parsed.map(keyOf))]);
    const raised = new Map<string, number>();
    const fresh = parsed.filter((checked) => {
      const key = keyOf(checked);
      const version = checked.envelope.aggregateVersion;
      if (version <= (versions.get(key) ?? 0)) return false;
      versions.set(key, version);
      raised.set(key, version);
      return true;
    });
    if (fresh.length === 0) return { updates: [] };

    const courses: CoursePublishedV1[] = [];
    const enrollments: EnrollmentEvent[] = [];
    const follows: FollowEvent[] = [];
    const achievements: AchievementEarnedV1[] = [];
    const activities: Activity[] = [];
    // The write behind each new activity, for subscribers who read it on a replica next.
    const writes = new Map<string, string>();
    const signals: TrendSignal[] = [];
    for (const { envelope, event } of fresh) {
      const activity = activityFromEvent(envelope.id.toLowerCase(), event);
      if (activity) {
        activities.push(activity);
        writes.set(
          activity.activityId,
          encodeConsistencyToken({
            aggregateType: envelope.aggregateType,
            aggregateId: envelope.aggregateId,
            version: envelope.aggregateVersion,
          }),
        );
      }
      const signal = trendSignalOf(event);
      if (signal) signals.push(signal);
      switch (event.type) {
        case FeedsEventTypes.CoursePublished:
          courses.push(event.payload);
          break;
        case FeedsEventTypes.Enrolled:
        case FeedsEventTypes.LessonCompleted:
        case FeedsEventTypes.CourseCompleted:
          enrollments.push(event);
          break;
        case FeedsEventTypes.Followed:
        case FeedsEventTypes.Unfollowed:
          follows.push(event);
          break;
        case FeedsEventTypes.AchievementEarned:
          achievements.push(event.payload);
          break;
        case FeedsEventTypes.UpdatePosted:
          break;
        default: {
          const exhaustive: never = event;
          throw new Error(`unhandled event ${String(exhaustive)}`);
        }
      }
    }

    // Partitions are projected concurrently: a follow of B on one and B's post on another must
    // not each miss the other's uncommitted rows. A per-user lock, taken in one order, makes the
    // later one wait and then see the earlier one's commit. Activities only share their actors'
    // locks: two batches that both carry B's activities (an enrollment and a post are keyed
    // differently) do not race each other, only a change to who follows B does.
    await lockUsers(tx, {
      shared: activities.map((a) => a.actorId),
      exclusive: follows.map((f) => f.payload.followeeId),
    });
    await saveVersions(tx, raised);
    await insertCourses(tx, courses);
    await addEnrollmentCounts(tx, await applyEnrollments(tx, enrollments));
    await insertAchievements(tx, achievements);
    await addTrendSignals(tx, signals);
    await insertActivities(tx, activities);
    const growth = new FeedGrowth();
    await applyFollows(tx, follows, this.rules, growth);
    const deliveries = await fanOut(tx, activities, this.rules, growth);
    await trimFeeds(tx, growth, this.rules);
    return { updates: feedUpdatesOf(deliveries, writes) };
  }
}

/** Advisory locks on users, in key order; a user in both sets is locked exclusively. */
async function lockUsers(
  tx: Queryable,
  users: { shared: readonly string[]; exclusive: readonly string[] },
): Promise<void> {
  if (users.shared.length + users.exclusive.length === 0) return;
  await tx.query(
    `SELECT CASE WHEN exclusive THEN pg_advisory_xact_lock(k) ELSE pg_advisory_xact_lock_shared(k) END
     FROM (
       SELECT hashtextextended(id::text, 7302) AS k, bool_or(exclusive) AS exclusive
       FROM (SELECT id, false AS exclusive FROM unnest($1::uuid[]) AS id
             UNION ALL SELECT id, true FROM unnest($2::uuid[]) AS id) AS wanted
       GROUP BY 1 ORDER BY 1) AS locks`,
    [users.shared, users.exclusive],
  );
}
