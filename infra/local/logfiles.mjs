// Reading the servers' log files, so that a one-line error can quote the reason.
import fs from 'node:fs';

/** The last `count` meaningful lines of `text`. */
export function lastLines(text, count) {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      // Java stack frames bury the exception message that explains the failure.
      .filter((line) => line && !/^(at |\.\.\. \d+ more)/.test(line))
      .slice(-count)
  );
}

/** " (last lines: ...)" from a log file, to make a one-line error actionable. */
export function logTail(file, count = 3) {
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(Math.min(size, 8192));
    fs.readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    fs.closeSync(fd);
    const lines = lastLines(buffer.toString('utf8'), count);
    return lines.length ? ` (last lines: ${lines.join(' | ')})` : '';
  } catch {
    return '';
  }
}

/** What a log file gained since byte `offset` (the current start attempt's lines). */
export function logSince(file, offset) {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(Math.max(0, fs.fstatSync(fd).size - offset));
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      return buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** Size of a log file now, to later read only what a start attempt wrote. */
export function logOffset(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
