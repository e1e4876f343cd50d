import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeFeedCursor } from '@voltstream/feeds';
import { dataOf, testSettings } from '@voltstream/testing';
import { FeedsHistory, tokenOf } from './testing/feeds-history';
import { Caller, codeOf, fieldOf, InProcessFeedsQuery, signUp, someone } from './testing/in-process';

const settings = testSettings();

const PROFILE = `query($id: ID!) { user(id: $id) {
  enrollments { course { title lessons { title } } progress }
  achievements { code }
  followerCount followingCount followedByMe
} }`;

type Profile = {
  user: {
    enrollments: { course: { title: string; lessons: { title: string }[] }; progress: number }[];
    achievements: { code: string }[];
    followerCount: number;
    followingCount: number;
    followedByMe: boolean;
  } | null;
};

const FEED = `query($first: Int, $after: String, $c: String) { feed(first: $first, after: $after, consistency: $c) {
  nodes { id verb text at actor { id } course { id title } } pageInfo { hasNextPage endCursor } } }`;

type FeedPage = {
  feed: {
    nodes: { id: string; verb: string; text: string | null; course: { title: string } | null }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

const COURSES = `query($first: Int, $after: String, $tag: String, $search: String) {
  courses(first: $first, after: $after, tag: $tag, search: $search) {
    nodes { id title tags enrollmentCount author { id } } pageInfo { hasNextPage endCursor } } }`;

type CoursePage = {
  courses: {
    nodes: { id: string; title: string }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

describe('feeds-query', () => {
  let service: InProcessFeedsQuery;
  let ada: Caller;
  let bob: Caller;
  // One history for the whole suite: each aggregate's versions go on counting across tests.
  const history = new FeedsHistory();

  before(async () => {
    [ada, bob] = await Promise.all([signUp(settings.gatewayUrl), signUp(settings.gatewayUrl)]);
    service = await InProcessFeedsQuery.start(settings, { CONSISTENCY_WAIT_MS: '1500' });
  });

  after(async () => {
    await service?.stop();
  });

  it('reads a profile in the same number of SQL statements for 1 enrollment as for 20', async () => {
    const author = someone();
    // Enrollments are their owner's: each learner reads their own profile.
    const [one, twenty] = await Promise.all([signUp(settings.gatewayUrl), signUp(settings.gatewayUrl)]);
    const courses = Array.from({ length: 20 }, (_, i) =>
      history.publishCourse(author, { title: `Course ${i}`, lessons: 3 }),
    );
    history.enroll(one.id, courses[0]);
    for (const course of courses) history.enroll(twenty.id, course);
    history.completeLessons(twenty.id, courses[0], 3);
    history.earn(twenty.id, 'FIRST_COURSE_COMPLETED', 'First course completed');
    history.follow(ada.id, twenty.id);
    history.follow(twenty.id, one.id);
    await service.project(history.drain());
    await service.register(one.id, twenty.id);

    const read = async (learner: Caller) => {
      service.statements = 0;
      const profile = dataOf(await service.ask<Profile>(PROFILE, { id: learner.id }, learner)).user!;
      return { profile, statements: service.statements };
    };
    const small = await read(one);
    const large = await read(twenty);
    assert.equal(small.profile.enrollments.length, 1);
    assert.equal(large.profile.enrollments.length, 20);
    assert.ok(large.profile.enrollments.every((e) => e.course.lessons.length === 3));
    assert.deepEqual(large.profile.enrollments.find((e) => e.course.title === 'Course 0')?.progress, 1);
    assert.deepEqual(large.profile.achievements, [{ code: 'FIRST_COURSE_COMPLETED' }]);
    assert.deepEqual([large.profile.followerCount, large.profile.followingCount], [1, 1]);
    assert.equal(large.statements, small.statements);
    assert.ok(large.statements <= 7, `${large.statements} statements`);

    // Another learner sees the public part: achievements and counts, but no enrollments.
    const seenByAda = dataOf(await service.ask<Profile>(PROFILE, { id: twenty.id }, ada)).user!;
    assert.deepEqual(seenByAda.enrollments, []);
    assert.deepEqual(seenByAda.achievements, [{ code: 'FIRST_COURSE_COMPLETED' }]);
    assert.deepEqual(
      [seenByAda.followerCount, seenByAda.followingCount, seenByAda.followedByMe],
      [1, 1, true],
    );
    const seenByBob = dataOf(await service.ask<Profile>(PROFILE, { id: twenty.id }, bob)).user!;
    assert.equal(seenByBob.followedByMe, false);
  });

  it('reads anyone’s public profile, null for someone never registered; profiles and feeds ask for a caller, the catalogue does not', async () => {
    assert.deepEqual(dataOf(await service.ask<Profile>(PROFILE, { id: someone() }, bob)).user, null);
    assert.deepEqual(dataOf(await service.ask<Profile>(PROFILE, { id: 'not-an-id' }, bob)).user, null);
    for (const query of [PROFILE, FEED]) {
      assert.equal(codeOf(await service.ask(query, { id: someone() })), 'UNAUTHENTICATED');
    }
    for (const query of [COURSES, '{ trendingCourses(window: DAY) { id } }']) {
      const answer = await service.ask(query, {});
      assert.deepEqual(answer.errors, [], JSON.stringify(answer.errors));
      assert.ok(answer.data, 'the catalogue answers an anonymous caller');
    }
  });

  it('pages the feed newest first, with cursors that neither repeat nor skip', async () => {
    const carl = someone();
    history.follow(bob.id, carl);
    const at = new Date(Date.now() - 60_000);
    // Three posts in one millisecond: the larger activity id comes first.
    for (const text of ['tie 1', 'tie 2', 'tie 3']) history.post(carl, text, at);
    for (const text of ['one', 'two', 'three']) history.post(carl, text);
    history.post(bob.id, 'mine');
    const events = history.drain();
    await service.project(events);
    const expected = [...events].sort((a, b) =>
      a.occurredAt === b.occurredAt ? (a.id < b.id ? 1 : -1) : a.occurredAt < b.occurredAt ? 1 : -1,
    );

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 3; page += 1) {
      const { feed }: FeedPage = dataOf(await service.ask<FeedPage>(FEED, { first: 3, after: cursor }, bob));
      seen.push(...feed.nodes.map((n) => n.id));
      assert.equal(feed.pageInfo.hasNextPage, page < 2);
      cursor = feed.pageInfo.endCursor;
      // A newer post arriving meanwhile does not shift the pages after the first.
      if (page === 0) await service.project([history.post(carl, 'breaking news', new Date())]);
    }
    assert.deepEqual(
      seen,
      expected.map((e) => e.id),
    );
    const first = dataOf(await service.ask<FeedPage>(FEED, { first: 1 }, bob)).feed.nodes[0];
    assert.deepEqual([first.verb, first.text], ['POSTED', 'breaking news']);
  });

  it('refuses a page size outside 1..100 and cursors it did not hand out', async () => {
    for (const first of [0, 101, -1]) {
      const response = await service.ask(FEED, { first }, ada);
      assert.deepEqual([codeOf(response), fieldOf(response)], ['BAD_USER_INPUT', 'first']);
      const courses = await service.ask(COURSES, { first }, ada);
      assert.deepEqual([codeOf(courses), fieldOf(courses)], ['BAD_USER_INPUT', 'first']);
    }
    const notOurs = encodeFeedCursor({ at: new Date(), activityId: 'abc' });
    for (const after of ['garbage!', notOurs, Buffer.from('[1,2]').toString('base64url')]) {
      const response = await service.ask(FEED, { after }, ada);
      assert.deepEqual([codeOf(response), fieldOf(response)], ['BAD_USER_INPUT', 'after']);
      const courses = await service.ask(COURSES, { after }, ada);
      assert.deepEqual([codeOf(courses), fieldOf(courses)], ['BAD_USER_INPUT', 'after']);
    }
    const trending = await service.ask('{ trendingCourses(window: WEEK, first: 0) { id } }', {}, ada);
    assert.deepEqual([codeOf(trending), fieldOf(trending)], ['BAD_USER_INPUT', 'first']);
  });

  it('pages courses newest first, by tag, and ranked by full-text search', async () => {
    const author = someone();
    const tag = `t-${Date.now().toString(36)}`;
    const pumps = history.publishCourse(author, {
      title: 'Heat pumps in old houses',
      summary: 'A heat pump, radiators and insulation.',
      tags: [tag, 'heating'],
    });
    const solar = history.publishCourse(author, {
      title: 'Solar panels',
      summary: 'Panels and heat.',
      tags: [tag],
    });
    const boilers = history.publishCourse(author, {
      title: 'Boilers',
      summary: 'Gas boilers, pumps.',
      tags: [tag],
    });
    await service.project(history.drain());

    const page1 = dataOf(await service.ask<CoursePage>(COURSES, { first: 2, tag }, ada)).courses;
    assert.deepEqual(
      page1.nodes.map((n) => n.id),
      [boilers.courseId, solar.courseId],
    );
    assert.equal(page1.pageInfo.hasNextPage, true);
    const page2 = dataOf(
      await service.ask<CoursePage>(COURSES, { first: 2, tag, after: page1.pageInfo.endCursor }, ada),
    ).courses;
    assert.deepEqual(
      page2.nodes.map((n) => n.id),
      [pumps.courseId],
    );
    assert.equal(page2.pageInfo.hasNextPage, false);

    // 'heat' is in the title and summary of the older course, only in the newer one's summary.
    const search = 'heat';
    const ranked = dataOf(await service.ask<CoursePage>(COURSES, { first: 1, tag, search }, ada)).courses;
    assert.deepEqual(
      ranked.nodes.map((n) => n.id),
      [pumps.courseId],
    );
    assert.equal(ranked.pageInfo.hasNextPage, true);
    const rest = dataOf(
      await service.ask<CoursePage>(
        COURSES,
        { first: 5, tag, search, after: ranked.pageInfo.endCursor },
        ada,
      ),
    ).courses;
    assert.deepEqual(
      rest.nodes.map((n) => n.id),
      [solar.courseId],
    );
    assert.equal(rest.pageInfo.hasNextPage, false);
    // A search cursor is no cursor of the plain list.
    const mixed = await service.ask(COURSES, { tag, after: ranked.pageInfo.endCursor }, ada);
    assert.deepEqual([codeOf(mixed), fieldOf(mixed)], ['BAD_USER_INPUT', 'after']);
    const byTag = dataOf(
      await service.ask<CoursePage>(COURSES, { tag: 'HEATING', search: 'radiators' }, ada),
    );
    assert.ok(byTag.courses.nodes.some((n) => n.id === pumps.courseId));
  });

  it('waits for the write a consistency token names, or fails with CONSISTENCY_TIMEOUT', async () => {
    const posted = history.post(ada.id, 'read your own writes', new Date());
    history.drain();
    const pending = service.ask<FeedPage>(FEED, { first: 1, c: tokenOf(posted) }, ada);
    setTimeout(() => void service.project([posted]), 300);
    assert.equal(dataOf(await pending).feed.nodes[0]?.id, posted.id);

    const never = { ...posted, aggregateVersion: 99 };
    assert.equal(codeOf(await service.ask(FEED, { c: tokenOf(never) }, ada)), 'CONSISTENCY_TIMEOUT');
    assert.equal(codeOf(await service.ask(FEED, { c: 'forged' }, ada)), 'BAD_USER_INPUT');
  });

  it('resolves Course and User entities for the gateway', async () => {
    const course = history.publishCourse(bob.id, { title: 'Entities', lessons: 2 });
    history.follow(ada.id, bob.id);
    await service.project(history.drain());
    const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Course { title lessons { position } author { id } consistencyToken }
      ... on User { followerCount followedByMe } } }`;
    const representations = [
      { __typename: 'Course', id: course.courseId },
      { __typename: 'Course', id: someone() },
      { __typename: 'User', id: bob.id },
    ];
    const asAda = await service.ask<{ _entities: unknown[] }>(query, { r: representations }, ada);
    assert.deepEqual(dataOf(asAda)._entities, [
      {
        title: 'Entities',
        lessons: [{ position: 1 }, { position: 2 }],
        author: { id: bob.id },
        consistencyToken: null,
      },
      null,
      { followerCount: 1, followedByMe: true },
    ]);
    // The catalogue and public profiles are public: an anonymous lookup sees them, followed by no one.
    const anonymous = dataOf(await service.ask<{ _entities: unknown[] }>(query, { r: representations }));
    assert.deepEqual(anonymous._entities[2], { followerCount: 1, followedByMe: false });
    const meterLookup = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }';
    const anonymousMeter = await service.ask(meterLookup, { r: [{ __typename: 'Meter', id: someone() }] });
    assert.equal(codeOf(anonymousMeter), 'UNAUTHENTICATED', 'a type this subgraph does not make public');
  });

  it('lists trending courses from the scores the projector keeps', async () => {
    const author = someone();
    const [quiet, busy] = [history.publishCourse(author), history.publishCourse(author)];
    history.enroll(someone(), quiet);
    for (let i = 0; i < 3; i += 1) history.enroll(someone(), busy);
    await service.project(history.drain());
    const trending = dataOf(
      await service.ask<{ trendingCourses: { id: string; enrollmentCount: number }[] }>(
        '{ trendingCourses(window: DAY, first: 100) { id enrollmentCount } }',
        {},
        ada,
      ),
    ).trendingCourses;
    const ids = trending.map((c) => c.id);
    assert.ok(ids.indexOf(busy.courseId) < ids.indexOf(quiet.courseId));
    assert.equal(trending.find((c) => c.id === busy.courseId)?.enrollmentCount, 3);
  });
});
