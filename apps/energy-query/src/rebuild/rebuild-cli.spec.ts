import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRebuildArgs } from './rebuild-cli';

describe('npm run rebuild arguments', () => {
  const known = ['energy'];

  it('builds by default, and takes --status or --drop-old', () => {
    assert.deepEqual(parseRebuildArgs(['energy'], known), { readModel: 'energy', action: 'build' });
    assert.equal(parseRebuildArgs(['--drop-old', 'energy'], known).action, 'drop-old');
    assert.equal(parseRebuildArgs(['energy', '--status'], known).action, 'status');
  });

  it('refuses a missing or unknown read model, an unknown option and two actions at once', () => {
    assert.throws(() => parseRebuildArgs([], known), /REBUILD.USAGE|name one read model/);
    assert.throws(() => parseRebuildArgs(['billing'], known), /no read model named billing/);
    assert.throws(() => parseRebuildArgs(['energy', '--force'], known), /unknown option --force/);
    assert.throws(() => parseRebuildArgs(['energy', '--status', '--drop-old'], known), /do not go together/);
    assert.throws(() => parseRebuildArgs(['energy', 'feeds'], known), /name one read model/);
  });
});
