import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  encodeConsistencyToken,
  INVOICE_AGGREGATE,
  LiveChannels,
  USER_ACTIVITY_AGGREGATE,
} from '@voltstream/contracts';
import { dataOf, eventually } from '@voltstream/testing';
import { Client } from 'graphql-ws';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { ask, Caller, callerOf, createTariff, ownedBy, Owned } from './abuse/api-fixtures';
import { newAdmin, newUser, settings } from './energy-api';
import { openSubscriptions, subscriptionClient, subscriptionRefusal } from './subscription-client';

/** Selections that cross subgraphs: identity's User, feeds' Course, billing's lines and payments. */
const FEED = `subscription Feed { update: feedUpdates { ...Item } }
fragment Item on Activity {
  id verb text
  actor { id displayName followerCount }
  course { title lessons { title } }
}`;
const INVOICES = `subscription Invoices($a: ID!) {
  invoiceUpdates(accountId: $a) {
    id status amountDue { amountMinor }
    lines { description amount { amountMinor } }
    payments { amount { amountMinor } status }
    account { id owner { id email } }
  }
}`;

interface FeedItem {
  id: string;
  verb: string;
  text: string | null;
  actor: { id: string; displayName: string; followerCount: number };
  course: { title: string; lessons: { title: string }[] } | null;
}

interface InvoiceUpdate {
  id: string;
  status: string;
  amountDue: { amountMinor: number };
  lines: { description: string; amount: { amountMinor: number } }[];
  payments: { amount: { amountMinor: number }; status: string }[];
  account: { id: string; owner: { id: string; email: string | null } };
}

/** A subscription's results, one at a time, each awaited with a deadline. */
class Live<T> {
  private readonly results: AsyncIterator<{ data?: T | null; errors?: readonly unknown[] }>;

  constructor(
    readonly client: Client,
    query: string,
    variables: Record<string, unknown> = {},
  ) {
    this.results = client.iterate<T>({ query, variables })[Symbol.asyncIterator]();
  }

  /** The next result's data; fails on errors, on completion, or after `ms`. */
  async next(what: string, ms = 20_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    });
    try {
      const result = await Promise.race([this.results.next(), timeout]);
      if (result.done) assert.fail(`the subscription completed before ${what}`);
      assert.equal(result.value.errors, undefined, `${what}: ${JSON.stringify(result.value.errors)}`);
      assert.ok(result.value.data, `${what} carries data`);
      return result.value.data;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.results.return?.();
    await this.client.dispose();
  }
}

/** Opens a subscription and waits until the gateway counts it, so no event is sent too early. */
async function subscribe<T>(
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Live<T>> {
  const before = await openSubscriptions();
  const live = new Live<T>(subscriptionClient(token), query, variables);
  await eventually(
    async () => ((await openSubscriptions()) > before ? true : undefined),
    10_000,
    'the subscription to open',
  );
  return live;
}

const post = async (who: Caller, text: string): Promise<string> =>
  dataOf(
    await ask<{ postUpdate: { id: string } }>(
      who.token,
      'mutation($t: String!) { postUpdate(text: $t) { id } }',
      { t: text },
    ),
  ).postUpdate.id;

const follow = async (who: Caller, whom: Caller, verb: 'follow' | 'unfollow') =>
  dataOf(await ask(who.token, `mutation($u: ID!) { ${verb}(userId: $u) }`, { u: whom.id }));

const displayNameOf = async (who: Caller): Promise<string> =>
  dataOf(await ask<{ me: { displayName: string } }>(who.token, '{ me { displayName } }')).me.displayName;

describe('federated subscriptions: every field of the full types, resolved per event as the subscriber', () => {
  const redis = new Redis(settings.redisUrl, { lazyConnect: true });
  /** A message on a subscriber's channel that the projector did not send: the gateway must check it. */
  const forge = (channel: string, id: string, consistencyToken: string) =>
    redis.publish(channel, JSON.stringify({ id, consistencyToken }));

  /** A post of `actor`'s put on `reader`'s feed channel; its token asks for nothing not yet read. */
  const forgePost = (reader: Caller, activityId: string, actor: Caller) =>
    forge(
      LiveChannels.feedUpdates(reader.id),
      activityId,
      encodeConsistencyToken({ aggregateType: USER_ACTIVITY_AGGREGATE, aggregateId: actor.id, version: 1 }),
    );

  before(() => redis.connect());
  after(() => redis.disconnect());

  it('answers a subscription posted over HTTP as the client’s mistake, not an internal error', async () => {
    const reader = callerOf(await newUser());
    const overHttp = await ask(reader.token, 'subscription { feedUpdates { id } }');
    assert.equal(overHttp.errors[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(overHttp.errors));
    assert.match(overHttp.errors[0]?.message ?? '', /graphql-ws/);
  });

  it("delivers a followee's activity with the actor's identity fields and the course's lessons; never another's, nor a followee's once unfollowed", async () => {
    const author = callerOf(await newAdmin());
    const [reader, stranger] = [callerOf(await newUser()), callerOf(await newUser())];
    const course = dataOf(
      await ask<{ publishCourse: { id: string } }>(
        author.token,
        'mutation($input: PublishCourseInput!) { publishCourse(input: $input) { id } }',
        {
          input: {
            title: `Live course ${randomUUID()}`,
            summary: 'Heat pumps, live',
            lessons: [
              { title: 'Why', durationMinutes: 5 },
              { title: 'How', durationMinutes: 7 },
            ],
          },
        },
      ),
    ).publishCourse;
    await follow(reader, author, 'follow');
    // The stranger's post exists and is theirs alone: the forged message below names it.
    const strangers = await post(stranger, 'not for the reader');
    await eventually(
      async () =>
        (await ask(stranger.token, 'query($x: ID!) { activity(id: $x) { id } }', { x: strangers })).data?.[
          'activity'
        ] ?? undefined,
      30_000,
      "the stranger's post to be projected",
    );
    const live = await subscribe<{ update: FeedItem }>(reader.token, FEED);
    try {
      await forgePost(reader, strangers, stranger);
      dataOf(
        await ask(author.token, 'mutation($c: ID!) { enroll(courseId: $c) { progress } }', { c: course.id }),
      );
      // The first delivery is the author's enrollment: the forged message was not delivered.
      const enrolled = (await live.next("the author's enrollment")).update;
      assert.deepEqual(
        { ...enrolled, id: undefined },
        {
          id: undefined,
          verb: 'ENROLLED',
          text: null,
          actor: { id: author.id, displayName: await displayNameOf(author), followerCount: 1 },
          course: {
            title: (await courseTitle(course.id)) ?? '',
            lessons: [{ title: 'Why' }, { title: 'How' }],
          },
        },
      );

      // Unfollowed: the author's next post reaches the reader's channel only if forged, and is refused.
      await follow(reader, author, 'unfollow');
      await eventually(
        async () => {
          const seen = await ask<{ user: { followedByMe: boolean } }>(
            reader.token,
            'query($u: ID!) { user(id: $u) { followedByMe } }',
            { u: author.id },
          );
          return seen.data?.user.followedByMe === false ? true : undefined;
        },
        30_000,
        'the unfollow to be projected',
      );
      const afterUnfollow = await post(author, 'after the unfollow');
      await forgePost(reader, afterUnfollow, author);
      const own = await post(reader, 'my own');
      const next = (await live.next("the reader's own post")).update;
      assert.deepEqual([next.id, next.verb, next.text, next.actor.id], [own, 'POSTED', 'my own', reader.id]);
    } finally {
      await live.close();
    }
  });

  it('delivers an invoice change with its lines, payments and account (with its owner from identity) to the owner only; a forged change of another account is refused', async () => {
    const admin = callerOf(await newAdmin());
    const [customer, stranger] = [callerOf(await newUser()), callerOf(await newUser())];
    const tariff = await createTariff(admin);
    const [mine, theirs]: Owned[] = [
      await ownedBy(customer, admin, tariff),
      await ownedBy(stranger, admin, tariff),
    ];

    const foreign = await subscriptionRefusal(stranger.token, INVOICES, { a: mine.BillingAccount });
    const missing = await subscriptionRefusal(stranger.token, INVOICES, { a: randomUUID() });
    assert.equal(foreign.extensions?.code, 'NOT_FOUND', JSON.stringify(foreign));
    assert.deepEqual(foreign, missing);

    const live = await subscribe<{ invoiceUpdates: InvoiceUpdate }>(customer.token, INVOICES, {
      a: mine.BillingAccount,
    });
    try {
      await forge(
        LiveChannels.invoiceUpdates(mine.BillingAccount),
        theirs.Invoice,
        encodeConsistencyToken({ aggregateType: INVOICE_AGGREGATE, aggregateId: theirs.Invoice, version: 1 }),
      );
      dataOf(
        await ask(
          customer.token,
          'mutation($i: ID!, $k: String!) { payInvoice(invoiceId: $i, amount: { amountMinor: 2, currency: "EUR" }, idempotencyKey: $k) { id } }',
          { i: mine.Invoice, k: randomUUID() },
        ),
      );
      // Earlier changes (the setup's own payment settling) may come first; each is this invoice.
      let update: InvoiceUpdate | undefined;
      for (let n = 0; n < 5 && !update?.payments.some((p) => p.amount.amountMinor === 2); n++) {
        update = (await live.next('a change of the invoice')).invoiceUpdates;
        assert.equal(update.id, mine.Invoice, 'every delivery is of the customer’s own invoice');
      }
      assert.ok(update);
      assert.ok(update.lines.length > 0, 'lines from billing-query');
      assert.ok(update.lines.some((line) => line.amount.amountMinor > 0));
      assert.ok(
        update.payments.some((p) => p.amount.amountMinor === 2),
        `the new payment is listed: ${JSON.stringify(update.payments)}`,
      );
      assert.deepEqual(update.account, {
        id: mine.BillingAccount,
        owner: { id: customer.id, email: await emailOf(customer) },
      });
    } finally {
      await live.close();
    }
  });
});

async function courseTitle(id: string): Promise<string | undefined> {
  const read = await ask<{ course: { title: string } | null }>(
    undefined,
    'query($c: ID!) { course(id: $c) { title } }',
    {
      c: id,
    },
  );
  return read.data?.course?.title;
}

async function emailOf(who: Caller): Promise<string> {
  return dataOf(await ask<{ me: { email: string } }>(who.token, '{ me { email } }')).me.email;
}
