import { dataOf, eventually, graphql, GraphQLResponse } from '@voltstream/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { newAdmin, newUser, registerMeter, settings } from '../energy-api';

/** A signed-in caller: the access token and the user id it names. */
export interface Caller {
  token: string;
  id: string;
}

/** The objects one customer owns, by type, each readable by its owner once the setup returns. */
export type Owned = Record<
  'Meter' | 'BillingAccount' | 'Invoice' | 'Payment' | 'Activity' | 'CreditNote',
  string
> & {
  spareMeter: string;
};

export interface World {
  admin: Caller;
  a: Caller;
  b: Caller;
  owned: { a: Owned; b: Owned };
  /** Objects anyone signed in may use: the tariff, a course and its lesson. */
  shared: Record<'Tariff' | 'Course' | 'Lesson', string>;
}

const TARIFF = {
  name: 'Abuse probe tariff',
  currency: 'EUR',
  standingChargePerDayMinor: 50,
  rates: [{ fromHour: 0, toHour: 24, pricePerKwhMinor: 20 }],
};

export const callerOf = (token: string): Caller => ({
  token,
  id: (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { sub: string }).sub,
});

export function ask<T = Record<string, unknown>>(
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  url = settings.gatewayUrl,
): Promise<GraphQLResponse<T>> {
  return graphql<T>(url, query, variables, token ? { token } : {});
}

/** Values a valid request carries, by argument or input field name. */
export function realisticValue(name: string): unknown {
  const random = randomBytes(5).toString('hex');
  const values: Record<string, unknown> = {
    email: `probe-${random}@example.com`,
    password: 'a passphrase for tests',
    displayName: 'Probe',
    serialNumber: `SN-probe-${random}`,
    timezone: 'Europe/London',
    readings: [{ at: '2026-11-01T10:15:00Z', kwh: 0.5 }],
    ...TARIFF,
    name: `${TARIFF.name} ${random}`,
    periodStart: '2026-09-01T00:00:00Z',
    periodEnd: '2026-10-01T00:00:00Z',
    amount: { amountMinor: 1, currency: TARIFF.currency },
    idempotencyKey: `probe-${random}`,
    refreshToken: random,
    text: 'probe',
    title: 'Probe',
    summary: 'A probe course',
    lessons: [{ title: 'One', durationMinutes: 5 }],
    from: '2026-11-01T00:00:00Z',
    to: '2026-11-02T00:00:00Z',
  };
  return values[name];
}

/**
 * A customer's meters, account, an invoice issued by `admin`, a payment of 1 minor unit, and a
 * post of theirs (an activity only they and their followers may read).
 */
export async function ownedBy(customer: Caller, admin: Caller, tariffId: string): Promise<Owned> {
  const [meter, spare] = [await registerMeter(customer.token), await registerMeter(customer.token)];
  // Billing learns of a meter from energy's events: until then the meter is not found there.
  const account = await eventually(
    async () => {
      const opened = await ask<{ openBillingAccount: { id: string } }>(
        customer.token,
        'mutation($input: OpenBillingAccountInput!) { openBillingAccount(input: $input) { id } }',
        { input: { tariffId, meterIds: [meter.id] } },
      );
      if (opened.errors[0]?.extensions?.code === 'NOT_FOUND') return undefined;
      return dataOf(opened).openBillingAccount.id;
    },
    60_000,
    'billing to know the new meter',
  );
  const issue = async (s: string, e: string) =>
    dataOf(
      await ask<{ issueInvoice: { id: string } }>(
        admin.token,
        'mutation($a: ID!, $s: DateTime!, $e: DateTime!) { issueInvoice(accountId: $a, periodStart: $s, periodEnd: $e) { id } }',
        { a: account, s, e },
      ),
    ).issueInvoice.id;
  const invoice = await issue('2026-08-01T00:00:00Z', '2026-09-01T00:00:00Z');
  const payment = dataOf(
    await ask<{ payInvoice: { id: string } }>(
      customer.token,
      'mutation($i: ID!, $m: MoneyInput!, $k: String!) { payInvoice(invoiceId: $i, amount: $m, idempotencyKey: $k) { id } }',
      { i: invoice, m: { amountMinor: 1, currency: TARIFF.currency }, k: randomUUID() },
    ),
  ).payInvoice.id;
  // A second invoice, voided: its credit note is private too.
  const voided = await issue('2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z');
  const creditNote = dataOf(
    await ask<{ voidInvoice: { creditNote: { id: string } } }>(
      admin.token,
      'mutation($i: ID!) { voidInvoice(invoiceId: $i, reason: "probe") { creditNote { id } } }',
      { i: voided },
    ),
  ).voidInvoice;
  const activity = dataOf(
    await ask<{ postUpdate: { id: string } }>(
      customer.token,
      'mutation($t: String!) { postUpdate(text: $t) { id } }',
      { t: 'probe post' },
    ),
  ).postUpdate.id;
  // Every object must be visible to its owner before a stranger is compared with "missing":
  // otherwise both would read as missing and the comparison would prove nothing.
  await eventually(
    async () => {
      const seen = await ask<{
        meter: { id: string } | null;
        billingAccount: { id: string } | null;
        invoice: { payments: { id: string }[] } | null;
        voided: { creditNote: { id: string } | null } | null;
        activity: { id: string } | null;
      }>(
        customer.token,
        'query($m: ID!, $a: ID!, $i: ID!, $v: ID!, $x: ID!) { meter(id: $m) { id } billingAccount(id: $a) { id } invoice(id: $i) { payments { id } } voided: invoice(id: $v) { creditNote { id } } activity(id: $x) { id } }',
        { m: meter.id, a: account, i: invoice, v: voided, x: activity },
      );
      const data = seen.data;
      return data?.meter &&
        data.billingAccount &&
        data.activity &&
        data.voided?.creditNote?.id === creditNote.creditNote.id &&
        data.invoice?.payments.some((p) => p.id === payment)
        ? true
        : undefined;
    },
    30_000,
    'the owner to see their meter, account, invoice, payment, credit note and post',
  );
  return {
    Meter: meter.id,
    BillingAccount: account,
    Invoice: invoice,
    Payment: payment,
    Activity: activity,
    CreditNote: creditNote.creditNote.id,
    spareMeter: spare.id,
  };
}

/** A flat tariff, created by an ADMIN; returns its id. */
export async function createTariff(admin: Caller): Promise<string> {
  return dataOf(
    await ask<{ createTariff: { id: string } }>(
      admin.token,
      'mutation($input: CreateTariffInput!) { createTariff(input: $input) { id } }',
      { input: { ...TARIFF, name: `${TARIFF.name} ${randomUUID()}` } },
    ),
  ).createTariff.id;
}

/** Two customers with a meter, an account, an invoice and a payment each, and an ADMIN. */
export async function buildWorld(): Promise<World> {
  const admin = callerOf(await newAdmin());
  const [a, b] = [callerOf(await newUser()), callerOf(await newUser())];
  const tariff = await createTariff(admin);
  const course = dataOf(
    await ask<{ publishCourse: { id: string; lessons: { id: string }[] } }>(
      admin.token,
      'mutation($input: PublishCourseInput!) { publishCourse(input: $input) { id lessons { id } } }',
      {
        input: { title: 'Probe course', summary: 'Probing', lessons: [{ title: 'One', durationMinutes: 5 }] },
      },
    ),
  ).publishCourse;
  const owned = { a: await ownedBy(a, admin, tariff), b: await ownedBy(b, admin, tariff) };
  // Something private in feeds too: A's enrollment.
  dataOf(await ask(a.token, 'mutation($c: ID!) { enroll(courseId: $c) { progress } }', { c: course.id }));
  return { admin, a, b, owned, shared: { Tariff: tariff, Course: course.id, Lesson: course.lessons[0].id } };
}
