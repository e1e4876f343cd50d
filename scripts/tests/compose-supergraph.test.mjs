// The supergraph is composed at build time; these prove that composition really checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeSupergraph } from '../compose-supergraph.mjs';

describe('supergraph composition', () => {
  it('composes the checked-in subgraphs into one schema with the energy slice', () => {
    const sdl = composeSupergraph();
    for (const field of ['registerMeter(', 'recordReadings(', 'consumption(', 'latestReading'])
      assert.ok(sdl.includes(field), field);
  });

  it('fails, naming the problem, when two subgraphs both resolve a field not marked shareable', () => {
    const broken = [
      {
        name: 'a',
        url: 'http://a',
        sdl: 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"]) type Meter @key(fields: "id") { id: ID! serialNumber: String! } type Query { a: Meter }',
      },
      {
        name: 'b',
        url: 'http://b',
        sdl: 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"]) type Meter @key(fields: "id") { id: ID! serialNumber: String! } type Query { b: Meter }',
      },
    ];
    assert.throws(() => composeSupergraph(broken), /composition failed:[\s\S]*serialNumber/);
  });
});
