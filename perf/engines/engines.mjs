// Suite gateway-engines: which federation engine should the gateway run on? In one run, on the
// supergraph the build composed and the same running subgraphs, side by side as child processes:
// a bare Apollo Server (`{ hello }`, the floor of any Node GraphQL server here), plain
// @apollo/gateway (header forwarding only), our gateway (dist/apps/gateway, with its guard),
// Hive Gateway with its default planner and Hive Gateway with Hive Router's Rust query planner.
// Every scenario sends distinct requests (users or `from` vary per request), so Hive Gateway's
// deduplication of identical in-flight subgraph requests cannot help; one scenario sends
// identical requests on purpose and counts the subgraph calls, to show deduplication on its own.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import {
  consumptionBody as consumptionBodyFor,
  seed as seedConsumptionMeter,
} from '../energy-query/consumption.mjs';
import { DASHBOARD } from '../gateway/overhead.mjs';
import { gatewayLogNotes, GATEWAY_MAIN, stackEnv, startGateway } from '../lib/gateway-process.mjs';
import { gql, recordReadingsBody, registerMeter, signUp, waitForToken } from '../lib/graphql.mjs';
import { nameProcess } from '../lib/cpu.mjs';
import { repoRoot } from '../lib/paths.mjs';
import { profileDir } from '../lib/targets.mjs';
import { formatNumber, progress, runHttp, runInterleaved, warmUp } from '../lib/runner.mjs';
import { rssMb, startEngine } from './engine-process.mjs';
import { enginesRoot, ensureEnginesInstalled } from './install.mjs';
import { fanOut } from './fan-out.mjs';

const ME = '{ me { id email displayName } }';
/** Customers of the run, each with a meter: `me` and the dashboard rotate over them. */
const USERS = 40;
/** Distinct `from` values the warm consumption scenario cycles through (all cached first). */
const DISTINCT_FROMS = 1000;
const INTERVAL_MS = 15 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

const server = (name) => join(enginesRoot, 'servers', name);

/** The composed supergraph with each subgraph's URL as the running stack has it (`<NAME>_URL`). */
function supergraphForStack(env, dir) {
  const source = process.env.SUPERGRAPH_PATH || join(repoRoot, 'dist/apps/gateway/src/supergraph.graphql');
  let sdl;
  try {
    sdl = readFileSync(source, 'utf8');
  } catch {
    throw new Error(`no supergraph at ${source}: run \`npm run build\` first`);
  }
  const urls = {};
  const rewritten = sdl.replace(
    /@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g,
    (_match, name, composed) => {
      const url = env[`${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`] || composed;
      urls[name] = url;
      return `@join__graph(name: "${name}", url: "${url}")`;
    },
  );
  const path = join(dir, 'supergraph.graphql');
  writeFileSync(path, rewritten);
  return { source, path, urls };
}

/**
 * Names this stack's processes of `apps` for the CPU report ("<app> (this stack)"), from the pid
 * files `npm start` writes; an app without one keeps the shared group name.
 */
function nameStackSubgraphs(apps) {
  const dir = profileDir();
  const groups = {};
  for (const app of apps) {
    groups[app] = app;
    if (!dir) continue;
    try {
      const pid = Number(readFileSync(join(dir, 'pids', `${app}.pid`), 'utf8').trim());
      if (pid > 0) {
        nameProcess(pid, `${app} (this stack)`);
        groups[app] = `${app} (this stack)`;
      }
    } catch {
      // not started by `npm start` of this clone: CPU stays grouped by the app's name
    }
  }
  return groups;
}

/** POST /graphql requests a subgraph has answered so far (its own /metrics counter). */
async function graphqlRequestsServed(graphqlUrl) {
  const text = await (await fetch(new URL('/metrics', graphqlUrl))).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('http_request_duration_seconds_count{'))
    .filter((line) => line.includes('route="/graphql"') && line.includes('method="POST"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** JSON with sorted keys, so two engines' answers compare equal when their data is. */
const canonical = (value) =>
  JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

/** Runs `fn` over `items` with at most `width` in flight. */
async function pool(items, width, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/** A customer with one meter and one day of 15-minute readings, visible on the replica. */
async function customerWithMeter(identityUrl, gatewayUrl, runId, index) {
  const token = await signUp(identityUrl, `${runId}-e${index}`);
  const meter = await registerMeter(gatewayUrl, token, `perf-${runId}-engines-${index}`);
  const end = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
  const count = DAY_MS / INTERVAL_MS;
  const readings = Array.from({ length: count }, (_, i) => ({
    at: new Date(end - (count - 1 - i) * INTERVAL_MS).toISOString(),
    kwh: (50 + ((i * 37) % 450)) / 1000,
  }));
  const recorded = await gql(gatewayUrl, { body: recordReadingsBody(meter.id, readings), token });
  await waitForToken(gatewayUrl, token, meter.id, recorded.recordReadings.consistencyToken);
  return { token, meterId: meter.id, end };
}

export default {
  name: 'gateway-engines',
  async run({ targets, timings, runId, onCleanup }) {
    const { connections, warmupSec, durationSec } = timings;
    const rounds = durationSec >= 16 ? 4 : 2;
    ensureEnginesInstalled();
    const dir = mkdtempSync(join(tmpdir(), 'perf-engines-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const { env: stack } = await stackEnv();
    // Other worktrees' stacks run the same dist/apps/<name>/src/main.js: name this stack's own
    // subgraph processes, so their CPU per request is theirs alone.
    const subgraphGroups = nameStackSubgraphs(['identity', 'energy-query']);
    const supergraph = supergraphForStack(stack, dir);
    const notes = [];

    // ---- the engines ---------------------------------------------------------------------------
    const engines = [];
    const add = (key, name, running, cpuGroup) => {
      const engine = { key, name, ...running, cpuGroup, rss: { idleMb: running.rssMb(), peakMb: 0 } };
      engines.push(engine);
      return engine;
    };
    const engineEnv = { SUPERGRAPH_PATH: supergraph.path };
    const bare = add(
      'bare',
      'bare Apollo Server',
      await startEngine({ label: 'bare-apollo', script: server('bare-apollo.mjs'), onCleanup }),
      'engine bare-apollo',
    );
    // PERF_ENGINES narrows the run (e.g. `ours,before`); PERF_GATEWAY_BEFORE=<checkout> adds that
    // checkout's built gateway as "before", to measure a change side by side in one run.
    const wanted = (key) =>
      (process.env.PERF_ENGINES?.split(',') ?? ['apollo', 'ours', 'hive', 'hive-rust', 'before']).includes(
        key,
      );
    if (wanted('apollo'))
      add(
        'apollo',
        '@apollo/gateway',
        await startEngine({
          label: 'apollo-gateway',
          script: server('apollo-gateway.mjs'),
          env: engineEnv,
          onCleanup,
        }),
        'engine apollo-gateway',
      );
    const oursProcess = await startGateway({ label: 'ours', onCleanup });
    const ours = add(
      'ours',
      'our gateway',
      { ...oursProcess, rssMb: () => rssMb(oursProcess.pid) },
      'gateway (perf ours)',
    );
    const beforeCheckout = process.env.PERF_GATEWAY_BEFORE;
    if (beforeCheckout && wanted('before')) {
      const beforeProcess = await startGateway({
        label: 'before',
        main: join(beforeCheckout, 'dist/apps/gateway/src/main.js'),
        onCleanup,
      });
      add(
        'before',
        `our gateway before (${beforeCheckout})`,
        { ...beforeProcess, rssMb: () => rssMb(beforeProcess.pid) },
        'gateway (perf before)',
      );
    }
    if (wanted('hive'))
      add(
        'hive',
        'Hive Gateway',
        await startEngine({ label: 'hive', script: server('hive-gateway.mjs'), env: engineEnv, onCleanup }),
        'engine hive',
      );
    let rustFailure = null;
    if (wanted('hive-rust'))
      try {
        add(
          'hive-rust',
          'Hive Gateway + Rust planner',
          await startEngine({
            label: 'hive-rust',
            script: server('hive-gateway.mjs'),
            env: { ...engineEnv, HIVE_PLANNER: 'rust' },
            onCleanup,
          }),
          'engine hive-rust',
        );
      } catch (error) {
        rustFailure = error.message;
        notes.push(
          `Hive Gateway with the Rust query planner did not start here: ${error.message.split('\n')[0]}`,
        );
      }
    const gateways = engines.filter((e) => e !== bare);
    const rssTimer = setInterval(() => {
      for (const e of engines) e.rss.peakMb = Math.max(e.rss.peakMb, e.rssMb() ?? 0);
    }, 500);
    onCleanup(() => clearInterval(rssTimer));

    // ---- data ----------------------------------------------------------------------------------
    progress(`gateway-engines: ${USERS} customers with a meter and a day of readings each`);
    const customers = await pool(
      Array.from({ length: USERS }, (_, i) => i),
      4,
      (index) => customerWithMeter(targets.identity, ours.url, runId, index),
    );
    progress('gateway-engines: a meter with 35 days of readings for the consumption scenarios');
    const consumer = await signUp(targets.identity, `${runId}-consumer`);
    const seeded = await seedConsumptionMeter(ours.url, consumer, `perf-${runId}-engines-consumption`);
    const consumptionBody = (shiftMs) => consumptionBodyFor(seeded, shiftMs);
    const dashTo = new Date(Math.ceil(customers[0].end / DAY_MS) * DAY_MS);
    const dashboardBody = JSON.stringify({
      operationName: 'Dashboard',
      query: DASHBOARD,
      variables: { from: new Date(dashTo.getTime() - 2 * DAY_MS).toISOString(), to: dashTo.toISOString() },
    });
    const meBody = JSON.stringify({ query: ME });

    // Every engine must give the same answers before its numbers mean anything.
    const answers = {};
    for (const [what, body, token] of [
      ['me', meBody, customers[0].token],
      ['dashboard', dashboardBody, customers[0].token],
      ['consumption', consumptionBody(0), consumer],
    ]) {
      const reference = canonical(await gql(ours.url, { body, token }));
      answers[what] = { bytes: reference.length };
      for (const engine of gateways) {
        const answer = canonical(await gql(engine.url, { body, token }));
        if (answer !== reference) {
          throw new Error(
            `${engine.name} answers ${what} differently from our gateway:\n${answer.slice(0, 400)}\nvs\n${reference.slice(0, 400)}`,
          );
        }
      }
    }
    const dashboardSample = JSON.parse(
      canonical(await gql(ours.url, { body: dashboardBody, token: customers[0].token })),
    );
    if (dashboardSample.myMeters?.[0]?.owner?.id !== dashboardSample.me?.id) {
      throw new Error(
        `the dashboard query answers unexpectedly: ${JSON.stringify(dashboardSample).slice(0, 300)}`,
      );
    }

    // Each engine first serves the dashboard query, unmeasured, so all reach the scenarios
    // equally warm (JIT, plan caches, keep-alive pools).
    const primeSec = Math.max(6, 3 * warmupSec);
    let rotation = 0;
    const rotating = (body) => () => ({ token: customers[rotation++ % USERS].token, body });
    for (const engine of gateways) {
      await warmUp(
        { name: `engine ${engine.key}`, url: engine.url, connections, next: rotating(dashboardBody) },
        primeSec,
      );
    }
    await warmUp(
      {
        name: 'engine bare',
        url: bare.url,
        connections,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ hello }' }),
      },
      primeSec,
    );

    // ---- scenarios -----------------------------------------------------------------------------
    const cpuMsPerRequest = (result, group) => {
      const pct = result.cpu?.groups?.[group];
      return pct === undefined || !(result.rps > 0) ? null : Math.round((pct * 10 * 100) / result.rps) / 100;
    };
    /** Scenario name → { engine, subgraph } for the tables. */
    const meta = new Map();
    const scenario = (kind, engine, config) => {
      const name = `engines.${kind}.${engine ? engine.key : 'direct'}`;
      meta.set(name, { kind, engine, subgraphGroup: config.subgraphGroup });
      return { name, connections, warmupSec, durationSec, ...config };
    };
    const finish = (result) => {
      const { engine, subgraphGroup } = meta.get(result.scenario);
      if (engine) result.metrics.engineCpuMsPerRequest = cpuMsPerRequest(result, engine.cpuGroup);
      if (subgraphGroup) result.metrics.subgraphCpuMsPerRequest = cpuMsPerRequest(result, subgraphGroup);
      result.metrics.engine = engine?.name ?? `${subgraphGroup.replace(/ \(.*/, '')} direct`;
      return result;
    };
    const interleaved = async (configs) => (await runInterleaved(configs, { rounds })).map(finish);
    const results = [];

    // Floor: no subgraph. The bare server's `{ hello }` against each gateway's `{ __typename }`.
    results.push(
      ...(await interleaved([
        scenario('floor', bare, {
          description:
            '`{ hello }` on a bare Apollo Server (standalone, one resolver): the Node GraphQL floor.',
          url: bare.url,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ hello }' }),
        }),
        ...gateways.map((engine) =>
          scenario('floor', engine, {
            description: `\`{ __typename }\` on ${engine.name}, no token: answered without a subgraph call.`,
            url: engine.url,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: '{ __typename }' }),
          }),
        ),
      ])),
    );

    // `me`, rotating over the customers' tokens so no two requests in flight are identical.
    const meConfig = (engine, url) =>
      scenario('me', engine, {
        description:
          `\`${ME}\` ${engine ? `through ${engine.name}` : 'straight to identity'}, each request with the next of ` +
          `${USERS} customers' access tokens.`,
        url,
        headers: { 'content-type': 'application/json' },
        next: rotating(meBody),
        subgraphGroup: subgraphGroups.identity,
      });
    results.push(
      ...(await interleaved([meConfig(null, targets.identity), ...gateways.map((e) => meConfig(e, e.url))])),
    );

    // The dashboard query, rotating over the customers (each has its own meter).
    results.push(
      ...(await interleaved(
        gateways.map((engine) =>
          scenario('dashboard', engine, {
            description:
              `The dashboard query of the gateway suite (${formatNumber(Buffer.byteLength(DASHBOARD))} bytes; identity ` +
              `and energy-query in parallel, then identity's \`_entities\`) through ${engine.name}, each request as ` +
              `the next of ${USERS} customers.`,
            url: engine.url,
            headers: { 'content-type': 'application/json' },
            next: rotating(dashboardBody),
            subgraphGroup: subgraphGroups['energy-query'],
          }),
        ),
      )),
    );

    // Warm consumption with distinct requests: `from` cycles through DISTINCT_FROMS values a
    // millisecond apart (energy-query rounds it to the day, so the page is the same), each cached
    // in Redis first: every request is a Redis hit, and no two requests in flight are identical.
    progress(`gateway-engines: caching ${DISTINCT_FROMS} distinct consumption requests in energy-query`);
    await pool(
      Array.from({ length: DISTINCT_FROMS }, (_, i) => i),
      8,
      (shift) => gql(targets.energyQuery, { body: consumptionBody(shift), token: consumer }),
    );
    const consumptionHeaders = { 'content-type': 'application/json', authorization: `Bearer ${consumer}` };
    let shift = 0;
    const distinctConfig = (engine, url) =>
      scenario('consumption-distinct', engine, {
        description:
          `meter(id).consumption(DAY, 31 days) ${engine ? `through ${engine.name}` : 'straight to energy-query'}, ` +
          `\`from\` cycling through ${DISTINCT_FROMS} values 1 ms apart, all cached in energy-query's Redis first: ` +
          'warm, and no two requests in flight identical.',
        url,
        headers: consumptionHeaders,
        nextBody: () => consumptionBody(shift++ % DISTINCT_FROMS),
        subgraphGroup: subgraphGroups['energy-query'],
      });
    results.push(
      ...(await interleaved([
        distinctConfig(null, targets.energyQuery),
        ...gateways.map((e) => distinctConfig(e, e.url)),
      ])),
    );

    // Identical requests: the same body and token every time. Measured one engine at a time so
    // energy-query's own request counter tells how many subgraph calls each engine made.
    for (const [engine, url] of [[null, targets.energyQuery], ...gateways.map((e) => [e, e.url])]) {
      const config = scenario('consumption-identical', engine, {
        description:
          `The same consumption request every time ${engine ? `through ${engine.name}` : 'straight to energy-query'}; ` +
          'energy-query counts the calls it gets.',
        url,
        headers: consumptionHeaders,
        body: consumptionBody(0),
        subgraphGroup: subgraphGroups['energy-query'],
      });
      await warmUp(config, warmupSec);
      const before = await graphqlRequestsServed(targets.energyQuery);
      // One uninterrupted burst per engine: at most 10 s, since the machine is shared.
      const result = finish(
        await runHttp({ ...config, warmupSec: 0, durationSec: Math.min(durationSec, 10) }),
      );
      const calls = (await graphqlRequestsServed(targets.energyQuery)) - before;
      result.metrics.subgraphCalls = calls;
      result.metrics.subgraphCallsPerResponse =
        result.requests > 0 ? Math.round((calls / result.requests) * 1000) / 1000 : null;
      results.push(result);
    }
    // The warm-up's distinct cache entries go now rather than at their TTL.
    const redis = new Redis(targets.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis
      .connect()
      .then(() => redis.del(`energy:consumption:{${seeded.meterId}}:entries`))
      .catch((error) => notes.push(`Could not drop the consumption cache entries: ${error.message}`))
      .finally(() => redis.disconnect());

    // ---- subscriptions -------------------------------------------------------------------------
    let subscriptions = null;
    try {
      subscriptions = await fanOut({
        targets,
        supergraph,
        ours,
        customers,
        subgraphRequests: graphqlRequestsServed,
        onCleanup,
      });
    } catch (error) {
      notes.push(`The subscription fan-out failed: ${error.message.split('\n')[0]}`);
    }

    clearInterval(rssTimer);
    for (const e of engines) e.rss.endMb = e.rssMb();
    const logNotes = gatewayLogNotes([ours]);
    for (const engine of engines) await engine.stop();

    return {
      setup: {
        supergraph: { source: supergraph.source, subgraphs: supergraph.urls },
        engines: engines.map((e) => ({
          key: e.key,
          name: e.name,
          url: e.url,
          readyMs: e.readyMs,
          rss: e.rss,
        })),
        rustPlannerFailure: rustFailure,
        customers: USERS,
        consumptionMeter: {
          meterId: seeded.meterId,
          readings: seeded.readings,
          distinctFroms: DISTINCT_FROMS,
        },
        answers,
        primeSecPerEngine: primeSec,
        roundsPerComparedScenario: rounds,
        gatewayMain: GATEWAY_MAIN,
        subscriptions,
      },
      results,
      comparisons: comparisons(results, engines),
      sections: sections(results, engines, subscriptions),
      notes: [...notes, ...standingNotes(), ...logNotes],
    };
  },
};

const byName = (results) => new Map(results.map((r) => [r.scenario, r]));
const ratio = (a, b) => (a?.rps > 0 && b?.rps > 0 ? Math.round((a.rps / b.rps) * 100) / 100 : null);

function comparisons(results, engines) {
  const r = byName(results);
  const list = [];
  for (const engine of engines.filter((e) => e.key !== 'bare')) {
    const get = (kind) => r.get(`engines.${kind}.${engine.key}`);
    const floor = ratio(get('floor'), r.get('engines.floor.bare'));
    const me = ratio(get('me'), r.get('engines.me.direct'));
    const consumption = ratio(get('consumption-distinct'), r.get('engines.consumption-distinct.direct'));
    const dashboardCpu = get('dashboard')?.metrics.engineCpuMsPerRequest ?? null;
    list.push({
      engine: engine.key,
      floorRatio: floor,
      meRatio: me,
      consumptionRatio: consumption,
      dashboardCpuMs: dashboardCpu,
      text:
        `${engine.name}: floor ${floor}× the bare server (goal ≥ 0.6), \`me\` ${me}× identity direct (≥ 0.6), ` +
        `warm consumption ${consumption}× energy-query direct (≥ 0.6), dashboard ${formatNumber(dashboardCpu)} ms ` +
        'CPU per request (≤ 1.5).',
    });
  }
  return list;
}

function sections(results, engines, subscriptions) {
  const r = byName(results);
  const kinds = ['floor', 'me', 'dashboard', 'consumption-distinct', 'consumption-identical'];
  const cell = (result) =>
    result
      ? `${formatNumber(result.rps)} / ${formatNumber(result.latencyMs.p99)} / ${formatNumber(result.metrics.engineCpuMsPerRequest)}`
      : '–';
  const table = [
    '| engine | ' + kinds.join(' | ') + ' | RSS idle / peak MB |',
    '| --- | ' + kinds.map(() => '---:').join(' | ') + ' | ---: |',
    `| direct to the subgraph | – | ${kinds
      .slice(1)
      .map((k) => cell(r.get(`engines.${k}.direct`)))
      .join(' | ')} | – |`,
    ...engines.map(
      (e) =>
        `| ${e.name} | ${kinds.map((k) => cell(r.get(`engines.${k}.${e.key}`))).join(' | ')} | ` +
        `${formatNumber(e.rss.idleMb)} / ${formatNumber(e.rss.peakMb)} |`,
    ),
  ];
  const dedup = [
    '| path | responses | energy-query calls | calls per response | req/s | engine CPU ms/req | energy-query CPU ms/req |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results
      .filter((x) => x.scenario.startsWith('engines.consumption-identical.'))
      .map(
        (x) =>
          `| ${x.metrics.engine} | ${formatNumber(x.requests)} | ${formatNumber(x.metrics.subgraphCalls)} | ` +
          `${x.metrics.subgraphCallsPerResponse} | ${formatNumber(x.rps)} | ${formatNumber(x.metrics.engineCpuMsPerRequest)} | ` +
          `${formatNumber(x.metrics.subgraphCpuMsPerRequest)} |`,
      ),
  ];
  const goals = [
    '| engine | floor ÷ bare (≥ 0.6) | me ÷ identity (≥ 0.6) | consumption ÷ energy-query (≥ 0.6) | dashboard CPU ms/req (≤ 1.5) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...comparisons(results, engines).map(
      (c) =>
        `| ${engines.find((e) => e.key === c.engine).name} | ${c.floorRatio} | ${c.meRatio} | ${c.consumptionRatio} | ` +
        `${formatNumber(c.dashboardCpuMs)} |`,
    ),
  ];
  const list = [
    { title: 'Engines side by side (req/s / p99 ms / engine CPU ms per request)', lines: table },
    { title: 'Goals (ratios from this run)', lines: goals },
    { title: 'Identical requests: deduplication of in-flight subgraph calls', lines: dedup },
  ];
  if (subscriptions) list.push({ title: 'Subscription fan-out', lines: subscriptions.lines });
  return list;
}

function standingNotes() {
  return [
    'All engines run at once for the whole suite (an idle one costs little), only one is under load at a time; ' +
      'compared scenarios are measured in turns (runInterleaved), so load from outside hits them alike. The machine ' +
      "(2 cores) is shared with the load generator, the subgraphs, Postgres, Redis, Kafka and other engineers' stacks.",
    "Engine CPU ms/request is the engine process's CPU time during the measured run divided by its responses " +
      '(from /proc); RSS is sampled every 0.5 s.',
    'Our gateway is dist/apps/gateway (rate limit charge in Redis, operation limits, APQ, login throttle, token ' +
      'check, compression) with the rate limits raised; @apollo/gateway and Hive Gateway run with no plugins besides ' +
      'header forwarding (authorization, x-consistency-token, x-correlation-id), so subgraphs verify the same token.',
    "@apollo/gateway here fetches with Node's own fetch (our gateway uses its node:http fetcher); Hive Gateway with " +
      'its default @whatwg-node/fetch.',
  ];
}
