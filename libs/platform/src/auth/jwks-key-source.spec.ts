import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { jwksKeySource } from './jwks-key-source';
import { publicJwk } from './jwt';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = JSON.stringify({ keys: [publicJwk(privateKey, 'k1')] });

/** A JWKS endpoint answering with the statuses given, one per request, then 200 for good. */
async function endpoint(statuses: number[] = []) {
  const served = { count: 0 };
  const server = createServer((_request, response) => {
    const status = statuses[served.count++] ?? 200;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(status === 200 ? jwks : JSON.stringify({ keys: [] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, served };
}

describe('jwksKeySource', () => {
  it('finds a key by kid', async () => {
    const { url } = await endpoint();
    assert.ok(await jwksKeySource(url)('k1'));
  });

  it('does not lock keys out after a failed fetch', async () => {
    const { url, served } = await endpoint([503]);
    const keys = jwksKeySource(url);
    await assert.rejects(keys('k1'), /503/);
    assert.ok(await keys('k1'));
    assert.equal(served.count, 2);
  });

  it('refetches for an unknown kid at most once per 30 s', async () => {
    const { url, served } = await endpoint();
    const keys = jwksKeySource(url);
    assert.equal(await keys('unknown'), undefined);
    assert.equal(await keys('other-unknown'), undefined);
    assert.ok(await keys('k1'));
    assert.equal(served.count, 1);
  });

  it('has unknown kids arriving together share one fetch', async () => {
    const { url, served } = await endpoint();
    const keys = jwksKeySource(url);
    await Promise.all(Array.from({ length: 5 }, (_, i) => keys(`unknown-${i}`)));
    assert.equal(served.count, 1);
  });
});
