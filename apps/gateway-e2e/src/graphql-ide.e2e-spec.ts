import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { dataOf, graphql } from '@voltstream/testing';
import { Page } from 'playwright-core';
import { settings } from './energy-api';
import { startGateway } from './gateway-process';
import { IdeBrowser, openBrowser } from './ide-browser';

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
  });

  it('signs in through its form, puts the bearer token into the headers, and runs { me } as that user', async () => {
    const email = `ide-${randomBytes(6).toString('hex')}@example.com`;
    const password = 'a passphrase for the IDE test';
    dataOf(
      await graphql(
        settings.gatewayUrl,
        'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }',
        {
          input: { email, password, displayName: 'IDE user' },
        },
      ),
    );
    const { page } = browser;
    await openIde(page, settings.gatewayUrl);
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.getByText(`Signed in as ${email}`).waitFor({ timeout: 20_000 });

    const headers = await headersEditor(page).innerText();
    const token = /"authorization": "Bearer ([\w.-]+)"/.exec(headers)?.[1];
    assert.ok(token, `the headers editor holds a bearer token: ${headers}`);
    const me = dataOf(
      await graphql<{ me: { email: string } }>(settings.gatewayUrl, '{ me { email } }', {}, { token }),
    );
    assert.equal(me.me.email, email, 'the token is the signed-in user’s');

    await runInIde(page, '{ me { email } }');
    assert.match(await resultShowing(page, email), new RegExp(`"email": "${email.replace(/\./g, '\\.')}"`));
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
      const script = await fetch(new URL('/graphql-ide/graphiql.js', gateway.url));
      assert.equal(script.status, 404);
    } finally {
      await gateway.stop();
    }
  });
});
