// Suite gateway: what the gateway itself costs. Its floor (`{ __typename }`, no subgraph), the
// hop (the same `me` query straight to identity and through the gateway), and two of its
// settings switched off in gateways the suite starts itself (perf/lib/gateway-process.mjs):
// the query plan cache (QUERY_PLAN_CACHE=on|off) and automatic persisted queries
// (PERSISTED_QUERIES=apq|off), measured with a moderately large cross-subgraph query.
import { createHash } from 'node:crypto';
import { gatewayLogNotes, startGateway } from '../lib/gateway-process.mjs';
import {
  GraphQLError,
  gql,
  recordReadingsBody,
  registerMeter,
  signUp,
  userHeaders,
  waitForToken,
} from '../lib/graphql.mjs';
import { formatNumber, progress, runHttp, runInterleaved, warmUp } from '../lib/runner.mjs';

const ME = '{ me { id email displayName } }';

/**
 * A customer's dashboard: the user twice (plain and aliased), every meter with its owner (an
 * entity fetch back to identity) and three consumption pages. Three subgraph fetches (identity
 * and energy-query in parallel, then identity's `_entities`), 8 aliases (limit 30), depth 5
 * (limit 12), about 0.8 KB of text: enough for validation and planning to show, while the data
 * stays small (one meter, one day of readings).
 */
export const DASHBOARD = `query Dashboard($from: DateTime!, $to: DateTime!) {
  me { id email displayName roles createdAt }
  profile: me { userId: id contact: email name: displayName since: createdAt }
  myMeters {
    id
    serialNumber
    timezone
    intervalMinutes
    createdAt
    owner { id email displayName roles createdAt }
    latestReading { at kwh }
    daily: consumption(from: $from, to: $to, granularity: DAY, first: 31) {
      totalKwh
      nodes { start end kwh readings }
      pageInfo { hasNextPage endCursor }
    }
    hourly: consumption(from: $from, to: $to, granularity: HOUR, first: 24) {
      totalKwh
      nodes { start end kwh readings }
      pageInfo { hasNextPage endCursor }
    }
    monthly: consumption(from: $from, to: $to, granularity: MONTH, first: 12) {
      totalKwh
      nodes { start end kwh readings }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

const INTERVAL_MS = 15 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

/** Bytes a request takes on the wire as autocannon writes it: request line, headers, body. */
function requestBytes({ method, url, path, headers, body = '' }) {
  const { host } = new URL(url);
  const all = { host, ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) };
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(all)
    .map(([key, value]) => `${key}: ${value}\r\n`)
    .join('')}\r\n`;
  return Buffer.byteLength(head) + Buffer.byteLength(body);
}

/** Gateway CPU per request in ms, from the CPU sample of the scenario's own spawned gateway. */
function gatewayCpuMs(result, gateway) {
  const pct = result.cpu?.groups?.[`gateway (perf ${gateway.label})`];
  if (pct === undefined || !(result.rps > 0)) return null;
  return Math.round(((pct / 100) * 1000 * 100) / result.rps) / 100;
}

/** The first error code of a response, or null when it carried data. */
async function errorCode(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    if (error instanceof GraphQLError) return error.code ?? error.message;
    throw error;
  }
}

export default {
  name: 'gateway',
  async run({ targets, timings, runId, onCleanup }) {
    const { connections, warmupSec, durationSec } = timings;
    // Compared scenarios are measured in turns, in this many slices each (runInterleaved).
    const rounds = durationSec >= 16 ? 4 : 2;
    const gateways = [];
    const spawn = async (label, env) => {
      const gateway = await startGateway({ label, env, onCleanup });
      gateways.push(gateway);
      return gateway;
    };
    /** A runHttp scenario on `gateway` (null: a subgraph directly), remembered for the byte count. */
    const scenario = (gateway, config) => ({ connections, warmupSec, durationSec, gateway, ...config });
    const finish = (config, result) => {
      result.metrics.requestBytes = requestBytes({
        method: config.method ?? 'POST',
        url: config.url,
        path: config.path ?? new URL(config.url).pathname,
        headers: config.headers,
        body: config.body,
      });
      result.metrics.responseBytes =
        result.requests > 0 && result.bytesReceived
          ? Math.round(result.bytesReceived / result.requests)
          : null;
      if (config.gateway) {
        result.metrics.gateway = config.gateway.label;
        result.metrics.gatewayCpuMsPerRequest = gatewayCpuMs(result, config.gateway);
      }
      return result;
    };
    const interleaved = async (configs) =>
      (await runInterleaved(configs, { rounds })).map((result, index) => finish(configs[index], result));
    const describeCpu = (r) =>
      r.metrics.gatewayCpuMsPerRequest === null || r.metrics.gatewayCpuMsPerRequest === undefined
        ? ''
        : `gateway CPU ${formatNumber(r.metrics.gatewayCpuMsPerRequest)} ms/req`;

    // Three gateways, all up for the whole suite (an idle one costs nothing): the defaults,
    // stated explicitly; no plan cache; no persisted queries.
    const standard = await spawn('standard', { QUERY_PLAN_CACHE: 'on', PERSISTED_QUERIES: 'apq' });
    const noPlanCache = await spawn('no-plan-cache', { QUERY_PLAN_CACHE: 'off', PERSISTED_QUERIES: 'apq' });
    const noApq = await spawn('no-apq', { QUERY_PLAN_CACHE: 'on', PERSISTED_QUERIES: 'off' });

    progress('gateway: registering a customer and a meter with one day of readings');
    const token = await signUp(targets.identity, runId);
    const meter = await registerMeter(standard.url, token, `perf-${runId}-dashboard`);
    const end = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
    const readings = Array.from({ length: DAY_MS / INTERVAL_MS }, (_, i) => ({
      at: new Date(end - (DAY_MS / INTERVAL_MS - 1 - i) * INTERVAL_MS).toISOString(),
      kwh: (50 + ((i * 37) % 450)) / 1000,
    }));
    const recorded = await gql(standard.url, { body: recordReadingsBody(meter.id, readings), token });
    await waitForToken(standard.url, token, meter.id, recorded.recordReadings.consistencyToken);
    const to = new Date(Math.ceil(end / DAY_MS) * DAY_MS);
    const variables = { from: new Date(to.getTime() - 2 * DAY_MS).toISOString(), to: to.toISOString() };
    const sha256Hash = createHash('sha256').update(DASHBOARD).digest('hex');
    const persistedQuery = { persistedQuery: { version: 1, sha256Hash } };
    const fullBody = JSON.stringify({ operationName: 'Dashboard', query: DASHBOARD, variables });
    const hashBody = JSON.stringify({ operationName: 'Dashboard', variables, extensions: persistedQuery });
    const hashPath =
      `${new URL(standard.url).pathname}?operationName=Dashboard` +
      `&variables=${encodeURIComponent(JSON.stringify(variables))}` +
      `&extensions=${encodeURIComponent(JSON.stringify(persistedQuery))}`;
    const headers = userHeaders(token);
    // A GET must show Apollo's CSRF prevention it is not a simple browser request.
    const getHeaders = { authorization: headers.authorization, 'apollo-require-preflight': 'true' };

    const sample = await gql(standard.url, { body: fullBody, token });
    const dashboard = sample.myMeters?.[0];
    if (!sample.me?.id || dashboard?.id !== meter.id || dashboard.owner?.id !== sample.me.id) {
      throw new Error(`the dashboard query answers unexpectedly: ${JSON.stringify(sample).slice(0, 300)}`);
    }
    // APQ: unknown hash → PERSISTED_QUERY_NOT_FOUND; register (hash + text); then hash only works.
    const apqBeforeRegistering = await errorCode(gql(standard.url, { body: hashBody, token }));
    await gql(standard.url, {
      body: JSON.stringify({
        operationName: 'Dashboard',
        query: DASHBOARD,
        variables,
        extensions: persistedQuery,
      }),
      token,
    });
    const apqAfterRegistering = await errorCode(gql(standard.url, { body: hashBody, token }));
    if (apqAfterRegistering !== null) {
      throw new Error(`the gateway does not run the registered persisted query: ${apqAfterRegistering}`);
    }
    const apqOffProbe = await errorCode(gql(noApq.url, { body: hashBody, token }));

    // Each gateway first serves the dashboard query, unmeasured, for three times the warm-up
    // (at least 6 s), so the three reach the dashboard scenarios equally warm: a fresh gateway
    // needs a few hundred requests before its CPU per request settles (JIT).
    const primeSec = Math.max(6, 3 * warmupSec);
    for (const gateway of gateways) {
      await warmUp(
        { name: `gateway ${gateway.label}`, url: gateway.url, connections, headers, body: fullBody },
        primeSec,
      );
    }

    const results = [];
    const floorConfig = scenario(standard, {
      name: 'gateway.floor',
      description:
        '`{ __typename }` on the spawned gateway with the default settings, no token: answered by the gateway ' +
        'without a subgraph call, so this is its own HTTP + GraphQL pipeline (parse cache, rate-limit charge in ' +
        'Redis, operation limits, serialisation).',
      url: standard.url,
      headers: userHeaders(),
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const floor = finish(floorConfig, await runHttp(floorConfig));
    results.push(floor);

    const meBody = JSON.stringify({ query: ME });
    const [meDirect, meGateway] = await interleaved([
      scenario(null, {
        name: 'gateway.me-direct',
        description: `\`${ME}\` with a valid access token straight to identity (${targets.identity}).`,
        url: targets.identity,
        headers,
        body: meBody,
      }),
      scenario(standard, {
        name: 'gateway.me-via-gateway',
        description:
          'The same request through the spawned gateway: token verified in the gateway too, rate-limit charge, ' +
          'plan from the cache, one fetch to identity, the answer re-serialised. Measured in turns with me-direct.',
        url: standard.url,
        headers,
        body: meBody,
      }),
    ]);
    results.push(meDirect, meGateway);

    const [planOn, planOff, apqGet, apqPost, apqOff] = await interleaved([
      scenario(standard, {
        name: 'gateway.plan-cache-on',
        description:
          `The dashboard query (${formatNumber(Buffer.byteLength(DASHBOARD))} bytes of text; \`me\` twice, ` +
          '`myMeters` with `owner` from identity and three consumption pages: three subgraph fetches) sent in ' +
          'full as a POST to the spawned gateway with QUERY_PLAN_CACHE=on and PERSISTED_QUERIES=apq (the defaults).',
        url: standard.url,
        headers,
        body: fullBody,
      }),
      scenario(noPlanCache, {
        name: 'gateway.plan-cache-off',
        description:
          'The dashboard query sent in full to a gateway with QUERY_PLAN_CACHE=off: every request is planned ' +
          'again (parsing and validation stay cached by Apollo Server).',
        url: noPlanCache.url,
        headers,
        body: fullBody,
      }),
      scenario(standard, {
        name: 'gateway.apq-on',
        description:
          'The dashboard query as an automatic persisted query: registered once (hash + text), then only ' +
          '`extensions.persistedQuery.sha256Hash` and the variables as a GET query string (the gateway reads the ' +
          'text from its Redis APQ cache), on the same gateway as plan-cache-on.',
        url: standard.url,
        method: 'GET',
        path: hashPath,
        headers: getHeaders,
      }),
      scenario(standard, {
        name: 'gateway.apq-on-post',
        description: 'The same hash-only request as a POST with a JSON body.',
        url: standard.url,
        headers,
        body: hashBody,
      }),
      scenario(noApq, {
        name: 'gateway.apq-off',
        description:
          'The dashboard query sent in full to a gateway with PERSISTED_QUERIES=off (a hash-only request is ' +
          'refused there): the baseline for apq-on.',
        url: noApq.url,
        headers,
        body: fullBody,
      }),
    ]);
    results.push(planOn, planOff, apqGet, apqPost, apqOff);
    for (const gateway of gateways) await gateway.stop();

    // ---- comparisons -------------------------------------------------------------------------
    const ratio = (a, b) => (a?.rps > 0 && b?.rps > 0 ? Math.round((a.rps / b.rps) * 100) / 100 : null);
    const comparisons = [];
    floor.summary = describeCpu(floor);
    const hop = ratio(meDirect, meGateway);
    meDirect.summary = `${hop}× the rate through the gateway`;
    meGateway.summary = describeCpu(meGateway);
    comparisons.push({
      a: meGateway.scenario,
      b: meDirect.scenario,
      ratio: hop,
      text:
        `Gateway hop: \`me\` straight to identity ${formatNumber(meDirect.rps)} req/s (p99 ${formatNumber(meDirect.latencyMs.p99)} ms) ` +
        `vs through the gateway ${formatNumber(meGateway.rps)} req/s (p99 ${formatNumber(meGateway.latencyMs.p99)} ms): direct is ${hop}×; ` +
        `the gateway's floor is ${formatNumber(floor.rps)} req/s.`,
    });
    const plan = ratio(planOn, planOff);
    planOn.summary = [describeCpu(planOn), `${formatNumber(planOn.metrics.requestBytes)} B sent/req`]
      .filter(Boolean)
      .join('; ');
    planOff.summary = [describeCpu(planOff), `plan cache on does ${plan}× this rate`]
      .filter(Boolean)
      .join('; ');
    const cpuDelta =
      planOff.metrics.gatewayCpuMsPerRequest !== null && planOn.metrics.gatewayCpuMsPerRequest !== null
        ? Math.round((planOff.metrics.gatewayCpuMsPerRequest - planOn.metrics.gatewayCpuMsPerRequest) * 100) /
          100
        : null;
    comparisons.push({
      a: planOff.scenario,
      b: planOn.scenario,
      ratio: plan,
      text:
        `Query plan cache: on ${formatNumber(planOn.rps)} req/s (p50 ${formatNumber(planOn.latencyMs.p50)} ms) vs off ` +
        `${formatNumber(planOff.rps)} req/s (p50 ${formatNumber(planOff.latencyMs.p50)} ms): ${plan}×` +
        (cpuDelta === null
          ? '.'
          : `; planning the dashboard query costs the gateway about ${formatNumber(cpuDelta)} ms of CPU per request.`),
    });
    for (const r of [apqGet, apqPost]) {
      r.summary = [describeCpu(r), `${formatNumber(r.metrics.requestBytes)} B sent/req`]
        .filter(Boolean)
        .join('; ');
    }
    apqOff.summary = [describeCpu(apqOff), `${formatNumber(apqOff.metrics.requestBytes)} B sent/req`]
      .filter(Boolean)
      .join('; ');
    const apq = ratio(apqGet, apqOff);
    const apqPostRatio = ratio(apqPost, apqOff);
    const apqSameProcess = ratio(apqGet, planOn);
    const bytesShare = Math.round((apqGet.metrics.requestBytes / apqOff.metrics.requestBytes) * 100);
    const postBytesShare = Math.round((apqPost.metrics.requestBytes / apqOff.metrics.requestBytes) * 100);
    Object.assign(apqGet.metrics, { apqOffRatio: apq, fullTextSameGatewayRatio: apqSameProcess });
    apqPost.metrics.apqOffRatio = apqPostRatio;
    comparisons.push({
      a: apqGet.scenario,
      b: apqOff.scenario,
      ratio: apq,
      text:
        `Persisted queries: hash-only GET ${formatNumber(apqGet.rps)} req/s with ${formatNumber(apqGet.metrics.requestBytes)} B sent per request ` +
        `(${bytesShare} %), hash-only POST ${formatNumber(apqPost.rps)} req/s with ${formatNumber(apqPost.metrics.requestBytes)} B (${postBytesShare} %), ` +
        `vs the full query on a gateway with APQ off ${formatNumber(apqOff.rps)} req/s with ${formatNumber(apqOff.metrics.requestBytes)} B: ` +
        `${apq}× (POST ${apqPostRatio}×) the rate. On the same gateway process, hash-only GET vs full text (plan-cache-on, ` +
        `${formatNumber(planOn.rps)} req/s): ${apqSameProcess}×.`,
    });

    const ORDER = [
      'gateway.floor',
      'gateway.me-direct',
      'gateway.me-via-gateway',
      'gateway.plan-cache-on',
      'gateway.plan-cache-off',
      'gateway.apq-on',
      'gateway.apq-on-post',
      'gateway.apq-off',
    ];
    results.sort((a, b) => ORDER.indexOf(a.scenario) - ORDER.indexOf(b.scenario));
    const byteTable = [
      '| scenario | gateway | bytes sent/request | bytes received/request | req/s | gateway CPU ms/request |',
      '| --- | --- | ---: | ---: | ---: | ---: |',
      ...results.map(
        (r) =>
          `| ${r.scenario} | ${r.metrics.gateway ?? '(identity direct)'} | ${formatNumber(r.metrics.requestBytes)} | ` +
          `${formatNumber(r.metrics.responseBytes)} | ${formatNumber(r.rps)} | ${formatNumber(r.metrics.gatewayCpuMsPerRequest)} |`,
      ),
    ];
    const ignored = [...new Set(gateways.flatMap((g) => g.describe().ignoredByThisBuild))];
    const notes = [
      'Every gateway here is one the suite starts itself (production mode, rate limits and login throttle raised ' +
        "to 100,000,000, the dev stack's subgraphs and Redis); the dev gateway on :4000 only answers the " +
        "harness's first check. All three run for the whole suite; only one is under load at a time.",
      "Gateway CPU ms/request is the spawned gateway's CPU time during the measured run divided by its requests; " +
        'the load generator (autocannon, in the harness) shares the two CPUs with it and the subgraphs.',
      ...gatewayLogNotes(gateways),
    ];
    const apqMisses = [apqGet, apqPost].filter((r) =>
      r.errors.samples.some((sample) => sample.includes('PERSISTED_QUERY_NOT_FOUND')),
    );
    if (apqMisses.length) {
      notes.push(
        `PERSISTED_QUERY_NOT_FOUND during ${apqMisses.map((r) => r.scenario).join(', ')} although the hash was ` +
          "registered: the gateway's Redis lookup failed (see its log, e.g. 'Command timed out') and reads as a " +
          'miss by design; an APQ client would then resend the full query.',
      );
    }
    if (ignored.length) {
      notes.push(
        `This build of the gateway does not read ${ignored.join(', ')} (dist/apps/gateway/src/config.js): the ` +
          'variants ran with its defaults for those, so their comparisons are not meaningful; rebuild and rerun.',
      );
    }
    return {
      setup: {
        query: { operationName: 'Dashboard', bytes: Buffer.byteLength(DASHBOARD), sha256Hash, variables },
        primeSecPerGateway: primeSec,
        roundsPerComparedScenario: rounds,
        meterId: meter.id,
        readings: readings.length,
        answerBytes: JSON.stringify(sample).length,
        apqProbe: {
          beforeRegistering: apqBeforeRegistering,
          afterRegistering: apqAfterRegistering ?? 'ok',
          onGatewayWithApqOff: apqOffProbe ?? 'ok (not refused!)',
        },
        gateways: gateways.map((g) => g.describe()),
      },
      results,
      comparisons,
      sections: [{ title: 'Bytes and gateway CPU per request', lines: byteTable }],
      notes,
    };
  },
};
