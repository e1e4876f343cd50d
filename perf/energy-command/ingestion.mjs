// Suite ingestion: readings per second end to end (gateway → energy-command → outbox → Kafka
// → projector → read primary → streaming replica), projection lag per batch, the same rows
// inserted directly into a scratch database, and lag at a steady 10,000 readings/s.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { gql, recordReadingsBody, registerMeter, signUp, tokenVersion } from '../lib/graphql.mjs';
import { CpuSampler } from '../lib/cpu.mjs';
import { formatNumber, latencyStats, progress } from '../lib/runner.mjs';
import { withDatabase } from '../lib/targets.mjs';

const BATCH = 1000;
const INTERVAL_MS = 15 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
/** Readings may be at most 400 days old: each meter's batches start 398 days back and move forward. */
const OLDEST_DAYS = 398;
const MAX_BATCHES_PER_METER = Math.floor((OLDEST_DAYS * DAY_MS) / INTERVAL_MS / BATCH) - 1;
const POLL_MS = 5;
const LAG_TIMEOUT_MS = 60_000;

const INSERT_SQL = `INSERT INTO readings (meter_id, at, wh)
  SELECT $1, at, wh FROM unnest($2::timestamptz[], $3::bigint[]) AS r(at, wh)`;

function plan(quick) {
  return quick
    ? { burstMeters: 8, burstBatchesPerMeter: 8, steadyMeters: 10, steadySeconds: 8, steadyBatchesPerSec: 10 }
    : {
        burstMeters: 8,
        burstBatchesPerMeter: 25,
        steadyMeters: 10,
        steadySeconds: 20,
        steadyBatchesPerSec: 10,
      };
}

/** A registered meter that hands out consecutive, never-repeating batches of 1000 readings. */
class SeededMeter {
  constructor(id, seed) {
    this.id = id;
    this.seed = seed;
    this.cursor = Math.floor((Date.now() - OLDEST_DAYS * DAY_MS) / INTERVAL_MS) * INTERVAL_MS;
    this.batches = 0;
  }

  nextBatch() {
    if (++this.batches > MAX_BATCHES_PER_METER)
      throw new Error(`meter ${this.id}: more than ${MAX_BATCHES_PER_METER} batches`);
    const readings = [];
    for (let i = 0; i < BATCH; i += 1) {
      this.cursor += INTERVAL_MS;
      readings.push({
        at: new Date(this.cursor).toISOString(),
        kwh: ((this.seed * 7919 + this.cursor / INTERVAL_MS) % 997) / 1000,
      });
    }
    return { meterId: this.id, readings, body: recordReadingsBody(this.id, readings) };
  }
}

/**
 * Polls the replica every ~5 ms for the versions of meters with writes outstanding, and
 * resolves each expected (meter, version) at the first poll that shows it.
 */
class LagWatch {
  constructor(client) {
    this.client = client;
    this.pending = new Map(); // meterId -> [{ version, resolve }]
    this.running = false;
    this.polls = 0;
  }

  expect(meterId, version) {
    return new Promise((resolve) => {
      const list = this.pending.get(meterId) ?? [];
      list.push({ version, resolve, deadline: performance.now() + LAG_TIMEOUT_MS });
      this.pending.set(meterId, list);
    });
  }

  start() {
    this.running = true;
    this.done = (async () => {
      while (this.running) {
        if (this.pending.size > 0) {
          let rows = [];
          try {
            rows = (
              await this.client.query(
                'SELECT id::text AS id, version FROM meters WHERE id = ANY($1::uuid[])',
                [[...this.pending.keys()]],
              )
            ).rows;
          } catch (error) {
            this.failures = (this.failures ?? 0) + 1;
            if (this.failures === 1) progress(`ingestion: replica poll failed: ${error.message}`);
            await sleep(100);
          }
          const seenAt = performance.now();
          this.polls += 1;
          const versions = new Map(rows.map((row) => [row.id, row.version]));
          for (const [meterId, list] of this.pending) {
            const seen = versions.get(meterId) ?? 0;
            const left = list.filter((entry) => {
              if (seen >= entry.version) entry.resolve(seenAt);
              else if (seenAt > entry.deadline) entry.resolve(null);
              else return true;
              return false;
            });
            if (left.length) this.pending.set(meterId, left);
            else this.pending.delete(meterId);
          }
        }
        await sleep(POLL_MS);
      }
    })();
  }

  async stop() {
    this.running = false;
    await this.done;
  }
}

/** Sends one batch through the gateway and starts watching for it on the replica. */
async function sendBatch(url, token, batch, lagWatch, record) {
  const entry = { meterId: batch.meterId, sentAt: performance.now() };
  record.push(entry);
  try {
    const data = await gql(url, { body: batch.body, token, timeoutMs: 60_000 });
    entry.respondedAt = performance.now();
    entry.accepted = data.recordReadings.accepted;
    entry.version = tokenVersion(data.recordReadings.consistencyToken);
    entry.seen = lagWatch.expect(batch.meterId, entry.version);
  } catch (error) {
    entry.respondedAt = performance.now();
    entry.error = error.message;
  }
}

/** Results of one gateway run: throughput, mutation latency, projection lag. */
async function summarise(name, description, record, cpu) {
  const ok = record.filter((e) => !e.error);
  for (const entry of ok) entry.seenAt = await entry.seen;
  const visible = ok.filter((e) => e.seenAt !== null);
  const firstSend = Math.min(...record.map((e) => e.sentAt));
  const lastResponse = Math.max(...record.map((e) => e.respondedAt));
  const lastSeen = visible.length ? Math.max(...visible.map((e) => e.seenAt)) : null;
  const readings = ok.reduce((sum, e) => sum + e.accepted, 0);
  const acceptSec = (lastResponse - firstSend) / 1000;
  const endToEndSec = lastSeen === null ? null : (lastSeen - firstSend) / 1000;
  const samples = record.filter((e) => e.error).map((e) => e.error);
  const lagTimeouts = ok.length - visible.length;
  if (lagTimeouts)
    samples.push(`${lagTimeouts} batches not visible on the replica after ${LAG_TIMEOUT_MS / 1000} s`);
  const failed = record.length - ok.length;
  return {
    scenario: name,
    description,
    kind: 'ingestion',
    connections: null,
    durationSec: Math.round(acceptSec * 100) / 100,
    requests: record.length,
    rps: Math.round((record.length / acceptSec) * 10) / 10,
    latencyMs: latencyStats(record.map((e) => e.respondedAt - e.sentAt)),
    errors: {
      non2xx: 0,
      graphql: failed,
      transport: 0,
      timeouts: lagTimeouts,
      total: failed + lagTimeouts,
      samples: [...new Set(samples)].slice(0, 3),
    },
    metrics: {
      readings,
      acceptedReadingsPerSec: Math.round(readings / acceptSec),
      readingsPerSec: endToEndSec ? Math.round(readings / endToEndSec) : null,
      endToEndSec: endToEndSec === null ? null : Math.round(endToEndSec * 100) / 100,
      lagMs: latencyStats(visible.map((e) => e.seenAt - e.respondedAt)),
      sendToVisibleMs: latencyStats(visible.map((e) => e.seenAt - e.sentAt)),
    },
    cpu,
  };
}

export default {
  name: 'energy-command',
  async run({ targets, options, runId, onCleanup }) {
    const p = plan(options.quick);
    const url = targets.gateway;
    const token = await signUp(url, runId);
    const results = [];

    progress(`ingestion: registering ${p.burstMeters + p.steadyMeters} meters`);
    const meters = [];
    for (let i = 0; i < p.burstMeters + p.steadyMeters; i += 1) {
      const meter = await registerMeter(url, token, `perf-${runId}-ingest-${i}`);
      meters.push(new SeededMeter(meter.id, i + 1));
    }
    const burstMeters = meters.slice(0, p.burstMeters);
    const steadyMeters = meters.slice(p.burstMeters);

    const replica = new pg.Client({
      connectionString: withDatabase(targets.replicaServer, 'energy_read'),
      application_name: 'perf-harness-lag',
    });
    await replica.connect();
    const closeReplica = onCleanup(() => replica.end());
    const lagWatch = new LagWatch(replica);
    lagWatch.start();

    // ---- burst: every meter's batches back to back, one in flight per meter -----------------
    const burstPlan = burstMeters.map((meter) =>
      Array.from({ length: p.burstBatchesPerMeter }, () => meter.nextBatch()),
    );
    const totalBatches = p.burstMeters * p.burstBatchesPerMeter;
    progress(`ingestion: burst of ${totalBatches} batches × ${BATCH} readings, ${p.burstMeters} in flight`);
    const burstRecord = [];
    let cpu = new CpuSampler();
    cpu.start();
    await Promise.all(
      burstPlan.map(async (batches) => {
        for (const batch of batches) await sendBatch(url, token, batch, lagWatch, burstRecord);
      }),
    );
    progress('ingestion: burst sent; waiting for the replica to show every batch');
    await Promise.all(burstRecord.filter((e) => e.seen).map((e) => e.seen));
    const burst = await summarise(
      'ingestion.gateway-burst',
      `${totalBatches} recordReadings calls of ${BATCH} readings through the gateway, ${p.burstMeters} meters with ` +
        'one call in flight each. req/s and latency are per call; "other" gives readings/s accepted (first send → ' +
        'last response) and end to end (first send → last batch visible on the read replica), and projection lag ' +
        '(mutation response → meter version visible on the replica, polled every 5 ms).',
      burstRecord,
      cpu.stop(),
    );
    burst.connections = p.burstMeters;
    const m = burst.metrics;
    burst.summary =
      `${formatNumber(m.readings)} readings; accepted ${formatNumber(m.acceptedReadingsPerSec)}/s; end to end ` +
      `${formatNumber(m.readingsPerSec)}/s; lag p50 ${m.lagMs.p50} / p95 ${m.lagMs.p95} / p99 ${m.lagMs.p99} ms`;
    results.push(burst);
    await sleep(1000);

    // ---- steady: one batch every 100 ms (10,000 readings/s), round robin over the meters ------
    const steadyCount = p.steadySeconds * p.steadyBatchesPerSec;
    const steadyBatches = Array.from({ length: steadyCount }, (_, i) =>
      steadyMeters[i % steadyMeters.length].nextBatch(),
    );
    const offered = p.steadyBatchesPerSec * BATCH;
    progress(`ingestion: steady ${formatNumber(offered)} readings/s for ${p.steadySeconds} s`);
    const steadyRecord = [];
    const inFlight = [];
    cpu = new CpuSampler();
    cpu.start();
    const startedAt = performance.now();
    for (let i = 0; i < steadyCount; i += 1) {
      const due = startedAt + (i * 1000) / p.steadyBatchesPerSec;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(sendBatch(url, token, steadyBatches[i], lagWatch, steadyRecord));
    }
    await Promise.all(inFlight);
    await Promise.all(steadyRecord.filter((e) => e.seen).map((e) => e.seen));
    const steady = await summarise(
      'ingestion.steady-10k',
      `One recordReadings call of ${BATCH} readings every ${1000 / p.steadyBatchesPerSec} ms ` +
        `(${formatNumber(offered)} readings/s offered) for ${p.steadySeconds} s, round robin over ` +
        `${p.steadyMeters} meters, not waiting for answers. The budget is on projection lag (mutation response → ` +
        'version visible on the replica).',
      steadyRecord,
      cpu.stop(),
    );
    const s = steady.metrics;
    s.offeredReadingsPerSec = offered;
    steady.summary =
      `offered ${formatNumber(offered)}/s, accepted ${formatNumber(s.acceptedReadingsPerSec)}/s; lag p50 ${s.lagMs.p50} ` +
      `/ p95 ${s.lagMs.p95} / p99 ${s.lagMs.p99} ms (max ${s.lagMs.max}); send → visible p99 ${s.sendToVisibleMs.p99} ms`;
    results.push(steady);
    await lagWatch.stop();
    await replica.end();
    closeReplica();

    // ---- direct: the burst's rows with the write side's own INSERT, into a scratch database ---
    const scratch = `perf_scratch_${process.pid}`;
    const admin = new pg.Client({ connectionString: withDatabase(targets.primaryServer, 'postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${scratch}`);
    const dropScratch = onCleanup(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
      await admin.end();
    });
    const writers = [];
    try {
      for (let i = 0; i < p.burstMeters; i += 1) {
        const client = new pg.Client({
          connectionString: withDatabase(targets.primaryServer, scratch),
          application_name: 'perf-harness-direct',
        });
        await client.connect();
        writers.push(client);
      }
      await writers[0].query(
        'CREATE TABLE readings (meter_id uuid NOT NULL, at timestamptz NOT NULL, wh bigint NOT NULL, PRIMARY KEY (meter_id, at))',
      );
      const rows = burstPlan.map((batches) =>
        batches.map((b) => [
          b.meterId,
          b.readings.map((r) => r.at),
          b.readings.map((r) => Math.round(r.kwh * 1000)),
        ]),
      );
      progress(`ingestion: direct INSERT of the same ${totalBatches} batches into ${scratch}`);
      const latencies = [];
      cpu = new CpuSampler();
      cpu.start();
      const t0 = performance.now();
      await Promise.all(
        rows.map(async (batches, worker) => {
          for (const params of batches) {
            const started = performance.now();
            await writers[worker].query(INSERT_SQL, params);
            latencies.push(performance.now() - started);
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const readings = totalBatches * BATCH;
      const direct = {
        scenario: 'ingestion.direct-insert',
        description:
          `The burst's ${formatNumber(readings)} readings inserted with energy-command's own statement (INSERT … ` +
          `SELECT FROM unnest(…), one autocommit statement per batch) into a readings table in scratch database ` +
          `${scratch} on the primary (dropped afterwards), ${p.burstMeters} clients. No GraphQL, no locking, no outbox, ` +
          'no Kafka, no projection, no replica.',
        kind: 'loop',
        connections: p.burstMeters,
        durationSec: Math.round(seconds * 100) / 100,
        requests: latencies.length,
        rps: Math.round((latencies.length / seconds) * 10) / 10,
        latencyMs: latencyStats(latencies),
        errors: { non2xx: 0, graphql: 0, transport: 0, timeouts: 0, total: 0, samples: [] },
        metrics: { readings, readingsPerSec: Math.round(readings / seconds) },
        cpu: cpu.stop(),
      };
      results.push(direct);
    } finally {
      await Promise.all(writers.map((c) => c.end().catch(() => undefined)));
      await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
      await admin.end();
      dropScratch();
    }

    const direct = results.find((r) => r.scenario === 'ingestion.direct-insert');
    const comparisons = [];
    const ratio = Math.round((direct.metrics.readingsPerSec / burst.metrics.readingsPerSec) * 100) / 100;
    const acceptRatio =
      Math.round((direct.metrics.readingsPerSec / burst.metrics.acceptedReadingsPerSec) * 100) / 100;
    if (Number.isFinite(ratio)) {
      burst.metrics.directInsertRatio = ratio;
      direct.summary = `${formatNumber(direct.metrics.readingsPerSec)} readings/s = ${ratio}× gateway end to end, ${acceptRatio}× gateway accept`;
      comparisons.push({
        a: burst.scenario,
        b: direct.scenario,
        ratio,
        text:
          `Ingestion: ${formatNumber(burst.metrics.readingsPerSec)} readings/s end to end through the gateway ` +
          `(${formatNumber(burst.metrics.acceptedReadingsPerSec)}/s accepted) vs ${formatNumber(direct.metrics.readingsPerSec)}/s ` +
          `inserted directly: direct is ${ratio}× end to end and ${acceptRatio}× the accept rate.`,
      });
    }
    return {
      setup: { plan: p, meters: meters.length, lagPolls: lagWatch.polls, pollIntervalMs: POLL_MS },
      results,
      comparisons,
      notes: [
        'Projection lag is measured from the moment the mutation answered to the first replica poll showing the ' +
          `meter's new version (polls every ${POLL_MS} ms plus the query time), so it includes outbox relay, ` +
          'Kafka, the projector transaction and streaming replication.',
      ],
    };
  },
};
