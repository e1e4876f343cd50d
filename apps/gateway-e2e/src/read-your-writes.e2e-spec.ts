import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeConsistencyToken } from '@voltstream/contracts';
import { databaseUrl, dataOf, eventually, graphql, GraphQLResponse, queryOnce } from '@voltstream/testing';
import { randomBytes } from 'node:crypto';
import { settings } from './energy-api';
import { withReplicaPaused } from './replica-pause';
import { replicaVersionOf } from './replica-writes';

const PASSWORD = 'a passphrase for read-your-writes';
const feedsOnReplica = databaseUrl(settings.replicaUrl, 'feeds_read');

interface Person {
  id: string;
  token: string;
  email: string;
}

const gateway = <T>(query: string, variables: Record<string, unknown>, headers: Record<string, string>) =>
  graphql<T>(settings.gatewayUrl, query, variables, { headers });

const signedIn = (person: Person, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${person.token}`,
  ...extra,
});

async function register(): Promise<GraphQLResponse<{ register: RegisterResult }> & { email: string }> {
  const email = `ryw-${randomBytes(6).toString('hex')}@example.com`;
  const response = await gateway<{ register: RegisterResult }>(
    `mutation($input: RegisterInput!) {
       register(input: $input) { accessToken consistencyToken user { id email } }
     }`,
    { input: { email, password: PASSWORD, displayName: 'Read your writes' } },
    {},
  );
  return { ...response, email };
}

interface RegisterResult {
  accessToken: string;
  consistencyToken: string | null;
  user: { id: string; email: string | null };
}

async function newPerson(role?: 'INSTRUCTOR'): Promise<Person> {
  const registered = await register();
  const { accessToken, user } = dataOf(registered).register;
  if (!role) return { id: user.id, token: accessToken, email: registered.email };
  await queryOnce(
    databaseUrl(settings.databaseUrl, 'identity'),
    'UPDATE users SET roles = array_append(roles, $2) WHERE email = $1',
    [registered.email, role],
  );
  const login = await gateway<{ login: { accessToken: string } }>(
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: registered.email, p: PASSWORD },
    {},
  );
  return { id: user.id, token: dataOf(login).login.accessToken, email: registered.email };
}

/** The token a scalar mutation answered with: in `extensions` and the header alike. */
function scalarToken(response: GraphQLResponse<unknown>): string {
  assert.deepEqual(response.errors, [], 'the mutation succeeds');
  const extension = response.extensions['consistencyToken'];
  assert.equal(typeof extension, 'string', 'extensions.consistencyToken is set');
  assert.equal(response.headers.get('x-consistency-token'), extension, 'the header carries the same token');
  return extension as string;
}

const POST = 'mutation($text: String!) { postUpdate(text: $text) { id consistencyToken } }';
const FOLLOW = 'mutation($u: ID!) { follow(userId: $u) }';
const UNFOLLOW = 'mutation($u: ID!) { unfollow(userId: $u) }';
/** Both reads a follow changes, in one request: the first read after the write is this one. */
const FEED_AND_FOLLOWEE = `query($u: ID!) {
  feed(first: 50) { nodes { id actor { id } } }
  user(id: $u) { id followedByMe }
}`;

interface FeedAndFollowee {
  feed: { nodes: { id: string; actor: { id: string } }[] };
  user: { id: string; followedByMe: boolean } | null;
}

/** A followee with one post, projected; the follower has not followed them yet. */
async function followeeWithPost(): Promise<{ follower: Person; followee: Person; postId: string }> {
  const [follower, followee] = await Promise.all([newPerson(), newPerson()]);
  const post = dataOf(
    await gateway<{ postUpdate: { id: string; consistencyToken: string } }>(
      POST,
      { text: 'Switched to a night tariff' },
      signedIn(followee),
    ),
  ).postUpdate;
  // Projected (on the replica, too) before the pause, found without a token: the follow alone
  // is what the replica lacks below.
  await eventually(
    async () => {
      const own = dataOf(
        await gateway<FeedAndFollowee>(FEED_AND_FOLLOWEE, { u: followee.id }, signedIn(followee)),
      );
      return own.user && own.feed.nodes.some((node) => node.id === post.id) ? true : undefined;
    },
    30_000,
    "the followee's post projected",
  );
  return { follower, followee, postId: post.id };
}

describe('read-your-writes through the gateway', () => {
  it('follow answers its token in extensions and x-consistency-token; feed and user.followedByMe given it show the follow while the replica stands still', async () => {
    const { follower, followee, postId } = await followeeWithPost();
    await withReplicaPaused('feeds-query', async () => {
      const token = scalarToken(
        await gateway<{ follow: boolean }>(FOLLOW, { u: followee.id }, signedIn(follower)),
      );
      const write = decodeConsistencyToken(token);
      assert.ok(write && (await replicaVersionOf(token)) < write.version, 'the replica lacks the follow');

      const read = await gateway<FeedAndFollowee>(
        FEED_AND_FOLLOWEE,
        { u: followee.id },
        signedIn(follower, { 'x-consistency-token': token }),
      );
      const data = dataOf(read);
      assert.equal(data.user?.followedByMe, true, 'user.followedByMe shows the follow');
      assert.ok(
        data.feed.nodes.some((node) => node.id === postId && node.actor.id === followee.id),
        "the feed shows the followee's post",
      );
    });
  });

  it('unfollow answers its token in extensions and x-consistency-token; feed and user.followedByMe given it no longer show the followee while the replica stands still', async () => {
    const { follower, followee, postId } = await followeeWithPost();
    const followed = scalarToken(
      await gateway<{ follow: boolean }>(FOLLOW, { u: followee.id }, signedIn(follower)),
    );
    assert.equal(typeof followed, 'string');
    await eventually(
      async () => {
        const before = dataOf(
          await gateway<FeedAndFollowee>(FEED_AND_FOLLOWEE, { u: followee.id }, signedIn(follower)),
        );
        const shown = before.user?.followedByMe && before.feed.nodes.some((node) => node.id === postId);
        return shown ? true : undefined;
      },
      30_000,
      "the follow and the followee's post projected before the unfollow",
    );

    await withReplicaPaused('feeds-query', async () => {
      const response = await gateway<{ unfollow: boolean }>(UNFOLLOW, { u: followee.id }, signedIn(follower));
      const token = scalarToken(response);
      assert.equal(dataOf(response).unfollow, true);
      const write = decodeConsistencyToken(token);
      assert.ok(write && (await replicaVersionOf(token)) < write.version, 'the replica lacks the unfollow');

      const data = dataOf(
        await gateway<FeedAndFollowee>(
          FEED_AND_FOLLOWEE,
          { u: followee.id },
          signedIn(follower, { 'x-consistency-token': token }),
        ),
      );
      assert.equal(data.user?.followedByMe, false, 'user.followedByMe shows the unfollow');
      assert.ok(
        data.feed.nodes.every((node) => node.actor.id !== followee.id),
        "the feed no longer shows the followee's activities",
      );
    });
  });

  it('enroll answers its token in the Enrollment; course and user given it show the enrollment while the replica stands still', async () => {
    const [instructor, learner] = await Promise.all([newPerson('INSTRUCTOR'), newPerson()]);
    const course = dataOf(
      await gateway<{ publishCourse: { id: string; consistencyToken: string } }>(
        `mutation($input: PublishCourseInput!) { publishCourse(input: $input) { id consistencyToken } }`,
        {
          input: {
            title: 'Reading your own meter',
            summary: 'What the numbers mean.',
            tags: ['meters'],
            lessons: [{ title: 'Digits', durationMinutes: 5 }],
          },
        },
        signedIn(instructor),
      ),
    ).publishCourse;
    const READ = `query($course: ID!, $user: ID!, $c: String) {
      course(id: $course, consistency: $c) { id enrollmentCount }
      user(id: $user, consistency: $c) { id enrollments { course { id } } }
    }`;
    type Read = {
      course: { id: string; enrollmentCount: number } | null;
      user: { id: string; enrollments: { course: { id: string } }[] } | null;
    };
    const published = dataOf(
      await gateway<Read>(
        READ,
        { course: course.id, user: learner.id, c: course.consistencyToken },
        signedIn(learner),
      ),
    );
    assert.equal(published.course?.enrollmentCount, 0, 'the course is projected, nobody enrolled');

    await withReplicaPaused('feeds-query', async () => {
      const enrollment = dataOf(
        await gateway<{ enroll: { course: { id: string }; consistencyToken: string } }>(
          'mutation($id: ID!) { enroll(courseId: $id) { course { id } consistencyToken } }',
          { id: course.id },
          signedIn(learner),
        ),
      ).enroll;
      const token = enrollment.consistencyToken;
      const write = decodeConsistencyToken(token);
      assert.ok(write && (await replicaVersionOf(token)) < write.version, 'the replica lacks the enrollment');

      const data = dataOf(
        await gateway<Read>(READ, { course: course.id, user: learner.id, c: token }, signedIn(learner)),
      );
      assert.equal(data.course?.enrollmentCount, 1, 'course.enrollmentCount shows the enrollment');
      assert.deepEqual(
        data.user?.enrollments.map((e) => e.course.id),
        [course.id],
        'user.enrollments shows the enrollment',
      );
    });
  });

  it("register answers its token in the AuthPayload; me and feeds' user(id) given it show the new account while the replica stands still, and a token never issued is BAD_USER_INPUT", async () => {
    await withReplicaPaused('feeds-query', async () => {
      const registered = await register();
      const { accessToken, consistencyToken, user } = dataOf(registered).register;
      assert.equal(typeof consistencyToken, 'string', 'register answers a consistency token');
      const token = consistencyToken as string;
      const person: Person = { id: user.id, token: accessToken, email: registered.email };
      const onReplica = await queryOnce(feedsOnReplica, 'SELECT 1 FROM users WHERE id = $1', [user.id]);
      assert.equal(onReplica.length, 0, "the replica lacks feeds' copy of the registration");

      // identity reads the primary it writes to; feeds learns users from identity's events.
      const READ = `query($id: ID!, $c: String) {
        me(consistency: $c) { id email }
        user(id: $id, consistency: $c) { id followerCount }
      }`;
      type Read = { me: { id: string; email: string } | null; user: { id: string } | null };
      const byArgument = dataOf(await gateway<Read>(READ, { id: user.id, c: token }, signedIn(person)));
      assert.deepEqual(byArgument.me, { id: user.id, email: registered.email }, 'me given the token');
      assert.equal(byArgument.user?.id, user.id, 'user(id) given the token');
      const byHeader = dataOf(
        await gateway<Read>(READ, { id: user.id }, signedIn(person, { 'x-consistency-token': token })),
      );
      assert.deepEqual(byHeader.me, { id: user.id, email: registered.email }, 'me given the token as header');

      const forged = await gateway<Read>(READ, { id: user.id, c: 'ct1.not-a-token' }, signedIn(person));
      assert.deepEqual(
        forged.errors.map((error) => [error.path?.[0], error.extensions?.code]).sort(),
        [
          ['me', 'BAD_USER_INPUT'],
          ['user', 'BAD_USER_INPUT'],
        ],
        'a token never issued is refused',
      );
    });
  });
});
