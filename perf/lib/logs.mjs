// What the local stack logged while the harness ran: warnings and errors per log file in
// .data/<profile>/logs/, read from where each file ended when the run started.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { profileDir } from './targets.mjs';

const PROBLEM = /"level":"(warn|error|fatal)"|\b(ERROR|FATAL|PANIC|WARNING|WARN)\b/;

export class LogWatch {
  constructor() {
    const dir = profileDir();
    this.dir = dir ? join(dir, 'logs') : null;
    this.offsets = new Map();
    if (!this.dir) return;
    try {
      for (const name of readdirSync(this.dir).filter((n) => n.endsWith('.log'))) {
        this.offsets.set(name, statSync(join(this.dir, name)).size);
      }
    } catch {
      this.dir = null;
    }
  }

  /** `{ file: { problems, samples[] } }` for files with warnings or errors since the start. */
  problems() {
    if (!this.dir) return {};
    const result = {};
    for (const name of readdirSync(this.dir).filter((n) => n.endsWith('.log'))) {
      const file = join(this.dir, name);
      let from = this.offsets.get(name) ?? 0;
      const size = statSync(file).size;
      if (size < from) from = 0; // the file was truncated or replaced: read it all
      if (size === from) continue;
      const length = Math.min(size - from, 32 * 1024 * 1024);
      const buffer = Buffer.alloc(length);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, buffer, 0, length, from);
      } finally {
        closeSync(fd);
      }
      const lines = buffer
        .toString('utf8')
        .split('\n')
        .filter((line) => PROBLEM.test(line));
      if (lines.length === 0) continue;
      const distinct = [...new Set(lines.map((line) => line.replace(/"time":"[^"]*",?/, '').slice(0, 400)))];
      result[name] = { problems: lines.length, samples: distinct.slice(0, 5) };
    }
    return result;
  }
}
