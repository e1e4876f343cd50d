import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client } from 'pg';
import { databaseUrl, dataOf, eventually, queryOnce } from '@voltstream/testing';
import { BILLING_DB, createFlatTariff, lastClosedMonth, openAccountWhenMeterKnown } from './billing-api';
import { newAdmin, newUser, recordReadings, registerMeter, settings } from './energy-api';
import { lockWaiters } from './energy-sides';
import { ensureRunning, ServiceInstance, sigkill, stackPid, startInstance } from './service-process';

/**
 * Issue #14 point 4: the monthly billing run issues invoices in batches (one transaction per
 * batch of accounts) and is resumable: killed in the middle of a run, the next run issues the
 * rest, so every account due gets exactly one invoice, priced from its own usage, and the run's
 * progress shows on /metrics.
 */

const ACCOUNTS = 12;
const BATCH = 4;
const STANDING_PER_DAY = 10;
const PRICE_PER_KWH = 20;
const DAY_MS = 86_400_000;

/** One billing-command whose scheduler runs billing every second, four accounts per batch, two batches at once. */
const billingInstance = () =>
  startInstance(
    'billing-command',
    {
      INVOICE_SCHEDULER: 'on',
      INVOICE_SCHEDULER_INTERVAL_MS: '1000',
      BILLING_RUN_BATCH_SIZE: String(BATCH),
      BILLING_RUN_CONCURRENCY: '2',
    },
    { waitReady: true },
  );

async function metric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  if (!line) throw new Error(`${baseUrl}/metrics has no ${name}`);
  return Number(line.split(' ').at(-1));
}

type InvoiceRow = {
  account_id: string;
  sequence: number;
  total_minor: string;
  lines: { amountMinor: number }[];
};

async function invoicesOf(accountIds: string[], month: { start: Date; end: Date }): Promise<InvoiceRow[]> {
  return queryOnce<InvoiceRow>(
    BILLING_DB(),
    `SELECT account_id, sequence, total_minor::text, lines FROM invoices
     WHERE account_id = ANY($1::uuid[]) AND period_end = $2 ORDER BY account_id`,
    [accountIds, month.end],
  );
}

describe('the monthly billing run', () => {
  const extras: ServiceInstance[] = [];
  after(async () => {
    for (const extra of extras.splice(0)) await extra.stop();
    await ensureRunning('billing-command');
  });

  it('killed mid-run with one batch in flight and the others committed around it, the next run issues the rest: each account once, priced from its own usage', async () => {
    const admin = await newAdmin();
    const tariffId = await createFlatTariff(admin, 'Flat billing-run test', {
      standingChargePerDayMinor: STANDING_PER_DAY,
      pricePerKwhMinor: PRICE_PER_KWH,
    });
    const month = lastClosedMonth();
    const day = new Date(month.start.getTime() + 2 * DAY_MS);
    // Account i's meter uses 4 × (i + 1) kWh on one day of the month: a batch that mixed up
    // whose usage is whose would price it visibly wrong.
    const customers = await Promise.all(
      Array.from({ length: ACCOUNTS }, async (_, i) => {
        const customer = await newUser();
        const meter = await registerMeter(customer, 'UTC');
        const readings = Array.from({ length: 4 }, (__, q) => ({
          at: new Date(day.getTime() + (q + 1) * 900_000).toISOString(),
          kwh: i + 1,
        }));
        dataOf(await recordReadings(customer, meter.id, readings));
        const accountId = await openAccountWhenMeterKnown(customer, tariffId, meter.id);
        return { accountId, meterId: meter.id, kwh: 4 * (i + 1) };
      }),
    );
    const accountIds = customers.map((c) => c.accountId).sort();
    const meterIds = customers.map((c) => c.meterId);
    await eventually(
      async () => {
        const [row] = await queryOnce<{ wh: string | null }>(
          BILLING_DB(),
          'SELECT sum(wh + late_wh)::text AS wh FROM usage_hourly WHERE meter_id = ANY($1::uuid[])',
          [meterIds],
        );
        const expected = customers.reduce((sum, c) => sum + c.kwh * 1000, 0);
        return Number(row?.wh ?? 0) === expected ? true : undefined;
      },
      60_000,
      "billing's usage ledger to hold every reading",
    );

    // Only this test's instances run billing: the stack's billing-command (scheduler every
    // minute) stays down until the end. The accounts become due (opened before the month) while
    // nothing runs billing.
    await sigkill(stackPid('billing-command'));
    await queryOnce(BILLING_DB(), 'UPDATE billing_accounts SET opened_at = $2 WHERE id = ANY($1::uuid[])', [
      accountIds,
      new Date(month.start.getTime() - 30 * DAY_MS),
    ]);
    // Everything the run will invoice, in its order (with any account another test left due).
    const due = (
      await queryOnce<{ id: string }>(
        BILLING_DB(),
        `SELECT a.id FROM billing_accounts a WHERE a.opened_at < $2 AND NOT EXISTS (
           SELECT 1 FROM invoices i WHERE i.account_id = a.id
             AND tstzrange(i.period_start, i.period_end) && tstzrange($1, $2))
         ORDER BY a.id`,
        [month.start, month.end],
      )
    ).map((row) => row.id);
    assert.ok(accountIds.every((id) => due.includes(id)));

    // Four accounts per batch, two batches at once: hold the seventh, so the second batch waits
    // while the other batches all commit around it.
    const holder = new Client({ connectionString: BILLING_DB(), application_name: 'e2e-locker' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM billing_accounts WHERE id = $1 FOR UPDATE', [due[BATCH + 2]]);
      const first = await billingInstance();
      extras.push(first);
      await eventually(
        async () => {
          const waiting = await lockWaiters(
            'billing_command',
            'billing-command',
            '%billing_accounts%FOR UPDATE%',
          );
          const issued = await invoicesOf(due, month);
          return waiting.length > 0 && issued.length === due.length - BATCH ? true : undefined;
        },
        60_000,
        'every batch but the second to commit, and the second to wait for the held account',
      );
      assert.ok((await metric(first.baseUrl, 'billing_run_accounts_due')) >= due.length);
      assert.equal(await metric(first.baseUrl, 'billing_run_running'), 1);
      assert.equal(await metric(first.baseUrl, 'billing_run_accounts_remaining'), BATCH);

      await sigkill(first.pid);
    } finally {
      await holder.query('COMMIT').catch(() => undefined);
      await holder.end();
    }
    // The batch in flight died with its process: every account but its four has its invoice.
    const afterCrash = await invoicesOf(due, month);
    assert.deepEqual(
      afterCrash.map((r) => r.account_id),
      [...due.slice(0, BATCH), ...due.slice(2 * BATCH)],
    );

    const second = await billingInstance();
    extras.push(second);
    await eventually(
      async () => ((await invoicesOf(due, month)).length === due.length ? true : undefined),
      60_000,
      'the next run to issue the rest',
    );
    await eventually(
      async () => ((await metric(second.baseUrl, 'billing_run_accounts_remaining')) === 0 ? true : undefined),
      30_000,
      "the second instance's run to report every account reached",
    );
    assert.equal(await metric(second.baseUrl, 'billing_run_invoices_issued_total'), BATCH);

    const invoices = await invoicesOf(due, month);
    assert.equal(new Set(invoices.map((r) => r.account_id)).size, due.length, 'one invoice per account');
    const days = (month.end.getTime() - month.start.getTime()) / DAY_MS;
    for (const customer of customers) {
      const own = invoices.filter((r) => r.account_id === customer.accountId);
      assert.equal(own.length, 1, `one invoice for account ${customer.accountId}`);
      const [invoice] = own;
      assert.equal(invoice.sequence, 1, 'its first invoice: numbered without a gap');
      assert.equal(
        Number(invoice.total_minor),
        days * STANDING_PER_DAY + customer.kwh * PRICE_PER_KWH,
        `account ${customer.accountId} priced from its own ${customer.kwh} kWh: ${JSON.stringify(invoice.lines)}`,
      );
    }
    // Nothing of it waits as late usage: every hour was billed by its month's invoice.
    const [ledger] = await queryOnce<{ open: string }>(
      BILLING_DB(),
      'SELECT count(*)::text AS open FROM usage_hourly WHERE meter_id = ANY($1::uuid[]) AND late_wh <> 0',
      [meterIds],
    );
    assert.equal(ledger?.open, '0');
    // Each invoice's event went out: billing's read side has all of them.
    await eventually(
      async () => {
        const [row] = await queryOnce<{ n: string }>(
          databaseUrl(settings.databaseUrl, 'billing_read'),
          'SELECT count(*)::text AS n FROM invoices WHERE account_id = ANY($1::uuid[])',
          [accountIds],
        );
        return row?.n === String(ACCOUNTS) ? true : undefined;
      },
      60_000,
      'billing-query to project every invoice of the run',
    );
  });
});
