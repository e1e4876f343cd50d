import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { dataOf, eventually, graphql, GraphQLResponse, queryOnce, service } from '@voltstream/testing';
import {
  newAdmin,
  newUser,
  quarterHourReadings,
  readConsumption,
  recordReadings,
  registerMeter,
  settings,
  totalWh,
} from './energy-api';
import { BILLING_DB, createFlatTariff, lastClosedMonth, openAccountWhenMeterKnown } from './billing-api';
import { assertReadSidesEqualWriteSide, lockTable, lockWaiters } from './energy-sides';
import {
  ensureRunning,
  readiness,
  ServiceInstance,
  sigkill,
  stackPid,
  startInstance,
} from './service-process';

/**
 * Issue #15 point 3, first slice: command services run as several instances. The outbox relay
 * leads on one instance at a time and another takes over when it dies; the invoice scheduler
 * issues each period once however many instances race for it.
 */

type Readings = { at: string; kwh: number }[];

const DAY_MS = 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the outbox relay of the instance at `baseUrl` leads; undefined when it does not answer. */
async function leads(baseUrl: string): Promise<boolean | undefined> {
  const ready = await readiness(baseUrl);
  const leader = ready?.details['outbox-relay']?.['leader'];
  return typeof leader === 'boolean' ? leader : undefined;
}

/**
 * Samples both instances' relays until stopped and keeps every sample where both led at once.
 * Both are asked together, so a handover (which needs the old leader's session to be gone)
 * does not show as two leaders.
 */
function watchLeaders(urls: () => string[]): { stop: () => Promise<string[]> } {
  const overlaps: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const current = urls();
      const sample = await Promise.all(current.map(leads));
      if (sample.filter((leader) => leader === true).length > 1)
        overlaps.push(
          `${new Date().toISOString()} ${JSON.stringify(current.map((url, i) => [url, sample[i]]))}`,
        );
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return overlaps;
    },
  };
}

/**
 * Records one day of readings per batch for each meter, one batch after another, until stopped.
 * A batch that fails (its instance killed under it) is sent again until answered: readings are
 * idempotent by timestamp, so what the meter holds in the end is every batch, once.
 */
function writeReadings(token: string, meterIds: string[]) {
  const sent = new Map<string, Readings>(meterIds.map((id) => [id, []]));
  const tokens = new Map<string, string>();
  let batches = 0;
  let running = true;
  // Whole days, newest first, the newest ending at the last whole hour: the history never has a
  // gap past the grace period, so the write side estimates nothing (VEE estimates the 48 h after
  // a meter's last reading once it holds two weeks of same-slot history).
  const newestDay = Math.floor(Date.now() / 3_600_000) * 3_600_000 - DAY_MS;
  const loop = (async () => {
    for (let day = 0; running; day += 1) {
      for (const [m, meterId] of meterIds.entries()) {
        const readings = quarterHourReadings(
          new Date(newestDay - day * DAY_MS).toISOString(),
          96,
          m + day + 1,
        );
        for (let attempt = 1; ; attempt += 1) {
          const response = await recordReadings(token, meterId, readings).catch(() => undefined);
          if (response && response.errors.length === 0 && response.data) {
            tokens.set(meterId, response.data.recordReadings.consistencyToken);
            break;
          }
          if (attempt >= 240)
            throw new Error(`still failing: ${JSON.stringify(response?.errors).slice(0, 300)}`);
          await sleep(250);
        }
        sent.get(meterId)!.push(...readings);
      }
      batches += 1;
    }
  })();
  return {
    batches: () => batches,
    /** Waits until `more` further batches were accepted. */
    accepted: async (more: number) => {
      const target = batches + more;
      await eventually(async () => (batches >= target ? true : undefined), 60_000, `${more} more batches`);
    },
    stop: async () => {
      running = false;
      await loop;
      return { sent, tokens };
    },
  };
}

async function gql<T>(query: string, variables: Record<string, unknown>, token: string) {
  return graphql<T>(settings.gatewayUrl, query, variables, { token });
}

const ISSUE =
  'mutation($a: ID!, $s: DateTime!, $e: DateTime!) { issueInvoice(accountId: $a, periodStart: $s, periodEnd: $e) { number } }';
const iso = (period: { start: Date; end: Date }) => ({
  s: period.start.toISOString(),
  e: period.end.toISOString(),
});

describe('several instances of a command service', () => {
  const extras: ServiceInstance[] = [];

  afterEach(async () => {
    for (const extra of extras.splice(0)) await extra.stop();
    await ensureRunning('energy-command');
  });

  it('outbox relay: one instance leads at a time, and when the leader is SIGKILLed the other publishes every accepted reading, once', async () => {
    const stackUrl = settings.serviceBaseUrl('energy-command');
    const token = await newUser();
    const meterIds = [(await registerMeter(token, 'UTC')).id, (await registerMeter(token, 'UTC')).id];

    const second = await startInstance('energy-command', {}, { waitReady: true });
    extras.push(second);
    // The stack's instance led first and keeps leading; the new one stands by (the watcher
    // below would see it leading too).
    await eventually(
      async () =>
        (await leads(stackUrl)) === true && (await leads(second.baseUrl)) !== undefined ? true : undefined,
      30_000,
      'the stack energy-command leading and the second answering',
    );

    let urls = [stackUrl, second.baseUrl];
    const watcher = watchLeaders(() => urls);
    const writer = writeReadings(token, meterIds);
    let outcome: Awaited<ReturnType<typeof writer.stop>> | undefined;
    let overlaps: string[] = [];
    try {
      await writer.accepted(2);

      // 1. SIGKILL the leader (the stack's instance) while readings stream in: the second takes over.
      await sigkill(stackPid('energy-command'));
      await eventually(
        async () => ((await leads(second.baseUrl)) === true ? true : undefined),
        30_000,
        'the second instance to take over the relay',
      );
      // The gateway sends commands to the stack's port: bring it back; now it stands by.
      await service('start', 'energy-command');
      await writer.accepted(2);
      assert.equal(await leads(stackUrl), false, 'the restarted instance stands by while the second leads');

      // 2. SIGKILL the new leader: the stack's instance keeps accepting readings and takes over.
      urls = [stackUrl];
      second.signal('SIGKILL');
      await second.exited;
      await writer.accepted(2);
      await eventually(
        async () => ((await leads(stackUrl)) === true ? true : undefined),
        30_000,
        'the stack instance to take the relay back',
      );
      await writer.accepted(2);
    } finally {
      outcome = await writer.stop();
      overlaps = await watcher.stop();
    }
    const { sent, tokens } = outcome;
    assert.deepEqual(overlaps, [], 'never two relays leading at once');

    // Through the gateway, with each meter's last consistency token: every reading, once.
    for (const meterId of meterIds) {
      const readings = sent.get(meterId)!;
      const instants = readings.map((r) => Date.parse(r.at));
      const range = {
        from: new Date(Math.min(...instants) - DAY_MS).toISOString(),
        to: new Date(Math.max(...instants) + DAY_MS).toISOString(),
        consistency: tokens.get(meterId)!,
      };
      const read = await eventually(
        async () => {
          const response = await readConsumption(token, meterId, {
            ...range,
            granularity: 'DAY',
            first: 500,
          });
          return response.errors.length === 0 ? response.data!.meter : undefined;
        },
        60_000,
        `meter ${meterId} read with its consistency token`,
      );
      assert.equal(Math.round(read.consumption.totalKwh * 1000), totalWh(readings), `Wh of meter ${meterId}`);
      assert.equal(
        read.consumption.nodes.reduce((sum, day) => sum + day.readings, 0),
        readings.length,
        `readings of meter ${meterId}`,
      );
    }
    // And straight from the databases: the read model equals the write side, 0 lost, 0 twice.
    const writtenSides = await assertReadSidesEqualWriteSide(meterIds, { timeoutMs: 60_000 });
    assert.deepEqual(
      writtenSides.map((w) => [w.count, w.wh]),
      meterIds.map((id) => [sent.get(id)!.length, totalWh(sent.get(id)!)]),
    );
  });

  it('invoice scheduler: with instances racing, each account gets one invoice for the closed month, numbered without gaps', async () => {
    const admin = await newAdmin();
    const tariffId = await createFlatTariff(admin, 'Flat multi-instance test', {
      standingChargePerDayMinor: 10,
      pricePerKwhMinor: 20,
    });

    const month = lastClosedMonth();
    const earlierDay = new Date(month.start.getTime() - 3 * DAY_MS);
    const accountIds: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const customer = await newUser();
      const meter = await registerMeter(customer, 'UTC');
      const accountId = await openAccountWhenMeterKnown(customer, tariffId, meter.id);
      accountIds.push(accountId);
      // Invoice #1, by an admin, for a day before the closed month.
      const earlier = { start: earlierDay, end: new Date(earlierDay.getTime() + DAY_MS) };
      dataOf(
        await gql<{ issueInvoice: { number: string } }>(ISSUE, { a: accountId, ...iso(earlier) }, admin),
      );
    }

    // Two more billing-command instances whose schedulers run every second (the stack's own
    // runs every minute).
    const schedulers = await Promise.all(
      [1, 2].map(() =>
        startInstance(
          'billing-command',
          { INVOICE_SCHEDULER: 'on', INVOICE_SCHEDULER_INTERVAL_MS: '1000' },
          { waitReady: true },
        ),
      ),
    );
    extras.push(...schedulers);

    // Hold the invoices table, so that the racers line up behind it: a scheduler's search for
    // due accounts, and an admin issuing the same closed month for every account through the
    // gateway (the stack's instance). Then the accounts become due (opened two months ago),
    // and once they all wait, let go: the scheduler and the admin race for every account.
    const hold = await lockTable('billing_command', 'invoices', 'ACCESS EXCLUSIVE');
    let adminIssues: Promise<GraphQLResponse<{ issueInvoice: { number: string } }>[]>;
    try {
      await queryOnce(BILLING_DB(), 'UPDATE billing_accounts SET opened_at = $2 WHERE id = ANY($1::uuid[])', [
        accountIds,
        new Date(earlierDay.getTime() - 30 * DAY_MS),
      ]);
      adminIssues = Promise.all(
        accountIds.map((accountId) =>
          gql<{ issueInvoice: { number: string } }>(ISSUE, { a: accountId, ...iso(month) }, admin),
        ),
      );
      // Each admin issue holds its account and waits for the invoices table (at its first
      // statement that reads it); a scheduler waits to list the accounts due.
      await eventually(
        async () => {
          const waits = (await lockWaiters('billing_command', 'billing-command', '%invoices%')).map(
            (w) => w.query,
          );
          // (the payment reconciler reads invoices too: not a racer)
          const issuing = waits.filter((q) => !q.includes('NOT EXISTS') && !q.includes('payments'));
          return issuing.length >= accountIds.length && waits.some((q) => q.includes('NOT EXISTS'))
            ? true
            : undefined;
        },
        60_000,
        'the admin issues and a scheduler to wait for the invoices table',
      );
    } finally {
      await hold.release();
    }
    const outcomes = await adminIssues;
    for (const outcome of outcomes) {
      if (outcome.errors.length > 0)
        assert.equal(outcome.errors[0]?.extensions?.code, 'CONFLICT', JSON.stringify(outcome.errors));
    }

    type InvoiceRow = {
      account_id: string;
      sequence: number;
      number: string;
      period_start: Date;
      period_end: Date;
    };
    const invoicesOf = () =>
      queryOnce<InvoiceRow>(
        BILLING_DB(),
        `SELECT account_id, sequence, number, period_start, period_end FROM invoices
         WHERE account_id = ANY($1::uuid[]) ORDER BY account_id, sequence`,
        [accountIds],
      );
    // Those the admin lost to the scheduler, the scheduler issued.
    await eventually(
      async () => ((await invoicesOf()).length >= accountIds.length * 2 ? true : undefined),
      60_000,
      'every account invoiced for the closed month',
    );
    // Let each instance's scheduler pass over the same accounts a few more times.
    await sleep(3000);
    assert.ok(
      schedulers.every((s) => s.isAlive()),
      'both extra instances still run',
    );

    const rows = await invoicesOf();
    for (const accountId of accountIds) {
      const mine = rows.filter((row) => row.account_id === accountId);
      const closed = mine.filter(
        (row) =>
          row.period_start.getTime() < month.end.getTime() &&
          row.period_end.getTime() > month.start.getTime(),
      );
      assert.deepEqual(
        closed.map((row) => [row.period_start.toISOString(), row.period_end.toISOString()]),
        [[month.start.toISOString(), month.end.toISOString()]],
        `account ${accountId}: one invoice for the closed month`,
      );
      assert.deepEqual(
        mine.map((row) => row.sequence),
        [1, 2],
        `account ${accountId}: invoice sequences ${JSON.stringify(mine.map((row) => row.number))}`,
      );
      assert.equal(new Set(mine.map((row) => row.number)).size, 2);
      assert.ok(
        mine.every((row) => row.number.endsWith(String(row.sequence))),
        `numbers follow the sequence: ${JSON.stringify(mine.map((row) => row.number))}`,
      );
    }
    // The guard is the issuing transaction, not the scheduler's lock: issuing again is refused.
    const again = await gql<{ issueInvoice: { number: string } }>(
      ISSUE,
      { a: accountIds[0], ...iso(month) },
      admin,
    );
    assert.equal(again.errors[0]?.extensions?.code, 'CONFLICT', JSON.stringify(again.errors));
  });
});
