// A node:test reporter that writes one JSON line of counts: leaf tests only (suites are not
// tests), so the closing line counts what really ran.
export default async function* countingReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    if (data.details?.type === 'suite') {
      // A suite fails without a failing test when its hooks throw: count that as a failure.
      if (event.type === 'test:fail' && data.details?.error?.failureType === 'hookFailed') {
        counts.failed += 1;
        counts.failures.push(`${data.name}: hook failed`);
      }
      continue;
    }
    if (data.skip || data.todo) counts.skipped += 1;
    else if (event.type === 'test:pass') counts.passed += 1;
    else {
      counts.failed += 1;
      counts.failures.push(`${data.file ?? ''} › ${data.name}`);
    }
  }
  yield `${JSON.stringify(counts)}\n`;
}
