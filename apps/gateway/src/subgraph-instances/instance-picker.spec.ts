import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstancePicker } from './instance-picker';

const A = 'http://127.0.0.1:4102/graphql';
const B = 'http://127.0.0.1:4112/graphql';
const C = 'http://127.0.0.1:4122/graphql';
const picks = (picker: InstancePicker, count: number) => Array.from({ length: count }, () => picker.pick());

describe('picking a subgraph instance', () => {
  it('takes the instances in turn', () => {
    assert.deepEqual(picks(new InstancePicker([A, B, C]), 6), [A, B, C, A, B, C]);
  });

  it('always takes the only instance', () => {
    const picker = new InstancePicker([A]);
    picker.setHealth(A, false);
    assert.deepEqual(picks(picker, 3), [A, A, A]);
  });

  it('skips an instance whose readiness is red until it is green again', () => {
    const picker = new InstancePicker([A, B, C]);
    picker.setHealth(B, false);
    assert.deepEqual(picks(picker, 4), [A, C, A, C]);
    picker.setHealth(B, true);
    assert.deepEqual(picks(picker, 3), [A, B, C]);
  });

  it('tries every instance when all are red rather than failing every call', () => {
    const picker = new InstancePicker([A, B]);
    picker.setHealth(A, false);
    picker.setHealth(B, false);
    assert.deepEqual(picks(picker, 3), [A, B, A]);
  });

  it('retries on another instance than the one a call tried, green ones first', () => {
    const picker = new InstancePicker([A, B, C]);
    picker.setHealth(C, false);
    assert.equal(picker.pick([A]), B);
    assert.equal(picker.pick([A, B]), C);
    assert.equal(picker.pick([A, B, C]), undefined);
  });

  it('refuses a subgraph without instances', () => {
    assert.throws(() => new InstancePicker([]), /at least one instance/);
  });
});
