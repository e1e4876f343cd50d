#!/usr/bin/env node
// The operator's dead-letter desk from a terminal, through the gateway as an ADMIN:
//   npm run dlq -- list [<projection>] [--status OPEN|REPLAYED|DISCARDED]
//   npm run dlq -- replay <projection> [<topic>/<partition>@<offset>]     (no letter: all, in order)
//   npm run dlq -- discard <projection> <topic>/<partition>@<offset> --reason "<why>"
// Signs in with VOLTSTREAM_ADMIN_TOKEN (an ADMIN's access token), or VOLTSTREAM_ADMIN_EMAIL and
// VOLTSTREAM_ADMIN_PASSWORD; talks to GATEWAY_URL (default: the running profile's gateway).
// Exit codes: 0 done, 1 refused or failed (the error is printed), 2 usage, 3 a replay still failed.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from './lib/run.mjs';

const USAGE = `usage:
  npm run dlq -- list [<projection>] [--status OPEN|REPLAYED|DISCARDED]
  npm run dlq -- replay <projection> [<topic>/<partition>@<offset>]
  npm run dlq -- discard <projection> <topic>/<partition>@<offset> --reason "<why>"`;

class UsageError extends Error {}

/** Field names per service come from libs/contracts, compiled: the same names the services serve. */
function contracts() {
  const compiled = join(root, 'dist/libs/contracts/src/index.js');
  if (!existsSync(compiled)) throw new Error('dist/ is missing: run `npm run build` (or `npm start`) first');
  return createRequire(import.meta.url)(compiled);
}

function parseArgs(argv) {
  const positional = [];
  const options = {};
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i].startsWith('--')) {
      const value = argv[i + 1];
      if (value === undefined) throw new UsageError(`${argv[i]} needs a value`);
      options[argv[i].slice(2)] = value;
      i += 1;
    } else positional.push(argv[i]);
  }
  return { command: positional[0], args: positional.slice(1), options };
}

/** `energy.events/0@42` → { topic, partition, offset }. */
function parseLetter(text) {
  const match = /^(.+)\/(\d+)@(\d+)$/.exec(text ?? '');
  if (!match) throw new UsageError(`a letter is <topic>/<partition>@<offset>, not ${JSON.stringify(text)}`);
  return { topic: match[1], partition: Number(match[2]), offset: match[3] };
}

async function gatewayUrl() {
  if (process.env.GATEWAY_URL) return process.env.GATEWAY_URL;
  const { gatewayUrl: of } = await import('./lib/apps.mjs');
  return of(process.env.VOLTSTREAM_PROFILE || 'dev');
}

async function call(url, token, query, variables = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({}));
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new Error(`${first.extensions?.code ?? response.status}: ${first.message}`);
  }
  if (!body.data) throw new Error(`the gateway answered ${response.status} without data`);
  return body.data;
}

async function adminToken(url) {
  if (process.env.VOLTSTREAM_ADMIN_TOKEN) return process.env.VOLTSTREAM_ADMIN_TOKEN;
  const email = process.env.VOLTSTREAM_ADMIN_EMAIL;
  const password = process.env.VOLTSTREAM_ADMIN_PASSWORD;
  if (!email || !password)
    throw new Error('set VOLTSTREAM_ADMIN_TOKEN, or VOLTSTREAM_ADMIN_EMAIL and VOLTSTREAM_ADMIN_PASSWORD');
  const data = await call(
    url,
    undefined,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: password },
  );
  return data.login.accessToken;
}

const LETTER = 'topic partition offset key reason error ageSeconds status parked resolvedBy resolution';

/** Every service's projections, each with the service that runs it. */
async function projections(url, token, status) {
  const { SERVICES_WITH_PROJECTIONS, deadLetterFieldsOf } = contracts();
  const selection = SERVICES_WITH_PROJECTIONS.map(
    (service) =>
      `${deadLetterFieldsOf(service).projections} { name waiting parked deadLetters(status: $status, first: 500) { ${LETTER} } }`,
  ).join('\n');
  const data = await call(url, token, `query($status: DeadLetterStatus) { ${selection} }`, { status });
  return SERVICES_WITH_PROJECTIONS.flatMap((service) =>
    data[deadLetterFieldsOf(service).projections].map((projection) => ({ ...projection, service })),
  );
}

const age = (seconds) =>
  seconds < 120
    ? `${seconds}s`
    : seconds < 7200
      ? `${Math.round(seconds / 60)}m`
      : `${Math.round(seconds / 3600)}h`;

function printLetter(letter) {
  const where = `${letter.topic}/${letter.partition}@${letter.offset}`;
  const resolved =
    letter.status === 'OPEN' ? `parked ${letter.parked}` : `by ${letter.resolvedBy}: ${letter.resolution}`;
  console.log(`    ${where}  ${letter.status}  ${letter.reason}  ${age(letter.ageSeconds)} old  ${resolved}`);
  console.log(`      ${letter.error}`);
}

async function owner(url, token, name) {
  const found = (await projections(url, token, 'OPEN')).find((p) => p.name === name);
  if (!found) throw new UsageError(`no projection named ${name}: \`npm run dlq -- list\` shows them`);
  return found.service;
}

function printRelease(release) {
  console.log(
    `${release.projection}: ${release.resolved} dead letter(s) resolved, ${release.applied} event(s) applied`,
  );
  if (release.stillFailing.length === 0) return 0;
  console.log(`${release.stillFailing.length} still failing, nothing of them changed:`);
  for (const { letter, error } of release.stillFailing) {
    printLetter(letter);
    console.log(`      now: ${error}`);
  }
  return 3;
}

const RELEASE = `projection resolved applied stillFailing { letter { ${LETTER} } error }`;

async function main() {
  const { command, args, options } = parseArgs(process.argv.slice(2));
  const url = await gatewayUrl();
  if (command === 'list') {
    const status = (options.status ?? 'OPEN').toUpperCase();
    const token = await adminToken(url);
    const all = (await projections(url, token, status)).filter((p) => !args[0] || p.name === args[0]);
    if (args[0] && all.length === 0) throw new UsageError(`no projection named ${args[0]}`);
    for (const projection of all) {
      console.log(
        `${projection.name} (${projection.service}): ${projection.waiting} waiting, ${projection.parked} parked`,
      );
      for (const letter of projection.deadLetters) printLetter(letter);
    }
    return 0;
  }
  if (command === 'replay' || command === 'discard') {
    const [name, letterText] = args;
    if (!name) throw new UsageError(`${command} needs a projection`);
    const letter = letterText === undefined && command === 'replay' ? null : parseLetter(letterText);
    if (command === 'discard' && !options.reason) throw new UsageError('discard needs --reason "<why>"');
    const token = await adminToken(url);
    const fields = contracts().deadLetterFieldsOf(await owner(url, token, name));
    const data =
      command === 'replay'
        ? await call(
            url,
            token,
            `mutation($p: String!, $l: DeadLetterRef) { r: ${fields.replay}(projection: $p, letter: $l) { ${RELEASE} } }`,
            { p: name, l: letter },
          )
        : await call(
            url,
            token,
            `mutation($p: String!, $l: DeadLetterRef!, $why: String!) { r: ${fields.discard}(projection: $p, letter: $l, reason: $why) { ${RELEASE} } }`,
            { p: name, l: letter, why: options.reason },
          );
    return printRelease(data.r);
  }
  throw new UsageError(command ? `unknown command ${command}` : 'which command?');
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`dlq: ${error.message}`);
    if (error instanceof UsageError) console.error(USAGE);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
