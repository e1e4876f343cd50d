import { ActivityVerb } from '@voltstream/feeds';

/** DTOs shaped for GraphQL. */
export interface CourseView {
  id: string;
  authorId: string;
  title: string;
  summary: string;
  tags: string[];
  publishedAt: Date;
  enrollmentCount: number;
}

export interface LessonView {
  id: string;
  title: string;
  position: number;
  durationMinutes: number;
}

export interface EnrollmentView {
  userId: string;
  courseId: string;
  /** Completed lessons over all lessons, 0..1. */
  progress: number;
  completedLessons: number;
  enrolledAt: Date;
  completedAt: Date | null;
}

export interface AchievementView {
  code: string;
  title: string;
  earnedAt: Date;
}

/** An activity, with `activityId` beside `id` for libs/feeds' ordering and merging. */
export interface ActivityView {
  id: string;
  activityId: string;
  actorId: string;
  verb: ActivityVerb;
  courseId: string | null;
  text: string | null;
  at: Date;
}

export interface FollowCounts {
  followerCount: number;
  followingCount: number;
}

/** A user as this subgraph knows one: by id; identity owns the rest. */
export interface UserRef {
  id: string;
}

export interface Connection<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Loaded rows in the order of the keys asked for, null where none was found. */
export const inKeyOrder =
  <T extends { id: string }>(ids: readonly string[]) =>
  (rows: readonly T[]): (T | null)[] => {
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  };

/** Rows grouped by a key, in the order of the keys asked for, empty where none was found. */
export function groupedBy<T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key) ?? [];
    group.push(row);
    groups.set(key, group);
  }
  return keys.map((key) => groups.get(key.toLowerCase()) ?? []);
}
