import Redis from 'ioredis';
import { Delivery } from './fan-out';

/** Redis channel that carries a user's new feed activities to the gateway's feedUpdates. */
export const feedUpdatesChannel = (userId: string): string => `feeds:feed-updates:${userId}`;

/** The GraphQL Activity fields a subscriber receives (`at` as an ISO string). */
export interface FeedUpdateMessage {
  id: string;
  verb: string;
  text: string | null;
  at: string;
  actor: { id: string };
  /** null when the activity has no course, or its course is not projected yet. */
  course: { id: string; title: string } | null;
}

export interface FeedUpdate {
  message: FeedUpdateMessage;
  ownerIds: string[];
}

export function feedUpdatesOf(
  deliveries: readonly Delivery[],
  titles: ReadonlyMap<string, string>,
): FeedUpdate[] {
  return deliveries.map(({ activity, ownerIds }) => {
    const title = activity.courseId ? titles.get(activity.courseId) : undefined;
    return {
      message: {
        id: activity.activityId,
        verb: activity.verb,
        text: activity.text,
        at: activity.at.toISOString(),
        actor: { id: activity.actorId },
        course: activity.courseId && title !== undefined ? { id: activity.courseId, title } : null,
      },
      ownerIds,
    };
  });
}

/** Commands per pipeline: a celebrity's post reaches every follower without one huge buffer. */
const PIPELINE_SIZE = 1000;

/** Published after the projection commits, so a subscriber never sees what `feed` cannot. */
export async function publishFeedUpdates(redis: Redis, updates: readonly FeedUpdate[]): Promise<void> {
  let pipeline = redis.pipeline();
  let queued = 0;
  for (const { message, ownerIds } of updates) {
    const text = JSON.stringify(message);
    for (const ownerId of ownerIds) {
      pipeline.publish(feedUpdatesChannel(ownerId), text);
      queued += 1;
      if (queued === PIPELINE_SIZE) {
        await pipeline.exec();
        pipeline = redis.pipeline();
        queued = 0;
      }
    }
  }
  if (queued > 0) await pipeline.exec();
}
