import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

/** Debian's chromium, which `npm test` installs (scripts/lib/chromium.mjs). */
const CHROMIUM = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';

/**
 * This machine's network is closed: without the background-networking flags Chromium's own
 * connections (updates, sync, QUIC probes) are refused and slow every page down.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface IdeBrowser {
  page: Page;
  /** Every URL the page requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile, removed again by close(). */
export async function openBrowser(): Promise<IdeBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'voltstream-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  return {
    page,
    requests,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
