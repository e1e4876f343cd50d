import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import {
  BILLING_DB,
  createTariff,
  DAY_MS,
  gql,
  issueInvoice,
  openAccount,
  pastDay,
  payInvoice,
  TARIFF,
} from './billing-api';
import { dataOf, eventually, queryOnce } from '@voltstream/testing';
import {
  newAdmin,
  newUser,
  quarterHourReadings,
  readConsumption,
  recordReadings,
  registerMeter,
  totalWh,
} from './energy-api';
import { CoveringTest, coverageGaps, Exemption, supergraphMutations } from './mutation-coverage';
import { withReplicaPaused } from './replica-pause';
import { assertReplicaLacks, replicaCatchesUp } from './replica-writes';

/** Each test: the mutation with the replica's replay paused, then its reading query given the token. */
const TESTS = {
  registerMeter:
    'registerMeter: meter(id) given its token shows the new meter while the replica stands still',
  recordReadings:
    'recordReadings: meter(id) given its token shows the readings in latestReading and consumption while the replica stands still',
  createTariff: 'createTariff: tariffs given its token lists the new tariff while the replica stands still',
  openBillingAccount:
    'openBillingAccount: billingAccount(id) given its token shows the account with its tariff and meter while the replica stands still',
  issueInvoice:
    'issueInvoice: invoice(id) given its token shows the issued invoice while the replica stands still',
  payInvoice: 'payInvoice: invoice(id) given its token lists the payment while the replica stands still',
  publishCourse:
    'publishCourse: course(id) given its token shows the course and its lessons while the replica stands still',
  completeLesson:
    "completeLesson: user(id) given its token shows the enrollment's progress while the replica stands still",
  postUpdate:
    'postUpdate: feed and activity(id) given its token show the post while the replica stands still',
} as const;

/** Every public mutation, and the test proving its token is honoured by the query that reads its write. */
const COVERED: Record<string, CoveringTest> = {
  ...Object.fromEntries(
    Object.entries(TESTS).map(([mutation, test]) => [mutation, { spec: 'mutation-tokens', test }]),
  ),
  register: {
    spec: 'read-your-writes',
    test: "register answers its token in the AuthPayload; me and feeds' user(id) given it show the new account while the replica stands still, and a token never issued is BAD_USER_INPUT",
  },
  enroll: {
    spec: 'read-your-writes',
    test: 'enroll answers its token in the Enrollment; course and user given it show the enrollment while the replica stands still',
  },
  follow: {
    spec: 'read-your-writes',
    test: 'follow answers its token in extensions and x-consistency-token; feed and user.followedByMe given it show the follow while the replica stands still',
  },
  unfollow: {
    spec: 'read-your-writes',
    test: 'unfollow answers its token in extensions and x-consistency-token; feed and user.followedByMe given it no longer show the followee while the replica stands still',
  },
  voidInvoice: {
    spec: 'credit-notes',
    test: 'voids an issued, partly paid invoice: next credit-note number, the paid amount left as account credit, read side at once',
  },
};

const EXEMPT: Exemption[] = [
  {
    mutations: /^(login|refreshToken|logout)$/,
    reason: 'they write sessions only, which no read model shows; identity reads its primary',
  },
  {
    mutations: /^[a-z][A-Za-z]*(ReplayDeadLetters|DiscardDeadLetter)$/,
    reason: 'ADMIN operator tools answering with a release report, not a write a client reads back',
  },
];

describe("every mutation's consistency token is honoured by its reading query", () => {
  it('covers every mutation of the composed supergraph by a token test or an exemption with a reason', () => {
    const mutations = supergraphMutations();
    assert.ok(mutations.includes('registerMeter'), `the supergraph's mutations: ${mutations.join(', ')}`);
    assert.deepEqual(coverageGaps(mutations, COVERED, EXEMPT), []);
  });
});

describe('energy mutation tokens', () => {
  let customer: string;
  before(async () => {
    customer = await newUser();
  });

  it(TESTS.registerMeter, async () => {
    await withReplicaPaused('energy-query', async () => {
      const meter = await registerMeter(customer, 'Europe/Berlin');
      await assertReplicaLacks(meter.consistencyToken, 'the new meter');

      const read = await gql<{ meter: { id: string; timezone: string } }>(
        'query($id: ID!, $c: String) { meter(id: $id, consistency: $c) { id timezone } }',
        { id: meter.id, c: meter.consistencyToken },
        customer,
      );
      assert.deepEqual(dataOf(read).meter, { id: meter.id, timezone: 'Europe/Berlin' });
    });
  });

  it(TESTS.recordReadings, async () => {
    const meter = await registerMeter(customer, 'UTC');
    const day = pastDay(3);
    const window = { from: day.toISOString(), to: new Date(day.getTime() + DAY_MS).toISOString() };
    await replicaCatchesUp(meter.consistencyToken);
    const empty = await readConsumption(customer, meter.id, {
      ...window,
      granularity: 'HOUR',
      consistency: meter.consistencyToken,
    });
    assert.equal(dataOf(empty).meter.latestReading, null, 'the meter is projected, without readings');

    const readings = quarterHourReadings(day.toISOString(), 4);
    await withReplicaPaused('energy-query', async () => {
      const receipt = dataOf(await recordReadings(customer, meter.id, readings)).recordReadings;
      assert.equal(receipt.accepted, readings.length);
      await assertReplicaLacks(receipt.consistencyToken, 'the readings');

      const { meter: read } = dataOf(
        await readConsumption(customer, meter.id, {
          ...window,
          granularity: 'HOUR',
          consistency: receipt.consistencyToken,
        }),
      );
      assert.deepEqual(read.latestReading, readings.at(-1));
      assert.equal(read.consumption.totalKwh, totalWh(readings) / 1000);
      assert.deepEqual(
        read.consumption.nodes.map((bucket) => bucket.readings),
        [readings.length],
      );
    });
  });
});

describe('billing mutation tokens', () => {
  let admin: string;
  let customer: string;
  let tariffId: string;
  /** An account opened and projected before the tests: the invoices' account. */
  let accountId: string;

  before(async () => {
    [admin, customer] = await Promise.all([newAdmin(), newUser()]);
    tariffId = await createTariff(admin);
    const opened = dataOf(await openAccount(customer, tariffId, [await meterKnownToBilling(customer)]));
    accountId = opened.openBillingAccount.id;
    await replicaCatchesUp(opened.openBillingAccount.consistencyToken);
    await readAccount(customer, accountId, opened.openBillingAccount.consistencyToken);
  });

  it(TESTS.createTariff, async () => {
    await withReplicaPaused('billing-query', async () => {
      const name = `Token tariff ${randomUUID()}`;
      const created = dataOf(
        await gql<{ createTariff: { id: string; consistencyToken: string } }>(
          'mutation($input: CreateTariffInput!) { createTariff(input: $input) { id consistencyToken } }',
          { input: { ...TARIFF, name } },
          admin,
        ),
      ).createTariff;
      await assertReplicaLacks(created.consistencyToken, 'the new tariff');

      const read = await gql<{ tariffs: { id: string; name: string }[] }>(
        'query($c: String) { tariffs(consistency: $c) { id name } }',
        { c: created.consistencyToken },
        customer,
      );
      assert.deepEqual(
        dataOf(read).tariffs.filter((tariff) => tariff.id === created.id),
        [{ id: created.id, name }],
      );
    });
  });

  it(TESTS.openBillingAccount, async () => {
    const meterId = await meterKnownToBilling(customer);
    await withReplicaPaused('billing-query', async () => {
      const opened = dataOf(await openAccount(customer, tariffId, [meterId])).openBillingAccount;
      await assertReplicaLacks(opened.consistencyToken, 'the new account');

      const account = await readAccount(customer, opened.id, opened.consistencyToken);
      assert.deepEqual(account, { id: opened.id, tariff: { id: tariffId }, meters: [{ id: meterId }] });
    });
  });

  it(TESTS.issueInvoice, async () => {
    await withReplicaPaused('billing-query', async () => {
      const issued = await issueDay(admin, accountId, 30);
      await assertReplicaLacks(issued.consistencyToken, 'the issued invoice');

      const invoice = await readInvoice(customer, issued.id, issued.consistencyToken);
      assert.deepEqual(
        { id: invoice.id, number: invoice.number, status: invoice.status, total: invoice.total.amountMinor },
        { id: issued.id, number: issued.number, status: 'ISSUED', total: issued.total.amountMinor },
      );
    });
  });

  it(TESTS.payInvoice, async () => {
    const issued = await issueDay(admin, accountId, 31);
    await replicaCatchesUp(issued.consistencyToken);
    assert.deepEqual((await readInvoice(customer, issued.id, issued.consistencyToken)).payments, []);
    await withReplicaPaused('billing-query', async () => {
      // The sandbox settles asynchronously, by webhook: the token names the payment's start.
      const payment = dataOf(await payInvoice(customer, issued.id, 20, `pay-${randomUUID()}`)).payInvoice;
      await assertReplicaLacks(payment.consistencyToken, 'the payment');

      const { payments } = await readInvoice(customer, issued.id, payment.consistencyToken);
      assert.deepEqual(
        payments.map(({ id, amount }) => ({ id, amount })),
        [{ id: payment.id, amount: { amountMinor: 20 } }],
      );
      assert.ok(['PENDING', 'SUCCEEDED'].includes(payments[0].status), payments[0].status);
    });
  });
});

describe('feeds mutation tokens', () => {
  let instructor: string;
  let learner: string;
  let learnerId: string;
  before(async () => {
    [instructor, learner] = await Promise.all([newAdmin(), newUser()]);
    learnerId = dataOf(await gql<{ me: { id: string } }>('{ me { id } }', {}, learner)).me.id;
  });

  it(TESTS.publishCourse, async () => {
    await withReplicaPaused('feeds-query', async () => {
      const course = await publishCourse(instructor, ['Standing charges', 'Unit rates']);
      await assertReplicaLacks(course.consistencyToken, 'the course');

      const read = await gql<{ course: { id: string; title: string; lessons: { title: string }[] } | null }>(
        'query($id: ID!, $c: String) { course(id: $id, consistency: $c) { id title lessons { title } } }',
        { id: course.id, c: course.consistencyToken },
        learner,
      );
      assert.deepEqual(dataOf(read).course, {
        id: course.id,
        title: course.title,
        lessons: [{ title: 'Standing charges' }, { title: 'Unit rates' }],
      });
    });
  });

  it(TESTS.completeLesson, async () => {
    const course = await publishCourse(instructor, ['Peak hours', 'Off-peak hours']);
    const enrolled = dataOf(
      await gql<{ enroll: { consistencyToken: string } }>(
        'mutation($id: ID!) { enroll(courseId: $id) { consistencyToken } }',
        { id: course.id },
        learner,
      ),
    ).enroll;
    await replicaCatchesUp(enrolled.consistencyToken);
    const before = await enrollmentIn(learner, learnerId, course.id, enrolled.consistencyToken);
    assert.equal(before?.completedLessons, 0, 'the enrollment is projected, nothing completed');

    await withReplicaPaused('feeds-query', async () => {
      const completed = dataOf(
        await gql<{ completeLesson: { consistencyToken: string } }>(
          'mutation($c: ID!, $l: ID!) { completeLesson(courseId: $c, lessonId: $l) { consistencyToken } }',
          { c: course.id, l: course.lessons[0].id },
          learner,
        ),
      ).completeLesson;
      await assertReplicaLacks(completed.consistencyToken, 'the completed lesson');

      const after = await enrollmentIn(learner, learnerId, course.id, completed.consistencyToken);
      assert.deepEqual(after, { course: { id: course.id }, completedLessons: 1, progress: 0.5 });
    });
  });

  it(TESTS.postUpdate, async () => {
    await withReplicaPaused('feeds-query', async () => {
      const text = `Moved the dishwasher to the night rate ${randomUUID()}`;
      const post = dataOf(
        await gql<{ postUpdate: { id: string; consistencyToken: string } }>(
          'mutation($t: String!) { postUpdate(text: $t) { id consistencyToken } }',
          { t: text },
          learner,
        ),
      ).postUpdate;
      await assertReplicaLacks(post.consistencyToken, 'the post');

      const read = dataOf(
        await gql<{
          feed: { nodes: { id: string; text: string | null }[] };
          activity: { id: string; verb: string; text: string | null } | null;
        }>(
          `query($id: ID!, $c: String) {
             feed(first: 20, consistency: $c) { nodes { id text } }
             activity(id: $id, consistency: $c) { id verb text } }`,
          { id: post.id, c: post.consistencyToken },
          learner,
        ),
      );
      assert.deepEqual(read.activity, { id: post.id, verb: 'POSTED', text });
      assert.deepEqual(read.feed.nodes[0], { id: post.id, text }, 'the newest activity of the feed');
    });
  });
});

/** A new meter of the customer's that billing has learned from energy's events. */
async function meterKnownToBilling(customer: string): Promise<string> {
  const meter = await registerMeter(customer, 'UTC');
  await eventually(
    async () => {
      const rows = await queryOnce(BILLING_DB(), 'SELECT 1 FROM billing_meters WHERE meter_id = $1', [
        meter.id,
      ]);
      return rows.length > 0 ? true : undefined;
    },
    60_000,
    `billing to learn meter ${meter.id}`,
  );
  return meter.id;
}

async function readAccount(customer: string, id: string, consistency: string) {
  const read = await gql<{
    billingAccount: { id: string; tariff: { id: string }; meters: { id: string }[] };
  }>(
    'query($id: ID!, $c: String) { billingAccount(id: $id, consistency: $c) { id tariff { id } meters { id } } }',
    { id, c: consistency },
    customer,
  );
  return dataOf(read).billingAccount;
}

/** Invoices the account for one whole UTC day `daysBack` days ago. */
async function issueDay(admin: string, accountId: string, daysBack: number) {
  const start = pastDay(daysBack);
  return dataOf(await issueInvoice(admin, accountId, start, new Date(start.getTime() + DAY_MS))).issueInvoice;
}

async function readInvoice(customer: string, id: string, consistency: string) {
  const read = await gql<{
    invoice: {
      id: string;
      number: string;
      status: string;
      total: { amountMinor: number };
      payments: { id: string; status: string; amount: { amountMinor: number } }[];
    };
  }>(
    `query($id: ID!, $c: String) { invoice(id: $id, consistency: $c) {
       id number status total { amountMinor } payments { id status amount { amountMinor } } } }`,
    { id, c: consistency },
    customer,
  );
  return dataOf(read).invoice;
}

async function publishCourse(instructor: string, lessons: string[]) {
  const title = `Tariffs explained ${randomUUID()}`;
  const published = await gql<{
    publishCourse: { id: string; title: string; lessons: { id: string }[]; consistencyToken: string };
  }>(
    'mutation($input: PublishCourseInput!) { publishCourse(input: $input) { id title lessons { id } consistencyToken } }',
    {
      input: {
        title,
        summary: 'What a tariff charges for.',
        tags: ['tariffs'],
        lessons: lessons.map((lesson) => ({ title: lesson, durationMinutes: 5 })),
      },
    },
    instructor,
  );
  return dataOf(published).publishCourse;
}

async function enrollmentIn(learner: string, learnerId: string, courseId: string, consistency: string) {
  const read = await gql<{
    user: { enrollments: { course: { id: string }; completedLessons: number; progress: number }[] } | null;
  }>(
    'query($id: ID!, $c: String) { user(id: $id, consistency: $c) { enrollments { course { id } completedLessons progress } } }',
    { id: learnerId, c: consistency },
    learner,
  );
  return dataOf(read).user?.enrollments.find((enrollment) => enrollment.course.id === courseId);
}
