import { EntityChangeMessage, LiveChannels } from '@voltstream/contracts';
import Redis from 'ioredis';
import { Delivery } from './fan-out';

/** A new activity, and every user whose feed gained it. */
export interface FeedUpdate {
  message: EntityChangeMessage;
  ownerIds: string[];
}

/**
 * The activity's id and the token of the write that made it (`writes`, by activity id): the
 * gateway reads the activity through the supergraph for each subscriber, waiting for that write.
 */
export function feedUpdatesOf(
  deliveries: readonly Delivery[],
  writes: ReadonlyMap<string, string>,
): FeedUpdate[] {
  return deliveries.map(({ activity, ownerIds }) => {
    const consistencyToken = writes.get(activity.activityId);
    if (!consistencyToken) throw new Error(`no write behind activity ${activity.activityId}`);
    return { message: { id: activity.activityId, consistencyToken }, ownerIds };
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
      pipeline.publish(LiveChannels.feedUpdates(ownerId), text);
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
