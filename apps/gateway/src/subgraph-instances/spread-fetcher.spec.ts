import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferedResponse } from '../http-fetcher';
import { InstancePicker } from './instance-picker';
import { spreadOver } from './spread-fetcher';

const A = 'http://127.0.0.1:4102/graphql';
const B = 'http://127.0.0.1:4112/graphql';
const MUTATION = { method: 'POST', body: '{"query":"mutation { recordReadings }"}' };

const failure = (code: string) => Object.assign(new Error(code), { code });

/** A subgraph whose instances fail as `failures` says, recording where each call went. */
function instances(failures: Record<string, Error> = {}) {
  const calls: string[] = [];
  const fetcher = async (url: string) => {
    calls.push(url);
    const error = failures[url];
    if (error) throw error;
    return new BufferedResponse(url, 200, 'OK', {}, Buffer.from('{"data":{}}'));
  };
  return { fetcher, calls };
}

describe('spreading subgraph calls over its instances', () => {
  it('sends calls to the instances in turn', async () => {
    const subgraph = instances();
    const fetch = spreadOver(new InstancePicker([A, B]), subgraph.fetcher);
    for (let i = 0; i < 4; i += 1) await fetch(A, MUTATION);
    assert.deepEqual(subgraph.calls, [A, B, A, B]);
  });

  it('sends a call that could not connect once more to another instance, and skips the refusing one', async () => {
    const subgraph = instances({ [A]: failure('ECONNREFUSED') });
    const picker = new InstancePicker([A, B]);
    const fetch = spreadOver(picker, subgraph.fetcher);
    assert.equal((await fetch(A, MUTATION)).url, B);
    assert.equal((await fetch(A, MUTATION)).url, B);
    assert.deepEqual(subgraph.calls, [A, B, B]);
    assert.equal(picker.isHealthy(A), false);
  });

  it('never sends a mutation again once the connection was made (a reset may come after it ran)', async () => {
    const subgraph = instances({ [A]: failure('ECONNRESET') });
    const fetch = spreadOver(new InstancePicker([A, B]), subgraph.fetcher);
    await assert.rejects(fetch(A, MUTATION), /ECONNRESET/);
    assert.deepEqual(subgraph.calls, [A]);
  });

  it('fails with the error when the other instance refuses too', async () => {
    const subgraph = instances({ [A]: failure('ECONNREFUSED'), [B]: failure('ECONNREFUSED') });
    const fetch = spreadOver(new InstancePicker([A, B]), subgraph.fetcher);
    await assert.rejects(fetch(A, MUTATION), /ECONNREFUSED/);
    assert.deepEqual(subgraph.calls, [A, B]);
  });
});
