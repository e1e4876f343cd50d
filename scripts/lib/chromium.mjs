// The GraphQL IDE's end-to-end test drives a real browser: Debian's chromium, installed once
// (apt-get, like the infrastructure's packages) and found at the same path afterwards.
import { existsSync } from 'node:fs';
import { aptInstall, elapsed } from '../../infra/local/processes.mjs';

/** Where the e2e suite looks for Chromium; CHROMIUM_PATH points elsewhere (another distribution). */
export const chromiumPath = () => process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function ensureChromium() {
  const path = chromiumPath();
  if (existsSync(path)) return;
  const started = Date.now();
  await aptInstall('chromium', `the GraphQL IDE test needs Chromium, not found at ${path}`);
  if (!existsSync(path)) throw new Error(`chromium installed, but there is still nothing at ${path}`);
  console.error(`install: chromium installed in ${elapsed(started)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureChromium().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
