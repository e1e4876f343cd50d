import { DomainError, FeedsEventTypes, FollowedEvent, UnfollowedEvent } from '@voltstream/contracts';
import { FeedsErrorCodes } from './feeds-errors';

export type FollowEvent = FollowedEvent | UnfollowedEvent;

/**
 * The edges one user has drawn (aggregate = the follower). A decider consults only whether the
 * command's followee is in `following`, so a handler may load just that one edge.
 */
export interface FollowingState {
  userId: string;
  following: ReadonlySet<string>;
}

export interface Follow {
  type: 'Follow';
  followeeId: string;
  now: Date;
}

export interface Unfollow {
  type: 'Unfollow';
  followeeId: string;
  now: Date;
}

export type FollowCommand = Follow | Unfollow;

const refuseSelf = (state: FollowingState, followeeId: string) => {
  if (followeeId === state.userId) {
    throw DomainError.fromFieldErrors([
      { path: 'userId', code: FeedsErrorCodes.cannotFollowSelf, message: 'you cannot follow yourself' },
    ]);
  }
};

/** Following someone already followed returns no events. */
export function decideFollow(state: FollowingState, command: Follow): FollowEvent[] {
  refuseSelf(state, command.followeeId);
  if (state.following.has(command.followeeId)) return [];
  return [
    {
      type: FeedsEventTypes.Followed,
      schemaVersion: 1,
      payload: {
        followerId: state.userId,
        followeeId: command.followeeId,
        followedAt: command.now.toISOString(),
      },
    },
  ];
}

/** Unfollowing someone not followed returns no events; unfollowing oneself is refused like following. */
export function decideUnfollow(state: FollowingState, command: Unfollow): FollowEvent[] {
  refuseSelf(state, command.followeeId);
  if (!state.following.has(command.followeeId)) return [];
  return [
    {
      type: FeedsEventTypes.Unfollowed,
      schemaVersion: 1,
      payload: {
        followerId: state.userId,
        followeeId: command.followeeId,
        unfollowedAt: command.now.toISOString(),
      },
    },
  ];
}

export function decideFollowing(state: FollowingState, command: FollowCommand): FollowEvent[] {
  switch (command.type) {
    case 'Follow':
      return decideFollow(state, command);
    case 'Unfollow':
      return decideUnfollow(state, command);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function evolveFollowing(state: FollowingState, event: FollowEvent): FollowingState {
  const following = new Set(state.following);
  switch (event.type) {
    case FeedsEventTypes.Followed:
      following.add(event.payload.followeeId);
      break;
    case FeedsEventTypes.Unfollowed:
      following.delete(event.payload.followeeId);
      break;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
  return { ...state, following };
}
