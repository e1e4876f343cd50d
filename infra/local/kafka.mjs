// Apache Kafka in KRaft mode (one node is both broker and controller), run
// straight from Maven Central jars with the machine's java: no tarball, no Docker.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePortsFree, isListening, retryOnBindConflict, startupFailure } from './network.mjs';
import { logOffset, logSince } from './logfiles.mjs';
import {
  aptInstall,
  elapsed,
  InfraError,
  isOurProcess,
  log,
  readPidFile,
  run,
  terminate,
  waitUntil,
  which,
} from './processes.mjs';
import { DATA_ROOT, logsDir, ports, profileDir, REPO_ROOT } from './profile.mjs';

const KAFKA_VERSION = '3.9.1'; // keep in sync with infra/kafka/pom.xml
const POM = path.join(REPO_ROOT, 'infra/kafka/pom.xml');
const LOG4J = path.join(REPO_ROOT, 'infra/kafka/log4j.properties');
// Shared by all profiles: the jars are identical and fetching them is the slow part.
const LIBS = path.join(DATA_ROOT, 'kafka-libs', KAFKA_VERSION);
const STARTED = 'Kafka Server started'; // logged by kafka.server.KafkaRaftServer once serving

function kafka() {
  const dir = path.join(profileDir(), 'kafka');
  const { kafka: port, kafkaController: controllerPort } = ports();
  return {
    dir,
    port,
    controllerPort,
    properties: path.join(dir, 'server.properties'), // on the java command line: identifies our process
    dataDir: path.join(dir, 'data'),
    pidFile: path.join(dir, 'kafka.pid'),
    logFile: path.join(logsDir(), 'kafka.log'),
  };
}

function runningPid(k) {
  const pid = readPidFile(k.pidFile);
  return isOurProcess(pid, k.properties) ? pid : null;
}

async function javaBinary() {
  if (!which('java')) await aptInstall('default-jre-headless', 'Kafka needs java');
  return which('java');
}

/** Downloads the broker's jars once; the marker is written only after Maven succeeded. */
async function ensureLibs() {
  const done = path.join(LIBS, '.complete');
  if (fs.existsSync(done)) return;
  if (!which('mvn')) await aptInstall('maven', 'fetching the Kafka jars needs mvn');
  const startedAt = Date.now();
  log(`fetching Kafka ${KAFKA_VERSION} jars from Maven Central into ${LIBS} (once)`);
  const args = [
    '-q',
    '-B',
    '-f',
    POM,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${LIBS}`,
    '-DincludeScope=runtime',
  ];
  const { code, stdout, stderr } = await run('mvn', args, { allowFailure: true });
  if (code !== 0) {
    const mavenLog = path.join(logsDir(), 'kafka-libs.log');
    fs.writeFileSync(mavenLog, `$ mvn ${args.join(' ')}\n${stdout}${stderr}`);
    const reason =
      `${stdout}\n${stderr}`.split('\n').find((line) => line.includes('[ERROR]')) ?? `exit ${code}`;
    throw new InfraError(`Maven could not fetch the Kafka jars; read ${mavenLog} (${reason.trim()})`);
  }
  fs.writeFileSync(done, `${new Date().toISOString()}\n`);
  log(`Kafka jars ready (${elapsed(startedAt)})`);
}

/** The KRaft cluster id must never change once storage is formatted, so it is persisted. */
function clusterId(k) {
  const file = path.join(k.dir, 'cluster-id');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  let id;
  // Same shape as Kafka's Uuid: 16 random bytes, base64url. Kafka avoids a leading '-'
  // because the CLI would read it as an option; so do we.
  do id = crypto.randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  fs.writeFileSync(file, `${id}\n`);
  return id;
}

/** Rewritten on every start so port overrides apply; the data itself is kept. */
function writeProperties(k) {
  const properties = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${k.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${k.port},CONTROLLER://127.0.0.1:${k.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${k.port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': k.dataDir,
    'num.partitions': 6,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 6,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    // Services must declare their topics; a typo should fail loudly, not create a topic.
    'auto.create.topics.enable': false,
  };
  const body = Object.entries(properties).map(([key, value]) => `${key}=${value}`);
  fs.writeFileSync(
    k.properties,
    `# Written by infra/local/kafka.mjs on every start; edits are lost.\n${body.join('\n')}\n`,
  );
}

function javaArgs(mainClass, ...args) {
  // `<dir>/*` is expanded by java itself, not by a shell.
  return [
    '-Xms256m',
    '-Xmx768m',
    `-Dlog4j.configuration=file:${LOG4J}`,
    '-cp',
    `${LIBS}/*`,
    mainClass,
    ...args,
  ];
}

/** Formats storage on first use, then launches the broker; returns the log offset of this attempt. */
async function start(k, java) {
  await ensurePortsFree('kafka', { KAFKA_PORT: k.port, KAFKA_CONTROLLER_PORT: k.controllerPort });
  fs.rmSync(k.pidFile, { force: true });
  writeProperties(k);
  if (!fs.existsSync(path.join(k.dataDir, 'meta.properties'))) {
    await run(java, javaArgs('kafka.tools.StorageTool', 'format', '-t', clusterId(k), '-c', k.properties));
  }
  const out = fs.openSync(k.logFile, 'a');
  const offset = fs.fstatSync(out).size;
  // Detached, own session, output to the log: the broker outlives this script.
  const child = spawn(java, javaArgs('kafka.Kafka', k.properties), {
    cwd: k.dir,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(k.pidFile, `${child.pid}\n`);
  return offset;
}

/**
 * Serving = port open and, for a broker we just started, its log (from `offset`)
 * says it started. A reused broker (offset null) logged that in an earlier run.
 */
async function waitServing(k, offset) {
  await waitUntil(
    async () => {
      if (!runningPid(k)) throw startupFailure('kafka', k.logFile, offset ?? logOffset(k.logFile));
      if (!(await isListening(k.port))) return false;
      return offset === null || logSince(k.logFile, offset).includes(STARTED);
    },
    { what: 'kafka', timeoutMs: 90_000, logFile: k.logFile, intervalMs: 500 },
  );
}

export async function upKafka() {
  const startedAt = Date.now();
  const k = kafka();
  fs.mkdirSync(k.dir, { recursive: true });
  fs.mkdirSync(logsDir(), { recursive: true });
  const reused = Boolean(runningPid(k));
  if (reused) await waitServing(k, null);
  else {
    const java = await javaBinary();
    await ensureLibs();
    await retryOnBindConflict('kafka', async () => waitServing(k, await start(k, java)));
  }
  log(`kafka ${reused ? 'reused' : 'up'} on 127.0.0.1:${k.port} (${elapsed(startedAt)})`);
}

export async function downKafka() {
  const k = kafka();
  const pid = runningPid(k);
  if (!pid) return log('kafka not running');
  const startedAt = Date.now();
  // SIGTERM runs Kafka's controlled shutdown (flushes logs, closes segments cleanly).
  await terminate(pid, k.properties, 30_000);
  fs.rmSync(k.pidFile, { force: true });
  log(`kafka stopped (${elapsed(startedAt)})`);
}

export async function kafkaStatus() {
  const k = kafka();
  const pid = runningPid(k);
  return { running: Boolean(pid) && (await isListening(k.port)), pid, port: k.port };
}
