// Lint must fail on a broken layer boundary, not skip the rule (it silently does when Nx has
// no project graph). Each probe file breaks one rule, and is removed again.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { root } from '../lib/run.mjs';

const run = promisify(execFile);
const probes = [];

async function lintProbe(path, source) {
  const file = join(root, path);
  probes.push(file);
  writeFileSync(file, source);
  try {
    await run('npx', ['eslint', '--no-warn-ignored', file], { cwd: root });
    return '';
  } catch (error) {
    return error.stdout;
  }
}

describe('module boundaries', () => {
  after(() => probes.forEach((file) => rmSync(file, { force: true })));

  it('stops a domain lib from importing a framework', async () => {
    const output = await lintProbe(
      'libs/energy/src/zz-boundary-probe.ts',
      "import { Injectable } from '@nestjs/common';\nexport const probe = Injectable;\n",
    );
    assert.match(output, /type:domain.*not allowed to import "@nestjs\/common"/);
  });

  it('stops a command app from importing a query app', async () => {
    const output = await lintProbe(
      'apps/energy-command/src/zz-boundary-probe.ts',
      "import { readConfig } from '../../energy-query/src/config';\nexport const probe = readConfig;\n",
    );
    assert.match(output, /@nx\/enforce-module-boundaries/);
  });
});
