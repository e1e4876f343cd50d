// Suite identity: sign-in throughput, where hashing the password with scrypt (N = 2^15, r = 8,
// p = 1; apps/identity/src/accounts/password-hasher.ts) is most of the work. Logins go straight
// to the identity subgraph and through a gateway the suite starts itself with the login throttle
// and rate limits raised (perf/lib/gateway-process.mjs); the dev gateway on :4000 keeps its
// limits (10 attempts per account, 100 per address per 300 s) and is not used for load here.
import { randomBytes, scrypt } from 'node:crypto';
import { startGateway, gatewayLogNotes } from '../lib/gateway-process.mjs';
import { gql, userHeaders } from '../lib/graphql.mjs';
import { formatNumber, progress, runHttp, runInterleaved } from '../lib/runner.mjs';

/** The hasher's parameters (password-hasher.ts). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;
/** Accounts logged in round robin, so no account's throttle could matter. */
const ACCOUNTS = 50;
/** Concurrent connections tried for logins: the best is the scenario's row, all form the curve. */
const LOGIN_CURVE = [2, 4, 8];
const SCRYPT_CURVE = [1, 2];

const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { accessToken user { id } }
}`;
const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken expiresIn user { id } }
}`;
const ME = '{ me { id email displayName } }';

const hash = (password) =>
  new Promise((resolve, reject) =>
    scrypt(password, randomBytes(16), KEY_LENGTH, SCRYPT, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

/** Registers `count` accounts straight at identity, `concurrency` at a time. */
async function seedAccounts(url, runId, password, count, concurrency = 4) {
  const accounts = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const email = `perf-${runId}-login-${index}@example.com`;
      const data = await gql(url, {
        query: REGISTER,
        variables: { input: { email, password, displayName: `Perf login ${index}` } },
      });
      accounts[index] = { email, token: data.register.accessToken, id: data.register.user.id };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return accounts;
}

function mergeErrors(runs) {
  const merged = { non2xx: 0, graphql: 0, transport: 0, timeouts: 0, total: 0, samples: [] };
  for (const { errors } of runs) {
    for (const key of ['non2xx', 'graphql', 'transport', 'timeouts', 'total']) merged[key] += errors[key];
    merged.samples.push(...errors.samples);
  }
  merged.samples = merged.samples.slice(0, 3);
  return merged;
}

/**
 * Folds the runs of one scenario at several concurrencies into the scenario's row: the best run
 * (highest rate), with the whole curve in `metrics.curve` and errors summed over all runs.
 */
function curveRow(name, description, runs) {
  const best = runs.reduce((a, b) => (b.rps > a.rps ? b : a));
  const points = runs.map((r) => ({
    connections: r.connections,
    rps: r.rps,
    p50: r.latencyMs.p50,
    p95: r.latencyMs.p95,
    p99: r.latencyMs.p99,
    requests: r.requests,
    errors: r.errors.total,
    cpu: r.cpu?.groups ?? null,
  }));
  return {
    ...best,
    scenario: name,
    description,
    errors: mergeErrors(runs),
    metrics: { ...best.metrics, bestConnections: best.connections, curve: points },
    summary:
      `best at ${best.connections} conns; ` +
      points
        .map((p) => `${p.connections}: ${formatNumber(p.rps)}/s p99 ${formatNumber(p.p99)} ms`)
        .join(', '),
  };
}

const pct = (value) => `${Math.round(value * 100)} %`;

export default {
  name: 'identity',
  async run({ targets, timings, runId, onCleanup }) {
    const { connections, warmupSec, durationSec } = timings;
    const password = `perf-${runId}-passphrase`;

    progress(`identity: registering ${ACCOUNTS} accounts straight at ${targets.identity}`);
    const seedStarted = Date.now();
    const accounts = await seedAccounts(targets.identity, runId, password, ACCOUNTS);
    const seedMs = Date.now() - seedStarted;

    const gateway = await startGateway({ label: 'identity', onCleanup });
    const gateways = [gateway];
    let loginCount = 0;
    const loginBody = () => {
      const account = accounts[loginCount++ % accounts.length];
      return JSON.stringify({ query: LOGIN, variables: { email: account.email, password } });
    };
    // One real login through the spawned gateway: the raised throttle and the seeded password work.
    await gql(gateway.url, { body: loginBody() });

    const results = [];
    const headers = userHeaders();

    // The points of each curve, and the two login paths, are measured in turns (runInterleaved),
    // so load from outside the stack that comes and goes hits them alike.
    const rounds = durationSec >= 16 ? 4 : 2;
    const scryptRuns = await runInterleaved(
      SCRYPT_CURVE.map((concurrency) => ({
        name: `identity.scrypt-raw@${concurrency}`,
        concurrency,
        warmupSec: Math.min(warmupSec, 2),
        durationSec,
        op: () => hash(password),
      })),
      { rounds },
    );
    results.push(
      curveRow(
        'identity.scrypt-raw',
        `crypto.scrypt in the harness process with the hasher's parameters (N = 2^15, r = 8, p = 1, 32-byte ` +
          `key, random salt): hashes/s on ${SCRYPT_CURVE.join(' and ')} concurrent calls (libuv threadpool, ` +
          'default 4 threads). No HTTP, database or tokens: the ceiling of any login path on this machine.',
        scryptRuns,
      ),
    );

    const loginPaths = [
      ['identity.login-subgraph', targets.identity],
      ['identity.login-gateway', gateway.url],
    ];
    const loginConfigs = loginPaths.flatMap(([name, url]) =>
      LOGIN_CURVE.map((conns) => ({
        name: `${name}@${conns}`,
        url,
        connections: conns,
        warmupSec,
        durationSec,
        headers,
        nextBody: loginBody,
      })),
    );
    const loginRuns = await runInterleaved(loginConfigs, { rounds });
    const runsOf = (name) => loginRuns.filter((run) => run.scenario.startsWith(`${name}@`));
    results.push(
      curveRow(
        'identity.login-subgraph',
        `\`login(email, password)\` straight to identity (${targets.identity}), round robin over ${ACCOUNTS} ` +
          `accounts, at ${LOGIN_CURVE.join(', ')} connections: account lookup, one scrypt verify, an ES256 ` +
          'access token and a refresh token written to Postgres per request.',
        runsOf('identity.login-subgraph'),
      ),
    );
    results.push(
      curveRow(
        'identity.login-gateway',
        'The same logins through a gateway the suite starts itself (production mode, login throttle and rate ' +
          'limits raised to 100,000,000), which also counts every attempt in Redis (throttle and rate limit).',
        runsOf('identity.login-gateway'),
      ),
    );

    const by = Object.fromEntries(results.map((r) => [r.scenario, r]));
    const registerConnections = by['identity.login-gateway'].metrics.bestConnections;
    let registered = 0;
    const register = await runHttp({
      name: 'identity.register',
      description:
        `\`register\` of a new account (unique email per request) through the spawned gateway at ` +
        `${registerConnections} connections (the best login concurrency): one scrypt hash, an INSERT, ` +
        'and an access + refresh token per request.',
      url: gateway.url,
      connections: registerConnections,
      warmupSec,
      durationSec,
      headers,
      nextBody: () => {
        registered += 1;
        return JSON.stringify({
          query: REGISTER,
          variables: {
            input: {
              email: `perf-${runId}-reg-${registered}@example.com`,
              password,
              displayName: 'Perf register',
            },
          },
        });
      },
    });
    register.summary = `${formatNumber(register.rps)} registrations/s`;
    results.push(register);

    const me = await runHttp({
      name: 'identity.me-gateway',
      description:
        `\`${ME}\` with a valid access token through the spawned gateway at ${connections} connections: ` +
        'the token is verified in the gateway and in identity, plus one account read by id. No hashing: ' +
        'the baseline the login numbers compare with.',
      url: gateway.url,
      connections,
      warmupSec,
      durationSec,
      headers: userHeaders(accounts[0].token),
      body: JSON.stringify({ query: ME }),
    });
    results.push(me);

    // ---- comparisons ---------------------------------------------------------------------------
    const comparisons = [];
    const scryptRaw = by['identity.scrypt-raw'];
    const one = scryptRaw.metrics.curve.find((p) => p.connections === 1);
    const two = scryptRaw.metrics.curve.find((p) => p.connections === 2);
    const direct = by['identity.login-subgraph'];
    const viaGateway = by['identity.login-gateway'];
    const round2 = (v) => Math.round(v * 100) / 100;
    scryptRaw.summary = `1 call: ${formatNumber(one.rps)} hashes/s (p50 ${formatNumber(one.p50)} ms); 2 calls: ${formatNumber(two.rps)} hashes/s`;
    const hashCapacity = Math.max(one.rps, two.rps);
    const gatewayShare = direct.rps > 0 ? round2(viaGateway.rps / direct.rps) : null;
    const hashShare = hashCapacity > 0 ? round2(direct.rps / hashCapacity) : null;
    const hashShareGateway = hashCapacity > 0 ? round2(viaGateway.rps / hashCapacity) : null;
    const direct2 = direct.metrics.curve.find((p) => p.connections === 2);
    const latencyShare = direct2?.p50 ? round2(one.p50 / direct2.p50) : null;
    Object.assign(scryptRaw.metrics, { hashesPerSec1: one.rps, hashesPerSec2: two.rps, hashMsP50: one.p50 });
    Object.assign(direct.metrics, { hashCapacityShare: hashShare, hashLatencyShare: latencyShare });
    Object.assign(viaGateway.metrics, { directRatio: gatewayShare, hashCapacityShare: hashShareGateway });
    comparisons.push({
      a: viaGateway.scenario,
      b: direct.scenario,
      ratio: gatewayShare,
      text:
        `Login through the gateway: best ${formatNumber(viaGateway.rps)}/s (${viaGateway.connections} conns, p99 ` +
        `${formatNumber(viaGateway.latencyMs.p99)} ms) vs straight to identity ${formatNumber(direct.rps)}/s ` +
        `(${direct.connections} conns, p99 ${formatNumber(direct.latencyMs.p99)} ms): the gateway keeps ${pct(gatewayShare ?? 0)} of the direct rate.`,
    });
    comparisons.push({
      a: direct.scenario,
      b: scryptRaw.scenario,
      ratio: hashShare,
      text:
        `Hashing: scrypt alone does ${formatNumber(one.rps)} hashes/s on 1 call (${formatNumber(one.p50)} ms each) and ` +
        `${formatNumber(two.rps)}/s on 2. A login costs one hash, so the best direct login rate ` +
        `(${formatNumber(direct.rps)}/s) uses ${pct(hashShare ?? 0)} of the machine's hashing capacity: about that ` +
        `share of a login's CPU is the hash (${pct(hashShareGateway ?? 0)} through the gateway). By latency, one hash ` +
        `is ${pct(latencyShare ?? 0)} of a direct login's p50 at 2 connections (${formatNumber(direct2?.p50)} ms).`,
    });
    const meRatio = viaGateway.rps > 0 ? round2(me.rps / viaGateway.rps) : null;
    me.metrics.loginRatio = meRatio;
    me.summary = `${meRatio}× the login rate through the gateway`;
    comparisons.push({
      a: me.scenario,
      b: viaGateway.scenario,
      ratio: meRatio,
      text:
        `Without hashing: \`me\` (token verification + one account read) through the same gateway serves ` +
        `${formatNumber(me.rps)} req/s, ${meRatio}× the best login rate; registration (one hash + INSERT) ` +
        `${formatNumber(register.rps)}/s.`,
    });
    if (hashShare !== null && hashShare > 1.05) {
      comparisons.push({
        text:
          'Logins outran the raw hash rate measured here, which one hash per login rules out: the scrypt-raw ' +
          'figure is too low (disturbed, see the CPU section); rerun on a quiet machine.',
      });
    }
    viaGateway.summary = `${viaGateway.summary}; ${pct(gatewayShare ?? 0)} of direct`;
    direct.summary = `${direct.summary}; hash ≈ ${pct(hashShare ?? 0)} of the cost`;

    const curveTable = [
      '| connections | via gateway req/s | p50 ms | p99 ms | errors | straight to identity req/s | p50 ms | p99 ms | errors |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...LOGIN_CURVE.map((c) => {
        const g = viaGateway.metrics.curve.find((p) => p.connections === c);
        const d = direct.metrics.curve.find((p) => p.connections === c);
        return (
          `| ${c} | ${formatNumber(g.rps)} | ${formatNumber(g.p50)} | ${formatNumber(g.p99)} | ${g.errors} | ` +
          `${formatNumber(d.rps)} | ${formatNumber(d.p50)} | ${formatNumber(d.p99)} | ${d.errors} |`
        );
      }),
      '',
      '| concurrent scrypt calls | hashes/s | p50 ms | p99 ms |',
      '| ---: | ---: | ---: | ---: |',
      ...scryptRaw.metrics.curve.map(
        (p) =>
          `| ${p.connections} | ${formatNumber(p.rps)} | ${formatNumber(p.p50)} | ${formatNumber(p.p99)} |`,
      ),
    ];

    const setup = {
      accounts: ACCOUNTS,
      seededStraightToIdentityMs: seedMs,
      loginCurve: LOGIN_CURVE,
      roundsPerCurvePoint: rounds,
      loginsSent: loginCount,
      registrationsSent: registered,
      scrypt: { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, keyLength: KEY_LENGTH },
      identity: targets.identity,
      spawnedGateway: gateway.describe(),
    };
    await gateway.stop();
    return {
      setup,
      results,
      comparisons,
      sections: [{ title: 'Login and hashing by concurrency', lines: curveTable }],
      notes: [
        'Each login and scrypt row is the best of its concurrency curve (see the table); its errors are summed ' +
          'over every point of the curve, its CPU figures are those of the best point. The curve points and both ' +
          `login paths were measured in turns, ${rounds} slices each.`,
        'The load generator (autocannon), the spawned gateway, identity, Postgres and Redis share the machine, ' +
          'so the hashing share is a lower bound for identity alone: part of the CPU goes elsewhere.',
        ...gatewayLogNotes(gateways),
      ],
    };
  },
};
