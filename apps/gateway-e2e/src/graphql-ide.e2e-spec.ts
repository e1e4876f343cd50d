import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { dataOf, eventually, graphql } from '@voltstream/testing';
import { Page } from 'playwright-core';
import { quarterHourReadings, readConsumption, recordReadings, registerMeter, settings } from './energy-api';
import { startGateway } from './gateway-process';
import { IdeBrowser, openBrowser } from './ide-browser';
import { openSubscriptions } from './subscription-client';

const queryEditor = (page: Page) => page.locator('.graphiql-query-editor .CodeMirror');
const headersEditor = (page: Page) =>
  page.locator('section[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror');
const resultWindow = (page: Page) => page.locator('section[aria-label="Result Window"]');

/** Types an operation into GraphiQL's editor the way a developer does, and runs it. */
async function runInIde(page: Page, operation: string): Promise<void> {
  await queryEditor(page).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // CodeMirror closes brackets as they are typed and types over the closing one.
  await page.keyboard.type(operation);
  await page.getByRole('button', { name: /^Execute query/ }).click();
}

/** The result pane's text as the screen shows it, once it contains `expected`. */
async function resultShowing(page: Page, expected: string): Promise<string> {
  const result = resultWindow(page);
  await result
    .getByText(expected, { exact: false })
    .first()
    .waitFor({ timeout: 20_000 })
    .catch(() => undefined);
  return result.innerText();
}

interface TestUser {
  email: string;
  password: string;
  /** From `register`; the IDE signs in for a token of its own. */
  token: string;
}

async function registeredUser(): Promise<TestUser> {
  const email = `ide-${randomBytes(6).toString('hex')}@example.com`;
  const password = 'a passphrase for the IDE test';
  const registered = dataOf(
    await graphql<{ register: { accessToken: string } }>(
      settings.gatewayUrl,
      'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }',
      { input: { email, password, displayName: 'IDE user' } },
    ),
  );
  return { email, password, token: registered.register.accessToken };
}

/** Fills in the IDE's sign-in panel and waits for it to say it is done. */
async function signIn(page: Page, user: TestUser): Promise<void> {
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Email').fill(user.email);
  await form.getByLabel('Password').fill(user.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await form.getByText(`Signed in as ${user.email}`).waitFor({ timeout: 20_000 });
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function openIde(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await queryEditor(page).waitFor({ timeout: 30_000 });
}

describe('the GraphQL IDE of a development-mode gateway', () => {
  let browser: IdeBrowser;
  before(async () => {
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('runs { __typename } typed into the editor, with every file from the gateway itself', async () => {
    const { page, requests } = browser;
    await openIde(page, settings.gatewayUrl);
    await runInIde(page, '{ __typename }');
    assert.match(await resultShowing(page, '"Query"'), /"__typename": "Query"/);

    const origin = new URL(settings.gatewayUrl).origin;
    assert.ok(requests.length >= 5, `the page loaded its scripts: ${requests.join(', ')}`);
    assert.deepEqual(
      requests.filter((url) => new URL(url).origin !== origin),
      [],
      'no request leaves the gateway (no CDN)',
    );
    // The editor's schema is the one the gateway serves, subscriptions included.
    const schema = await (await fetch(new URL('/graphql-ide/schema.graphql', origin))).text();
    assert.match(schema, /type Subscription \{[^}]*feedUpdates: Activity!/);
  });

  it('signs in through its form, puts the bearer token into the headers, and runs { me } as that user', async () => {
    const user = await registeredUser();
    const { page } = browser;
    await openIde(page, settings.gatewayUrl);
    await signIn(page, user);

    const headers = await headersEditor(page).innerText();
    const token = /"authorization": "Bearer ([\w.-]+)"/.exec(headers)?.[1];
    assert.ok(token, `the headers editor holds a bearer token: ${headers}`);
    const me = dataOf(
      await graphql<{ me: { email: string } }>(settings.gatewayUrl, '{ me { email } }', {}, { token }),
    );
    assert.equal(me.me.email, user.email, 'the token is the signed-in user’s');

    await runInIde(page, '{ me { email } }');
    assert.match(await resultShowing(page, user.email), new RegExp(`"email": "${escaped(user.email)}"`));
  });

  it('runs a subscription over graphql-ws with the signed-in token and shows a new reading', async () => {
    const user = await registeredUser();
    const meter = await registerMeter(user.token);
    // The owner check on subscribe reads the meter from the read side.
    await readConsumption(user.token, meter.id, {
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-02T00:00:00Z',
      granularity: 'DAY',
      consistency: meter.consistencyToken,
    });
    const { page } = browser;
    await openIde(page, settings.gatewayUrl);
    await signIn(page, user);
    const before = await openSubscriptions();
    await runInIde(page, `subscription { meterReadings(meterId: "${meter.id}") { at kwh } }`);
    await eventually(
      async () => ((await openSubscriptions()) > before ? true : undefined),
      15_000,
      'the IDE’s subscription to open',
    );
    const [reading] = quarterHourReadings('2026-11-20T09:00:00Z', 1, 7);
    dataOf(await recordReadings(user.token, meter.id, [reading]));
    assert.match(await resultShowing(page, reading.at), new RegExp(`"at": "${escaped(reading.at)}"`));
  });
});

describe('a production-mode gateway', () => {
  it('serves no IDE: a browser’s GET on the GraphQL path gets no page, and the IDE’s files are not there', async () => {
    const gateway = await startGateway({ GRAPHQL_MODE: 'production' });
    try {
      const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
      const body = await page.text();
      assert.doesNotMatch(page.headers.get('content-type') ?? '', /text\/html/);
      assert.doesNotMatch(body, /graphiql/i);
      for (const file of ['graphiql.js', 'schema.graphql']) {
        const asset = await fetch(new URL(`/graphql-ide/${file}`, gateway.url));
        assert.equal(asset.status, 404, file);
      }
    } finally {
      await gateway.stop();
    }
  });
});
