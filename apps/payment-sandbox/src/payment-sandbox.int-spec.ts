import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from '@voltstream/platform';
import { eventually, service, testSettings } from '@voltstream/testing';
import { DEV_WEBHOOK_SECRET } from './config';
import { WebhookReceiver } from './testing/webhook-receiver';

const sandbox = testSettings().serviceBaseUrl('payment-sandbox');
// The services of the test stack boot with the test process's environment.
const secret = process.env['WEBHOOK_SECRET'] || DEV_WEBHOOK_SECRET;

interface Charge {
  id: string;
  status: 'pending' | 'succeeded' | 'failed';
  amountMinor: number;
  currency: string;
  reference: string;
  failureReason: string | null;
}

interface ChargeEvent {
  id: string;
  type: string;
  data: {
    chargeId: string;
    reference: string;
    amountMinor: number;
    currency: string;
    failureReason?: string;
  };
  createdAt: string;
}

async function createCharge(
  body: Record<string, unknown>,
  /** null sends no Idempotency-Key header. */
  idempotencyKey: string | null = randomUUID(),
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey;
  const response = await fetch(`${sandbox}/v1/charges`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

/** The event of a delivery, once its signature checked out against the raw body. */
function verifiedEvent(request: { headers: Record<string, unknown>; rawBody: string }): ChargeEvent {
  const header = request.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()];
  assert.equal(typeof header, 'string', 'a signature header');
  assert.ok(verifyWebhookSignature(secret, request.rawBody, header as string), 'a valid signature');
  return JSON.parse(request.rawBody) as ChargeEvent;
}

const errorCode = (body: Record<string, unknown>) => (body['error'] as { code?: string } | undefined)?.code;

describe('payment sandbox', () => {
  const receiver = new WebhookReceiver();
  const charge = (amountMinor: number, extra: Record<string, unknown> = {}) => ({
    amountMinor,
    currency: 'EUR',
    reference: `inv-${randomUUID()}`,
    webhookUrl: receiver.url,
    ...extra,
  });

  before(() => receiver.start());
  after(() => receiver.stop());

  it('settles a charge and posts a signed charge.succeeded event to its webhook URL', async () => {
    const request = charge(12_300, { description: 'Invoice INV-1' });
    const created = await createCharge(request);
    assert.equal(created.status, 201);
    assert.equal(created.body['status'], 'pending');
    assert.deepEqual(
      [created.body['amountMinor'], created.body['currency'], created.body['reference']],
      [12_300, 'EUR', request.reference],
    );
    const id = created.body['id'] as string;
    assert.match(id, /^ch_/);

    const [delivery] = await receiver.waitFor(id);
    assert.equal(delivery.headers['content-type'], 'application/json');
    const event = verifiedEvent(delivery);
    assert.match(event.id, /^evt_/);
    assert.equal(event.type, 'charge.succeeded');
    assert.deepEqual(event.data, {
      chargeId: id,
      reference: request.reference,
      amountMinor: 12_300,
      currency: 'EUR',
    });
    assert.ok(!Number.isNaN(Date.parse(event.createdAt)));

    const stored = await getJson<Charge>(`/v1/charges/${id}`);
    assert.equal(stored.status, 200);
    assert.equal(stored.body.status, 'succeeded');
    const listed = await getJson<{ data: Charge[] }>(
      `/v1/charges?reference=${encodeURIComponent(request.reference)}`,
    );
    assert.deepEqual(
      listed.body.data.map((c) => [c.id, c.status]),
      [[id, 'succeeded']],
    );
  });

  it('declines the test amounts: ending in 02 card_declined, in 05 insufficient_funds', async () => {
    for (const [amountMinor, reason] of [
      [1002, 'card_declined'],
      [1005, 'insufficient_funds'],
    ] as const) {
      const created = await createCharge(charge(amountMinor));
      assert.equal(created.status, 201);
      const id = created.body['id'] as string;
      const event = verifiedEvent((await receiver.waitFor(id))[0]);
      assert.equal(event.type, 'charge.failed');
      assert.equal(event.data.failureReason, reason);
      const stored = await getJson<Charge>(`/v1/charges/${id}`);
      assert.deepEqual([stored.body.status, stored.body.failureReason], ['failed', reason]);
    }
  });

  it('answers the same charge for the same key and body, and 409 for the key with another body', async () => {
    const key = randomUUID();
    const request = charge(4200);
    const first = await createCharge(request, key);
    assert.equal(first.status, 201);
    // The same fields in another order are the same request.
    const reordered = Object.fromEntries(Object.entries(request).reverse());
    const again = await createCharge(reordered, key);
    assert.equal(again.status, 200);
    assert.equal(again.body['id'], first.body['id']);

    const other = await createCharge({ ...request, amountMinor: 4300 }, key);
    assert.equal(other.status, 409);
    assert.equal(errorCode(other.body), 'IDEMPOTENCY_KEY_REUSED');

    const id = first.body['id'] as string;
    await receiver.waitFor(id);
    const listed = await getJson<{ data: Charge[] }>(
      `/v1/charges?reference=${encodeURIComponent(request.reference)}`,
    );
    assert.equal(listed.body.data.length, 1, 'one charge for the key');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(receiver.forCharge(id).length, 1, 'one webhook for the one charge');
  });

  it('retries a webhook with growing delays until the endpoint answers 2xx', async () => {
    receiver.respond = ({ attempt }) => (attempt <= 2 ? 500 : 200);
    try {
      const created = await createCharge(charge(7700));
      const id = created.body['id'] as string;
      const deliveries = await receiver.waitFor(id, 3);
      assert.deepEqual(
        deliveries.map((d) => d.answered),
        [500, 500, 200],
      );
      const events = deliveries.map(verifiedEvent);
      assert.equal(new Set(events.map((e) => e.id)).size, 1, 'every attempt carries the same event');
      const [first, second, third] = deliveries.map((d) => d.receivedAt);
      // Backoff of 0.5 s, then 1 s (less a little for clock granularity).
      assert.ok(second - first >= 400, `first retry after ${second - first} ms`);
      assert.ok(third - second >= 900, `second retry after ${third - second} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(receiver.forCharge(id).length, 3, 'no attempt after a 2xx');
    } finally {
      receiver.respond = () => 200;
    }
  });

  it('refuses bad requests with 400 and a stable error code', async () => {
    const cases: [Record<string, unknown>, string | null, string][] = [
      [charge(1000), null, 'Idempotency-Key'],
      [charge(10.5), randomUUID(), 'amountMinor'],
      [charge(0), randomUUID(), 'amountMinor'],
      [charge(1000, { currency: 'eur' }), randomUUID(), 'currency'],
      [charge(1000, { webhookUrl: 'ftp://example.com/hook' }), randomUUID(), 'webhookUrl'],
      [charge(1000, { reference: '' }), randomUUID(), 'reference'],
      [charge(1000, { amount: 1000 }), randomUUID(), 'amount'],
    ];
    for (const [body, key, field] of cases) {
      const response = await createCharge(body, key);
      assert.equal(response.status, 400, field);
      assert.equal(errorCode(response.body), 'INVALID_REQUEST', field);
      assert.equal((response.body['error'] as { field?: string }).field, field);
    }
    const malformed = await fetch(`${sandbox}/v1/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: '{"amountMinor": ',
    });
    assert.equal(malformed.status, 400);
    assert.equal(errorCode((await malformed.json()) as Record<string, unknown>), 'INVALID_REQUEST');

    const missing = await getJson<Record<string, unknown>>('/v1/charges/ch_doesnotexist');
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing.body), 'NOT_FOUND');
  });

  it('settles and delivers after a crash what was pending before it', async () => {
    // A slow-settling charge (ending in 09), and a delivery its endpoint keeps refusing.
    receiver.respond = () => 503;
    const slow = (await createCharge(charge(2009))).body['id'] as string;
    const refused = (await createCharge(charge(3000))).body['id'] as string;
    await receiver.waitFor(refused);
    await service('kill', 'payment-sandbox');
    receiver.respond = () => 200;
    await service('start', 'payment-sandbox');
    try {
      const redelivered = await eventually(
        async () => receiver.forCharge(refused).find((d) => d.answered === 200),
        60_000,
        'the refused delivery to be retried after the restart',
      );
      assert.equal(verifiedEvent(redelivered).type, 'charge.succeeded');
      const settled = await receiver.waitFor(slow, 1, 60_000);
      assert.equal(verifiedEvent(settled[0]).type, 'charge.succeeded');
    } finally {
      receiver.respond = () => 200;
    }
  });
});
