import { encodeConsistencyToken, USER_ACTIVITY_AGGREGATE } from '@voltstream/contracts';
import { activityFromEvent, decidePostUpdate } from '@voltstream/feeds';
import { Caller, EventOutbox } from '@voltstream/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { advanceStream, feedsDecision, lockStream } from '../shared/feeds-outbox';
import { userRef } from '../shared/graphql-views';

/** Posts a plain-text update; the activity it shows as has the id of its event's envelope. */
export class PostUpdateHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
  ) {}

  async execute(caller: Caller, text: string) {
    const event = decidePostUpdate({
      type: 'PostUpdate',
      postId: randomUUID(),
      userId: caller.userId,
      text,
      now: new Date(),
    });
    const post = event.payload;
    const { envelopeId, version } = await this.db.transaction(async (tx) => {
      const last = (await lockStream(tx, USER_ACTIVITY_AGGREGATE, caller.userId)) + 1;
      await tx.query('INSERT INTO posts (id, user_id, text, posted_at) VALUES ($1, $2, $3, $4)', [
        post.postId,
        post.userId,
        post.text,
        post.postedAt,
      ]);
      await advanceStream(tx, USER_ACTIVITY_AGGREGATE, caller.userId, last);
      const [envelope] = await this.outbox.emit(tx, feedsDecision(last, [event]), {
        actorId: caller.userId,
        occurredAt: new Date(post.postedAt),
      });
      return { envelopeId: envelope.id, version: last };
    });
    const activity = activityFromEvent(envelopeId, event);
    if (!activity) throw new Error('a post always shows as an activity');
    return {
      id: activity.activityId,
      actor: userRef(activity.actorId),
      verb: activity.verb,
      course: null,
      text: activity.text,
      at: activity.at,
      consistencyToken: encodeConsistencyToken({
        aggregateType: USER_ACTIVITY_AGGREGATE,
        aggregateId: caller.userId,
        version,
      }),
    };
  }
}
