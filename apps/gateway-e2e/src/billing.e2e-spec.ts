import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { dataOf, eventually, queryOnce, service } from '@voltstream/testing';
import { createHmac, randomUUID } from 'node:crypto';
import {
  BILLING_DB,
  createTariff,
  DAY_MS,
  gql,
  IssuedInvoice,
  issueInvoice,
  ledgerReaches,
  openAccount,
  openAccountWhenMeterKnown,
  pastDay,
  paymentRows,
  payInvoice,
  TARIFF,
} from './billing-api';
import { newAdmin, newUser, recordReadings, registerMeter, settings } from './energy-api';
import { openSubscriptions, subscriptionClient, subscriptionRefusal } from './subscription-client';

/** The sandbox provider's development webhook secret (apps/payment-sandbox/README.md). */
const SANDBOX_SECRET = 'whsec_voltstream_sandbox_dev_only';

/** The provider's signature header, as a client outside the codebase would compute it. */
function signWebhook(secret: string, body: string): string {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** Half-to-even rounding of numerator / denominator, as billing documents it. */
function roundHalfEven(numerator: number, denominator: number): number {
  const quotient = Math.floor(numerator / denominator);
  const remainder = numerator - quotient * denominator;
  if (remainder * 2 > denominator) return quotient + 1;
  if (remainder * 2 < denominator) return quotient;
  return quotient % 2 === 0 ? quotient : quotient + 1;
}

describe('billing: tariffs, usage, invoices and payments', () => {
  let admin: string;
  let tariffId: string;
  before(async () => {
    admin = await newAdmin();
    tariffId = await createTariff(admin);
  });

  it('refuses createTariff to a customer with FORBIDDEN, and a tariff with a gap, writing nothing', async () => {
    const customer = await newUser();
    const [before] = await queryOnce<{ n: string }>(BILLING_DB(), 'SELECT count(*)::text AS n FROM tariffs');
    const forbidden = await gql(
      'mutation($input: CreateTariffInput!) { createTariff(input: $input) { id } }',
      { input: TARIFF },
      customer,
    );
    assert.equal(forbidden.errors[0]?.extensions?.code, 'FORBIDDEN');
    const gap = await gql(
      'mutation($input: CreateTariffInput!) { createTariff(input: $input) { id } }',
      {
        input: {
          ...TARIFF,
          rates: [
            { fromHour: 0, toHour: 7, pricePerKwhMinor: 10 },
            { fromHour: 8, toHour: 24, pricePerKwhMinor: 31 },
          ],
        },
      },
      admin,
    );
    assert.equal(gap.errors[0]?.extensions?.code, 'BILLING.TARIFF_RATES_GAP', JSON.stringify(gap.errors));
    const unknownField = await gql(
      'mutation($input: CreateTariffInput!) { createTariff(input: $input) { id } }',
      { input: { ...TARIFF, id: randomUUID() } },
      admin,
    );
    assert.equal(
      unknownField.errors[0]?.extensions?.code,
      'BAD_USER_INPUT',
      'input objects reject unknown fields',
    );
    const [after] = await queryOnce<{ n: string }>(BILLING_DB(), 'SELECT count(*)::text AS n FROM tariffs');
    assert.equal(after?.n, before?.n);
  });

  it('bills hourly usage to the cent, carries a late reading to the next invoice once, and numbers invoices without gaps', async () => {
    const customer = await newUser();
    const meter = await registerMeter(customer, 'UTC');
    const day = pastDay(3);
    // Quarter-hour readings for the whole day, except the one ending at 10:00 (it arrives late).
    const readings = Array.from({ length: 96 }, (_, i) => ({
      at: new Date(day.getTime() + (i + 1) * 900_000).toISOString(),
      kwh: (137 + ((i * 53) % 401)) / 1000,
    }));
    const lateIndex = 39; // ends 10:00, so it is used in the 09:00 hour: day band
    const late = readings[lateIndex];
    assert.ok(late);
    const onTime = readings.filter((_, i) => i !== lateIndex);
    await recordReadings(customer, meter.id, onTime);
    // Billing learns the meter from energy.events: on a stack just started it may not know it yet.
    const opened = { id: await openAccountWhenMeterKnown(customer, tariffId, meter.id) };

    const whOf = (r: { kwh: number }) => Math.round(r.kwh * 1000);
    const band = (r: { at: string }) => {
      const hour = new Date(Date.parse(r.at) - 900_000).getUTCHours();
      return hour < 7 ? 'night' : 'day';
    };
    const sumWh = (list: typeof readings, which: string) =>
      list.filter((r) => band(r) === which).reduce((sum, r) => sum + whOf(r), 0);
    await ledgerReaches(
      meter.id,
      onTime.reduce((sum, r) => sum + whOf(r), 0),
    );

    const first = dataOf(
      await issueInvoice(admin, opened.id, day, new Date(day.getTime() + DAY_MS)),
    ).issueInvoice;
    const expectedFirst =
      roundHalfEven(sumWh(onTime, 'night') * 10, 1000) + roundHalfEven(sumWh(onTime, 'day') * 31, 1000) + 50;
    assert.equal(first.total.amountMinor, expectedFirst, JSON.stringify(first.lines));
    assert.equal(first.total.amount, (expectedFirst / 100).toFixed(2));
    assert.equal(first.lines.length, 3);
    assert.equal(
      first.lines.reduce((sum, line) => sum + line.amount.amountMinor, 0),
      first.total.amountMinor,
      'the total is the sum of the lines',
    );
    assert.match(first.number, /-000001$/);

    const again = await issueInvoice(admin, opened.id, day, new Date(day.getTime() + DAY_MS));
    assert.equal(again.errors[0]?.extensions?.code, 'CONFLICT', 'the same period twice');
    const customerTries = await issueInvoice(customer, opened.id, pastDay(1), pastDay(0));
    assert.equal(customerTries.errors[0]?.extensions?.code, 'FORBIDDEN');

    await recordReadings(customer, meter.id, [late]);
    await ledgerReaches(
      meter.id,
      readings.reduce((sum, r) => sum + whOf(r), 0),
    );
    const next = new Date(day.getTime() + DAY_MS);
    const second = dataOf(
      await issueInvoice(admin, opened.id, next, new Date(next.getTime() + DAY_MS)),
    ).issueInvoice;
    assert.match(second.number, /-000002$/, 'numbers follow without gaps');
    const adjustments = second.lines.filter((line) => line.description.startsWith('Adjustment'));
    assert.equal(adjustments.length, 1, JSON.stringify(second.lines));
    assert.equal(adjustments[0]?.amount.amountMinor, roundHalfEven(whOf(late) * 31, 1000));
    assert.equal(adjustments[0]?.quantityKwh, late.kwh);
    assert.ok(
      second.lines.every((line) => !line.estimated),
      'measured readings are billed on lines not marked estimated',
    );
    assert.equal(second.total.amountMinor, roundHalfEven(whOf(late) * 31, 1000) + 50);

    const third = dataOf(
      await issueInvoice(
        admin,
        opened.id,
        new Date(next.getTime() + DAY_MS),
        new Date(next.getTime() + 2 * DAY_MS),
      ),
    ).issueInvoice;
    assert.equal(
      third.lines.filter((line) => line.description.startsWith('Adjustment')).length,
      0,
      'billed once',
    );
  });

  describe('payments', () => {
    let customer: string;
    let invoices: IssuedInvoice[];
    before(async () => {
      customer = await newUser();
      const meter = await registerMeter(customer, 'UTC');
      const day = pastDay(5);
      await recordReadings(customer, meter.id, [
        { at: new Date(day.getTime() + 3_600_000).toISOString(), kwh: 1.5 },
      ]);
      await ledgerReaches(meter.id, 1500);
      const account = dataOf(await openAccount(customer, tariffId, [meter.id])).openBillingAccount;
      invoices = [];
      for (let i = 0; i < 4; i++) {
        const start = new Date(day.getTime() + i * DAY_MS);
        invoices.push(
          dataOf(await issueInvoice(admin, account.id, start, new Date(start.getTime() + DAY_MS)))
            .issueInvoice,
        );
      }
    });

    it('makes exactly one payment of 50 concurrent calls with one key, and settles it by webhook', async () => {
      const invoice = invoices[0];
      const key = `pay-${randomUUID()}`;
      const results = await Promise.all(
        Array.from({ length: 50 }, () => payInvoice(customer, invoice.id, invoice.total.amountMinor, key)),
      );
      const ids = new Set(results.map((r) => dataOf(r).payInvoice.id));
      assert.equal(ids.size, 1);
      assert.equal((await paymentRows(invoice.id)).length, 1);

      const otherBody = await payInvoice(customer, invoice.id, 1, key);
      assert.equal(otherBody.errors[0]?.extensions?.code, 'CONFLICT', 'same key, other body');

      await eventually(
        async () => ((await paymentRows(invoice.id))[0]?.status === 'SUCCEEDED' ? true : undefined),
        30_000,
        'the sandbox settling the payment by webhook',
      );
      const [row] = await queryOnce<{ status: string; succeeded_minor: string }>(
        BILLING_DB(),
        'SELECT status, succeeded_minor::text FROM invoices WHERE id = $1',
        [invoice.id],
      );
      assert.deepEqual(row, { status: 'PAID', succeeded_minor: String(invoice.total.amountMinor) });
      const replay = await payInvoice(customer, invoice.id, invoice.total.amountMinor, key);
      assert.equal(dataOf(replay).payInvoice.id, [...ids][0], 'the same key replays the first payment');
    });

    it('never takes more than the amount due with concurrent payments under distinct keys', async () => {
      const invoice = invoices[1];
      const part = Math.ceil(invoice.total.amountMinor / 3);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => payInvoice(customer, invoice.id, part, `pay-${randomUUID()}`)),
      );
      const accepted = results.filter((r) => r.errors.length === 0).length;
      assert.ok(accepted >= 1 && accepted * part <= invoice.total.amountMinor, `${accepted} × ${part}`);
      for (const refused of results.filter((r) => r.errors.length > 0)) {
        assert.equal(refused.errors[0]?.extensions?.code, 'BILLING.PAYMENT_EXCEEDS_DUE');
      }
      const rows = await paymentRows(invoice.id);
      assert.ok(rows.reduce((sum, r) => sum + Number(r.amount_minor), 0) <= invoice.total.amountMinor);
    });

    it('another customer cannot pay or see an invoice: it reads as missing', async () => {
      const stranger = await newUser();
      const response = await payInvoice(stranger, invoices[2].id, 1, `pay-${randomUUID()}`);
      assert.equal(response.errors[0]?.extensions?.code, 'NOT_FOUND');
    });

    it('refuses a forged webhook and ignores a replayed one', async () => {
      const invoice = invoices[2];
      const payment = dataOf(
        await payInvoice(customer, invoice.id, invoice.total.amountMinor, `pay-${randomUUID()}`),
      ).payInvoice;
      const webhook = `${settings.serviceBaseUrl('billing-command')}/webhooks/payments`;
      const event = JSON.stringify({
        id: `evt_forged_${randomUUID()}`,
        type: 'charge.failed',
        data: {
          chargeId: 'ch_x',
          reference: payment.id,
          amountMinor: invoice.total.amountMinor,
          currency: 'EUR',
          failureReason: 'forged',
        },
        createdAt: new Date().toISOString(),
      });
      const forged = await fetch(webhook, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'voltstream-signature': signWebhook('not-the-secret-at-all', event),
        },
        body: event,
      });
      assert.equal(forged.status, 400);
      await eventually(
        async () => ((await paymentRows(invoice.id))[0]?.status === 'SUCCEEDED' ? true : undefined),
        30_000,
        'the real settlement',
      );
      // A correctly signed but replayed or late contradicting event changes nothing.
      for (let i = 0; i < 2; i++) {
        const replayed = await fetch(webhook, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'voltstream-signature': signWebhook(SANDBOX_SECRET, event),
          },
          body: event,
        });
        assert.equal(replayed.status, 200);
      }
      assert.equal((await paymentRows(invoice.id))[0]?.status, 'SUCCEEDED');
    });

    it('loses no payment when billing-command dies between the charge and the webhook', async () => {
      const invoice = invoices[3];
      // Amounts ending in 09 settle after 10 s at the sandbox: the service is down by then.
      const amount = invoice.total.amountMinor >= 109 ? 109 : 9;
      const payment = dataOf(
        await payInvoice(customer, invoice.id, amount, `pay-${randomUUID()}`),
      ).payInvoice;
      assert.equal(payment.status, 'PENDING');
      await service('kill', 'billing-command');
      await service('start', 'billing-command');
      await eventually(
        async () => ((await paymentRows(invoice.id))[0]?.status === 'SUCCEEDED' ? true : undefined),
        60_000,
        'the payment settling after the restart',
      );
      const [row] = await queryOnce<{ succeeded_minor: string; pending_minor: string }>(
        BILLING_DB(),
        'SELECT succeeded_minor::text, pending_minor::text FROM invoices WHERE id = $1',
        [invoice.id],
      );
      assert.deepEqual(row, { succeeded_minor: String(amount), pending_minor: '0' });
    });
  });

  it('serves the invoice from the read side, as a PDF, and live to its owner only', async () => {
    const customer = await newUser();
    const stranger = await newUser();
    const meter = await registerMeter(customer, 'UTC');
    const day = pastDay(8);
    await recordReadings(customer, meter.id, [
      { at: new Date(day.getTime() + 9 * 3_600_000).toISOString(), kwh: 2 },
    ]);
    await ledgerReaches(meter.id, 2000);
    const account = dataOf(await openAccount(customer, tariffId, [meter.id])).openBillingAccount;
    const issued = dataOf(
      await issueInvoice(admin, account.id, day, new Date(day.getTime() + DAY_MS)),
    ).issueInvoice;
    assert.equal(issued.total.amountMinor, 62 + 50);

    const read = await gql<{
      invoice: { number: string; status: string; lines: unknown[]; amountDue: { amountMinor: number } };
      billingAccount: { balance: { amountMinor: number }; invoices: { nodes: { id: string }[] } };
      meter: { billingAccount: { id: string } | null };
    }>(
      `query($i: ID!, $a: ID!, $m: ID!, $t: String) {
         invoice(id: $i, consistency: $t) { number status lines { description } amountDue { amountMinor } }
         billingAccount(id: $a, consistency: $t) { balance { amountMinor } invoices(first: 10) { nodes { id } } }
         meter(id: $m) { billingAccount { id } } }`,
      { i: issued.id, a: account.id, m: meter.id, t: issued.consistencyToken },
      customer,
    );
    const data = dataOf(read);
    assert.equal(data.invoice.number, issued.number);
    assert.equal(data.invoice.amountDue.amountMinor, 112);
    assert.equal(data.billingAccount.balance.amountMinor, 112);
    assert.deepEqual(
      data.billingAccount.invoices.nodes.map((n) => n.id),
      [issued.id],
    );
    assert.equal(data.meter.billingAccount?.id, account.id, 'Meter.billingAccount across subgraphs');
    const hidden = await gql('query($i: ID!) { invoice(id: $i) { id } }', { i: issued.id }, stranger);
    assert.equal(hidden.errors[0]?.extensions?.code, 'NOT_FOUND');

    const pdfUrl = `${settings.gatewayUrl.replace(/\/graphql$/, '')}/invoices/${issued.id}.pdf`;
    const pdf = await fetch(pdfUrl, { headers: { authorization: `Bearer ${customer}` } });
    assert.equal(pdf.status, 200);
    assert.match(pdf.headers.get('content-type') ?? '', /application\/pdf/);
    assert.equal(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
      '%PDF-',
    );
    const strangersPdf = await fetch(pdfUrl, { headers: { authorization: `Bearer ${stranger}` } });
    assert.equal(strangersPdf.status, 404);

    const query =
      'subscription($a: ID!) { invoiceUpdates(accountId: $a) { id status amountDue { amountMinor } } }';
    const refused = await subscriptionRefusal(stranger, query, { a: account.id });
    assert.equal(refused.extensions?.code, 'NOT_FOUND', JSON.stringify(refused));
    const owner = subscriptionClient(customer);
    try {
      const updates = owner.iterate<{
        invoiceUpdates: { id: string; status: string; amountDue: { amountMinor: number } };
      }>({
        query,
        variables: { a: account.id },
      });
      const paid = (async () => {
        for await (const result of updates) {
          const update = result.data?.invoiceUpdates;
          if (update?.status === 'PAID') return update;
        }
        return undefined;
      })();
      // The subscription is live once the gateway has asked billing-query; give it a moment.
      await eventually(
        async () => ((await openSubscriptions()) > 0 ? true : undefined),
        10_000,
        'the subscription to open',
      );
      dataOf(await payInvoice(customer, issued.id, 112, `pay-${randomUUID()}`));
      const update = await paid;
      assert.equal(update?.id, issued.id);
      assert.equal(update?.amountDue.amountMinor, 0);
    } finally {
      await owner.dispose();
    }
  });
});
