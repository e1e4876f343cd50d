import {
  encodeConsistencyToken,
  FeedsEventTypes,
  notFound,
  USER_FOLLOWS_AGGREGATE,
  UUID_PATTERN,
} from '@voltstream/contracts';
import { decideFollowing, FollowCommand, FollowEvent } from '@voltstream/feeds';
import { Caller, EventOutbox, Queryable } from '@voltstream/platform';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { advanceStream, feedsDecision, lockStream } from '../shared/feeds-outbox';

/**
 * Follow and unfollow: the caller's UserFollows stream, locked while one decision runs, so two
 * follows of the same user at once emit one Followed. Both are idempotent; each answers the
 * consistency token of the stream's version after it (the current one when nothing changed), so
 * a read given it shows the follows as they stand now.
 */
export class FollowHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
    private readonly followeeWaitMs = 5000,
  ) {}

  async follow(caller: Caller, userId: string): Promise<string> {
    // Oneself is known, and refused by the domain below: no need to wait for it.
    if (userId !== caller.userId) await this.requireKnownUser(userId);
    return this.decide(caller, { type: 'Follow', followeeId: userId, now: new Date() });
  }

  async unfollow(caller: Caller, userId: string): Promise<string> {
    if (!UUID_PATTERN.test(userId)) throw notFound('user');
    return this.decide(caller, { type: 'Unfollow', followeeId: userId, now: new Date() });
  }

  private async decide(caller: Caller, command: FollowCommand): Promise<string> {
    const version = await this.db.transaction(async (tx) => {
      const current = await lockStream(tx, USER_FOLLOWS_AGGREGATE, caller.userId);
      const edge = await tx.query<unknown[]>(
        'SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2',
        [caller.userId, command.followeeId],
      );
      const following = new Set(edge.length > 0 ? [command.followeeId] : []);
      const events = decideFollowing({ userId: caller.userId, following }, command);
      if (events.length === 0) return current;
      for (const event of events) await save(tx, event);
      const last = current + events.length;
      await advanceStream(tx, USER_FOLLOWS_AGGREGATE, caller.userId, last);
      await this.outbox.emit(tx, feedsDecision(last, events), {
        actorId: caller.userId,
        occurredAt: command.now,
      });
      return last;
    });
    return encodeConsistencyToken({
      aggregateType: USER_FOLLOWS_AGGREGATE,
      aggregateId: caller.userId,
      version,
    });
  }

  /**
   * Feeds learns users from identity.events, so someone who registered a moment ago may not be
   * known yet: wait a bounded time before calling them missing.
   */
  private async requireKnownUser(userId: string): Promise<void> {
    if (!UUID_PATTERN.test(userId)) throw notFound('user');
    const deadline = Date.now() + this.followeeWaitMs;
    for (;;) {
      const rows = await this.db.query<unknown[]>('SELECT 1 FROM users WHERE id = $1', [userId]);
      if (rows.length > 0) return;
      if (Date.now() >= deadline) throw notFound('user');
      await sleep(100);
    }
  }
}

async function save(tx: Queryable, event: FollowEvent): Promise<void> {
  switch (event.type) {
    case FeedsEventTypes.Followed: {
      const { followerId, followeeId, followedAt } = event.payload;
      await tx.query('INSERT INTO follows (follower_id, followee_id, followed_at) VALUES ($1, $2, $3)', [
        followerId,
        followeeId,
        followedAt,
      ]);
      return;
    }
    case FeedsEventTypes.Unfollowed: {
      const { followerId, followeeId } = event.payload;
      await tx.query('DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2', [
        followerId,
        followeeId,
      ]);
      return;
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
