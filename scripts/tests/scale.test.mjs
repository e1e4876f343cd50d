// `npm start -- --scale`: the scale spec, where each instance listens, and the gateway's
// subgraph URLs listing every instance.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APPS, portOf, serviceEnv } from '../lib/apps.mjs';
import { instanceIndexOf, parseScale, scalePlan } from '../lib/scale.mjs';

const NAMES = APPS.map((app) => app.name);
/** The registry's ports, whatever <APP>_PORT the shell running the tests sets. */
const devPort = (app) => app.port;
const portsOf = (plan, name) => plan.find((p) => p.app.name === name).instances.map((i) => i.port);

describe('scaling local services out', () => {
  it('reads service=N pairs', () => {
    assert.deepEqual(parseScale('energy-query=2, gateway=3', NAMES), { 'energy-query': 2, gateway: 3 });
  });

  it('refuses an unknown service, a count outside 1..8, a service named twice and a malformed pair', () => {
    assert.throws(() => parseScale('energy-querry=2', NAMES), /unknown service energy-querry/);
    assert.throws(() => parseScale('gateway=0', NAMES), /must be 1\.\.8/);
    assert.throws(() => parseScale('gateway=9', NAMES), /must be 1\.\.8/);
    assert.throws(() => parseScale('gateway=2,gateway=3', NAMES), /named twice/);
    assert.throws(() => parseScale('gateway:2', NAMES), /is not service=N/);
    assert.throws(() => parseScale('', NAMES), /needs service=N/);
  });

  it('puts instance i on its base port + 10·i, so the most instances of every service never share a port', () => {
    const everything = Object.fromEntries(NAMES.map((name) => [name, 8]));
    const plan = scalePlan(APPS, devPort, everything);
    assert.deepEqual(portsOf(plan, 'billing-command').slice(0, 3), [4201, 4211, 4221]);
    assert.deepEqual(portsOf(plan, 'billing-query').slice(0, 2), [4202, 4212]);
    const ports = plan.flatMap((p) => p.instances.map((i) => i.port));
    assert.equal(new Set(ports).size, ports.length);
  });

  it('refuses a scale whose instances would take another service’s port (a base port moved by <APP>_PORT)', () => {
    const moved = (app) => (app.name === 'energy-query' ? 4111 : devPort(app));
    assert.throws(
      () => scalePlan(APPS, moved, { 'energy-command': 2 }),
      /energy-query would listen on 4111, the port of energy-command\.1/,
    );
  });

  it('names instance files as before for instance 0 and `name.i` after, never confusing two apps', () => {
    assert.equal(instanceIndexOf('energy-query', 'energy-query'), 0);
    assert.equal(instanceIndexOf('energy-query', 'energy-query.3'), 3);
    assert.equal(instanceIndexOf('energy', 'energy-query.3'), undefined);
    assert.equal(instanceIndexOf('energy-query', 'energy-command'), undefined);
  });

  it('gives the gateway every instance of a scaled subgraph, and other peers instance 0', () => {
    const port = (name) =>
      portOf(
        APPS.find((app) => app.name === name),
        'dev',
      );
    const env = serviceEnv('dev', {}, { 'energy-query': 2, identity: 2 });
    const [query, command, identity] = ['energy-query', 'energy-command', 'identity'].map(port);
    assert.equal(
      env.ENERGY_QUERY_URL,
      `http://127.0.0.1:${query}/graphql,http://127.0.0.1:${query + 10}/graphql`,
    );
    assert.equal(env.ENERGY_COMMAND_URL, `http://127.0.0.1:${command}/graphql`);
    assert.equal(env.IDENTITY_JWKS_URL, `http://127.0.0.1:${identity}/.well-known/jwks.json`);
  });
});
