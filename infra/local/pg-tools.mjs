// Postgres binaries and the OS-user handling around them. As root, initdb and
// postgres refuse to run, so they run as the `postgres` OS user, which must own
// the data and be able to reach it.
import fs from 'node:fs';
import path from 'node:path';
import { aptInstall, InfraError, isRoot, log, run, which } from './processes.mjs';

export const SUPERUSER = 'voltstream';
const OS_USER = 'postgres';

let binDirPromise;
/** Path of a Postgres binary; finds (or installs) the server binaries on first use. */
export async function pgBinary(tool) {
  binDirPromise ??= findBinDir();
  return path.join(await binDirPromise, tool);
}

async function findBinDir() {
  // Debian's pg_config (libpq-dev) can exist without the server: require initdb next to it.
  const pgConfig = which('pg_config');
  if (pgConfig) {
    const dir = (await run(pgConfig, ['--bindir'])).stdout.trim();
    if (fs.existsSync(path.join(dir, 'initdb'))) return dir;
  }
  const newestInstalled = () =>
    (fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql') : [])
      .filter((version) => fs.existsSync(`/usr/lib/postgresql/${version}/bin/initdb`))
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => `/usr/lib/postgresql/${version}/bin`)[0];
  if (!newestInstalled()) await aptInstall('postgresql', 'Postgres server binaries not found');
  const dir = newestInstalled();
  if (!dir)
    throw new InfraError('Postgres server binaries (initdb) still not found after installing postgresql');
  return dir;
}

/** Runs a Postgres binary as the postgres OS user when we are root. */
export async function pgTool(tool, args, options = {}) {
  const bin = await pgBinary(tool);
  // cwd '/': the postgres user may not be allowed into the caller's cwd (e.g. /root).
  const runOptions = { ...options, cwd: '/' };
  return isRoot()
    ? run('runuser', ['-u', OS_USER, '--', bin, ...args], runOptions)
    : run(bin, args, runOptions);
}

export async function psql(port, sql, database = 'postgres') {
  const bin = await pgBinary('psql');
  const args = ['-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER, '-d', database, '-XAtq', '-c', sql];
  return (await run(bin, args, { env: { PGCONNECT_TIMEOUT: '3' } })).stdout.trim();
}

let osUserIds;
async function osUser() {
  if (!osUserIds) {
    const id = async (flag) => Number((await run('id', [flag, OS_USER])).stdout.trim());
    try {
      osUserIds = { uid: await id('-u'), gid: await id('-g') };
    } catch {
      throw new InfraError(
        `running as root needs the "${OS_USER}" OS user to own the data; install postgresql`,
      );
    }
  }
  return osUserIds;
}

/** Makes `file` (or a new directory when `dir`) belong to whoever runs the server. */
export async function giveToServer(target, { dir = false } = {}) {
  if (dir) fs.mkdirSync(target, { recursive: true, mode: 0o700 });
  else if (!fs.existsSync(target)) fs.writeFileSync(target, '');
  if (!isRoot()) return;
  const { uid, gid } = await osUser();
  fs.chownSync(target, uid, gid);
}

/**
 * As root the server runs as `postgres`, which must be able to traverse every
 * folder above the data. A clone under `mktemp -d` (0700, root) blocks it, so
 * add only o+x to the blocking folders (no read access), saying so.
 */
export async function ensureTraversable(dir) {
  const canEnter = async (folder) =>
    (await run('runuser', ['-u', OS_USER, '--', 'test', '-x', folder], { allowFailure: true })).code === 0;
  if (await canEnter(dir)) return;
  const parts = dir.split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const folder = path.sep + parts.slice(0, i).join(path.sep);
    if (await canEnter(folder)) continue;
    fs.chmodSync(folder, fs.statSync(folder).mode | 0o001);
    log(`chmod o+x ${folder} (so the ${OS_USER} user can reach ${dir})`);
  }
}
