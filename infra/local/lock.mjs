// A per-profile lock, so parallel callers (test workers each calling up())
// take turns instead of both running initdb or starting the same broker.
import fs from 'node:fs';
import path from 'node:path';
import { InfraError, isAlive, log, readPidFile, sleep } from './processes.mjs';

/** Runs `fn` holding an exclusive lock file; a lock left by a dead pid is taken over. */
export async function withLock(file, fn, timeoutMs = 300_000) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = readPidFile(file);
      if (!isAlive(holder)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new InfraError(
          `pid ${holder} still holds ${file}; delete it if that process is not an infra command`,
        );
      }
      if (!announced) log(`waiting for another infra command (pid ${holder}) to finish`);
      announced = true;
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    if (readPidFile(file) === process.pid) fs.rmSync(file, { force: true });
  }
}
