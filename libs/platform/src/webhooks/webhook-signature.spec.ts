import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

const SECRET = 'whsec_test_secret';
const BODY = '{"id":"evt_1","type":"charge.succeeded","data":{"chargeId":"ch_1"}}';
const NOW = 1_760_000_000;

describe('webhook signature', () => {
  it('accepts the signature it made for the same body and secret', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    assert.match(header, /^t=1760000000,v1=[0-9a-f]{64}$/);
    assert.equal(verifyWebhookSignature(SECRET, BODY, header, { nowSeconds: NOW + 10 }), true);
    assert.equal(verifyWebhookSignature(SECRET, Buffer.from(BODY), header, { nowSeconds: NOW }), true);
  });

  it('signs "<t>.<body>" with HMAC-SHA256, as a receiver in any language computes it', () => {
    // Known answer from `printf '1.body' | openssl dgst -sha256 -hmac secret`.
    assert.equal(
      signWebhook('secret', 'body', 1),
      't=1,v1=842b24d9575dee4b6ec460b7e3af7d683501d84fe6279102340787c79d2e2bab',
    );
  });

  it('rejects a body changed after signing', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    const tampered = BODY.replace('ch_1', 'ch_2');
    assert.equal(verifyWebhookSignature(SECRET, tampered, header, { nowSeconds: NOW }), false);
    assert.equal(verifyWebhookSignature(SECRET, `${BODY} `, header, { nowSeconds: NOW }), false);
  });

  it('rejects a signature made with another secret', () => {
    const header = signWebhook('whsec_other_secret', BODY, NOW);
    assert.equal(verifyWebhookSignature(SECRET, BODY, header, { nowSeconds: NOW }), false);
  });

  it('rejects a timestamp outside the tolerance, even with a valid signature', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    assert.equal(verifyWebhookSignature(SECRET, BODY, header, { nowSeconds: NOW + 301 }), false);
    assert.equal(verifyWebhookSignature(SECRET, BODY, header, { nowSeconds: NOW - 301 }), false);
    assert.equal(
      verifyWebhookSignature(SECRET, BODY, header, { nowSeconds: NOW + 60, toleranceSeconds: 30 }),
      false,
    );
    assert.equal(verifyWebhookSignature(SECRET, BODY, header, { nowSeconds: NOW + 300 }), true);
  });

  it('rejects a timestamp rewritten to look fresh', () => {
    const header = signWebhook(SECRET, BODY, NOW).replace(`t=${NOW}`, `t=${NOW + 1000}`);
    assert.equal(verifyWebhookSignature(SECRET, BODY, header, { nowSeconds: NOW + 1000 }), false);
  });

  it('rejects missing and malformed headers without throwing', () => {
    const valid = signWebhook(SECRET, BODY, NOW);
    const v1 = valid.split(',v1=')[1];
    for (const header of [
      undefined,
      '',
      'garbage',
      `v1=${v1}`,
      `t=${NOW}`,
      `t=${NOW},v1=`,
      `t=${NOW},v1=${v1.slice(0, 63)}`,
      `t=${NOW},v1=${v1}00`,
      `t=${NOW},v1=${'z'.repeat(64)}`,
      `t=abc,v1=${v1}`,
      `t=-${NOW},v1=${v1}`,
      `t=${NOW};v1=${v1}`,
    ]) {
      assert.equal(verifyWebhookSignature(SECRET, BODY, header, { nowSeconds: NOW }), false, String(header));
    }
  });

  it('accepts a header carrying the valid signature among others, as during a secret rotation', () => {
    const valid = signWebhook(SECRET, BODY, NOW);
    const other = signWebhook('whsec_old_secret', BODY, NOW).split(',')[1];
    assert.equal(verifyWebhookSignature(SECRET, BODY, `${valid},${other}`, { nowSeconds: NOW }), true);
    assert.equal(verifyWebhookSignature(SECRET, BODY, `t=${NOW},${other}`, { nowSeconds: NOW }), false);
  });
});
