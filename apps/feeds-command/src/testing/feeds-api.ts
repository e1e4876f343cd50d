import { EventEnvelope } from '@voltstream/contracts';
import { databaseUrl, dataOf, graphql, GraphQLResponse, queryOnce, testSettings } from '@voltstream/testing';
import { randomBytes } from 'node:crypto';

/** feeds-command as the gateway calls it, with users registered through the gateway. */
const settings = testSettings();
const PASSWORD = 'a passphrase for tests';
export const feedsDb = databaseUrl(settings.databaseUrl, 'feeds_command');

export interface TestUser {
  id: string;
  token: string;
}

/** A new user, signed in; with a role, promoted the way an operator does it, then signed in again. */
export async function newUser(role?: 'INSTRUCTOR' | 'ADMIN'): Promise<TestUser> {
  const email = `feeds-${randomBytes(6).toString('hex')}@example.com`;
  const registered = await graphql<{ register: { accessToken: string; user: { id: string } } }>(
    settings.gatewayUrl,
    'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
    { input: { email, password: PASSWORD, displayName: 'Feeds learner' } },
  );
  const { accessToken, user } = dataOf(registered).register;
  if (!role) return { id: user.id, token: accessToken };
  await queryOnce(
    databaseUrl(settings.databaseUrl, 'identity'),
    'UPDATE users SET roles = array_append(roles, $2) WHERE email = $1',
    [email, role],
  );
  const login = await graphql<{ login: { accessToken: string } }>(
    settings.gatewayUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: PASSWORD },
  );
  return { id: user.id, token: dataOf(login).login.accessToken };
}

/** One operation on feeds-command's own subgraph endpoint. */
export const ask = <T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<GraphQLResponse<T>> =>
  graphql<T>(`${settings.serviceBaseUrl('feeds-command')}/graphql`, query, variables, token ? { token } : {});

export const codeOf = (response: GraphQLResponse<unknown>) => response.errors[0]?.extensions?.code;

/** The events of one stream in feeds-command's outbox, oldest version first. */
export async function outboxEvents(aggregateId: string, type?: string): Promise<EventEnvelope[]> {
  const rows = await queryOnce<{ envelope: EventEnvelope }>(
    feedsDb,
    `SELECT envelope FROM outbox WHERE message_key = $1 AND ($2::text IS NULL OR envelope->>'type' = $2)
     ORDER BY (envelope->>'aggregateVersion')::int, id`,
    [aggregateId, type ?? null],
  );
  return rows.map((row) => row.envelope);
}

export const COURSE_FIELDS = `
  id title summary tags author { id } enrollmentCount publishedAt consistencyToken
  lessons { id title position durationMinutes }
`;
export const ENROLLMENT_FIELDS = `
  course { id enrollmentCount lessons { id } }
  progress completedLessons enrolledAt completedAt consistencyToken
`;

export interface CourseResult {
  id: string;
  title: string;
  summary: string;
  tags: string[];
  author: { id: string };
  enrollmentCount: number;
  publishedAt: string;
  consistencyToken: string;
  lessons: { id: string; title: string; position: number; durationMinutes: number }[];
}

export interface EnrollmentResult {
  course: { id: string; enrollmentCount: number; lessons: { id: string }[] };
  progress: number;
  completedLessons: number;
  enrolledAt: string;
  completedAt: string | null;
  consistencyToken: string;
}

export function publishCourse(
  token: string,
  lessons = 2,
): Promise<GraphQLResponse<{ publishCourse: CourseResult }>> {
  return ask(
    `mutation($input: PublishCourseInput!) { publishCourse(input: $input) { ${COURSE_FIELDS} } }`,
    {
      input: {
        title: 'Heat pumps, explained',
        summary: 'What a heat pump costs to run.\nAnd when it pays off.',
        tags: [' Heat Pumps ', 'home', 'home'],
        lessons: Array.from({ length: lessons }, (_, i) => ({
          title: `Lesson ${i + 1}`,
          durationMinutes: 10 + i,
        })),
      },
    },
    token,
  );
}

export const enroll = (token: string, courseId: string) =>
  ask<{ enroll: EnrollmentResult }>(
    `mutation($courseId: ID!) { enroll(courseId: $courseId) { ${ENROLLMENT_FIELDS} } }`,
    { courseId },
    token,
  );

export const completeLesson = (token: string, courseId: string, lessonId: string) =>
  ask<{ completeLesson: EnrollmentResult }>(
    `mutation($courseId: ID!, $lessonId: ID!) {
       completeLesson(courseId: $courseId, lessonId: $lessonId) { ${ENROLLMENT_FIELDS} }
     }`,
    { courseId, lessonId },
    token,
  );
