import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { followedV1, unfollowedV1 } from '@voltstream/contracts';
import { FeedsErrorCodes } from './feeds-errors';
import { codeOf, pathOf } from './feeds-spec-helpers';
import { decideFollowing, evolveFollowing, FollowCommand, FollowingState } from './follows';

const ME = 'e3000000-0000-4000-8000-000000000001';
const HER = 'e3000000-0000-4000-8000-000000000002';
const now = new Date('2026-07-01T11:00:00Z');
const nobody: FollowingState = { userId: ME, following: new Set() };
const follow = (followeeId: string): FollowCommand => ({ type: 'Follow', followeeId, now });
const unfollow = (followeeId: string): FollowCommand => ({ type: 'Unfollow', followeeId, now });
const after = (state: FollowingState, command: FollowCommand) =>
  decideFollowing(state, command).reduce(evolveFollowing, state);

describe('following', () => {
  it('follows another user', () => {
    const events = decideFollowing(nobody, follow(HER));
    assert.deepEqual(events, [
      {
        type: 'feeds.Followed',
        schemaVersion: 1,
        payload: { followerId: ME, followeeId: HER, followedAt: '2026-07-01T11:00:00.000Z' },
      },
    ]);
    assert.deepEqual(followedV1(events[0].payload, 'payload'), events[0].payload);
    assert.deepEqual(after(nobody, follow(HER)).following, new Set([HER]));
  });

  it('returns no events when already following', () => {
    assert.deepEqual(decideFollowing(after(nobody, follow(HER)), follow(HER)), []);
  });

  it('refuses to follow or unfollow oneself, naming userId', () => {
    for (const command of [follow(ME), unfollow(ME)]) {
      assert.equal(
        codeOf(() => decideFollowing(nobody, command)),
        FeedsErrorCodes.cannotFollowSelf,
      );
      assert.equal(
        pathOf(() => decideFollowing(nobody, command)),
        'userId',
      );
    }
  });
});

describe('unfollowing', () => {
  it('unfollows a followed user, and then returns no events', () => {
    const following = after(nobody, follow(HER));
    const events = decideFollowing(following, unfollow(HER));
    assert.equal(events[0].type, 'feeds.Unfollowed');
    assert.deepEqual(unfollowedV1(events[0].payload, 'payload'), events[0].payload);
    const unfollowed = events.reduce(evolveFollowing, following);
    assert.deepEqual(unfollowed.following, new Set());
    assert.deepEqual(decideFollowing(unfollowed, unfollow(HER)), []);
  });
});
