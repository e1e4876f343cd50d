import { ConsistencyToken } from '@voltstream/contracts';
import { GraphQLContext, PerRequest, Queryable, RequestReads } from '@voltstream/platform';
import DataLoader from 'dataloader';
import { findCourses, lessonsOf } from '../courses/course-reads';
import { FeedsQueryRuntime } from '../runtime';
import { achievementsOf, enrollmentsOf, followCountsOf, followedBy, knownUsers } from '../users/user-reads';
import { waitForWrite } from './consistency';
import {
  AchievementView,
  CourseView,
  EnrollmentView,
  FollowCounts,
  groupedBy,
  inKeyOrder,
  LessonView,
} from './views';

const NO_FOLLOWS: FollowCounts = { followerCount: 0, followingCount: 0 };

/**
 * The reads of one request (on one database, see RequestReads), batched by DataLoader: a
 * profile with twenty enrollments costs the same statements as one with one.
 */
export class FeedsReads extends RequestReads {
  private readonly followedByCaller = new Map<string, DataLoader<string, boolean>>();

  readonly courses = new DataLoader<string, CourseView | null>((ids) =>
    this.read((db) => findCourses(db, ids)).then(inKeyOrder(ids)),
  );
  readonly lessonsOf = new DataLoader<string, LessonView[]>(async (courseIds) =>
    groupedBy(courseIds, await this.read((db) => lessonsOf(db, courseIds)), (row) => row.courseId),
  );
  readonly users = new DataLoader<string, { id: string } | null>((ids) =>
    this.read((db) => knownUsers(db, ids)).then(inKeyOrder(ids)),
  );
  readonly enrollmentsOf = new DataLoader<string, EnrollmentView[]>(async (userIds) =>
    groupedBy(userIds, await this.read((db) => enrollmentsOf(db, userIds)), (row) => row.userId),
  );
  readonly achievementsOf = new DataLoader<string, AchievementView[]>(async (userIds) =>
    groupedBy(userIds, await this.read((db) => achievementsOf(db, userIds)), (row) => row.userId),
  );
  readonly followCounts = new DataLoader<string, FollowCounts>(async (userIds) => {
    const counts = await this.read((db) => followCountsOf(db, userIds));
    return userIds.map((id) => counts.get(id.toLowerCase()) ?? NO_FOLLOWS);
  });

  constructor(private readonly runtime: FeedsQueryRuntime) {
    super(runtime.readSide);
  }

  /** Whether `followerId` follows each user asked for, batched. */
  follows(followerId: string): DataLoader<string, boolean> {
    let loader = this.followedByCaller.get(followerId);
    if (!loader) {
      loader = new DataLoader<string, boolean>(async (ids) => {
        const followed = await this.read((db) => followedBy(db, followerId, ids));
        return ids.map((id) => followed.has(id.toLowerCase()));
      });
      this.followedByCaller.set(followerId, loader);
    }
    return loader;
  }

  /** Waits (bounded) until this request's database shows the write a token names, then reads. */
  async after<T>(write: ConsistencyToken | null, work: (db: Queryable) => Promise<T>): Promise<T> {
    return this.read(async (db) => {
      await waitForWrite(db, write, this.runtime.config.consistencyWaitMs);
      return work(db);
    });
  }
}

const sessions = new PerRequest<FeedsReads>();

/** The reads of the request this context belongs to. */
export function readsOf(runtime: FeedsQueryRuntime, context: GraphQLContext): FeedsReads {
  return sessions.of(context, () => new FeedsReads(runtime));
}
