import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseEnergyEvent, parseEnvelope } from '@voltstream/contracts';
import Redis from 'ioredis';
import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { Client, DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { classifyError, UnapplicableEventError } from './error-kinds';
import { backoff } from './projection-runner';

/** An error as pg's protocol parser builds it from a server ErrorResponse. */
function pgError(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, 100, 'error');
  error.code = code;
  error.severity = code.startsWith('57P') ? 'FATAL' : 'ERROR';
  return error;
}

/** As TypeORM hands it to the runner: a QueryFailedError around the driver's error. */
const viaTypeorm = (error: Error) => new QueryFailedError('UPDATE consumption_daily SET wh = $1', [1], error);

/** Rejects with whatever `work` throws. */
async function thrownBy(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('error kinds: what the database says', () => {
  const transient: [string, string, string][] = [
    ['57P01', 'terminating connection due to administrator command', 'admin_shutdown'],
    ['57P02', 'terminating connection because of crash of another server process', 'crash_shutdown'],
    ['57P03', 'the database system is starting up', 'cannot_connect_now'],
    ['57014', 'canceling statement due to statement timeout', 'query_canceled'],
    ['55P03', 'canceling statement due to lock timeout', 'lock_not_available'],
    ['40P01', 'deadlock detected', 'deadlock_detected'],
    ['40001', 'could not serialize access due to concurrent update', 'serialization_failure'],
    ['53300', 'sorry, too many clients already', 'too_many_connections'],
    ['53100', 'could not extend file: No space left on device', 'insufficient_resources'],
    ['08006', 'connection failure', 'connection_exception'],
    ['08001', 'could not connect to server', 'connection_exception'],
  ];
  for (const [code, message, reason] of transient) {
    it(`retries ${code} (${reason}) however long it takes, raw or wrapped by TypeORM`, () => {
      assert.deepEqual(classifyError(pgError(code, message)), { kind: 'transient', reason });
      assert.deepEqual(classifyError(viaTypeorm(pgError(code, message))), { kind: 'transient', reason });
    });
  }

  it('retries a database closed to connections', () => {
    const closed = pgError('55000', 'database "energy_read" is not currently accepting connections');
    assert.deepEqual(classifyError(closed), { kind: 'transient', reason: 'database_unavailable' });
  });

  it('stalls on a database error it cannot name, such as a unique violation or a missing column', () => {
    assert.deepEqual(classifyError(viaTypeorm(pgError('23505', 'duplicate key'))), {
      kind: 'unknown',
      reason: 'sqlstate_23505',
    });
    assert.equal(classifyError(pgError('42703', 'column "x" does not exist')).kind, 'unknown');
  });
});

describe('error kinds: connections that fail for real', () => {
  let silent: Server;
  let silentPort: number;
  let closedPort: number;
  const sockets: Socket[] = [];

  before(async () => {
    // A server that accepts and never answers: a database or Redis that hangs.
    silent = createServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    silentPort = (silent.address() as { port: number }).port;
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    closedPort = (closed.address() as { port: number }).port;
    closed.close();
    await once(closed, 'close');
  });

  after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it('retries a refused Postgres connection', async () => {
    const client = new Client({ host: '127.0.0.1', port: closedPort, connectionTimeoutMillis: 2000 });
    const error = await thrownBy(() => client.connect());
    assert.equal((error as { code?: string }).code, 'ECONNREFUSED');
    assert.deepEqual(classifyError(error), { kind: 'transient', reason: 'connection' });
  });

  it('retries a Postgres connection that timed out', async () => {
    const client = new Client({ host: '127.0.0.1', port: silentPort, connectionTimeoutMillis: 200 });
    const error = await thrownBy(() => client.connect());
    assert.match(String(error), /timeout/i);
    assert.equal(classifyError(error).kind, 'transient');
  });

  it('retries Redis when it is away (no offline queue) and when a command times out', async () => {
    const away = new Redis({
      host: '127.0.0.1',
      port: closedPort,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    const offline = await thrownBy(() => away.get('k'));
    away.disconnect();
    assert.equal(classifyError(offline).kind, 'transient', String(offline));

    const hung = new Redis({
      host: '127.0.0.1',
      port: silentPort,
      commandTimeout: 100,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const timedOut = await thrownBy(() => hung.get('k'));
    hung.disconnect();
    assert.equal(classifyError(timedOut).kind, 'transient', String(timedOut));
  });
});

describe('error kinds: Kafka', () => {
  it('retries Kafka being away while a dead letter is published', () => {
    const connection = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19092');
    const gaveUp = new KafkaJSNumberOfRetriesExceeded(connection, { retryCount: 5, retryTime: 5000 });
    // As kafkajs builds it from a broker's error code (protocol/error.js createErrorFromCode).
    const leader = new KafkaJSProtocolError({
      type: 'LEADER_NOT_AVAILABLE',
      code: 5,
      retriable: true,
      message: 'There is no leader for this topic-partition',
    } as unknown as Error);
    for (const error of [
      connection,
      gaveUp,
      leader,
      new KafkaJSRequestTimeoutError('Request Produce timed out'),
    ]) {
      assert.deepEqual(classifyError(error), { kind: 'transient', reason: 'kafka_unavailable' });
    }
  });
});

describe('error kinds: events that can never apply', () => {
  it('dead-letters a message that is not JSON, or not an envelope', () => {
    const notJson = thrownSync(() => parseEnvelope('{"this is": not json'));
    assert.deepEqual(classifyError(notJson), { kind: 'permanent', reason: 'contract' });
    const notEnvelope = thrownSync(() => parseEnvelope('{"id": 1}'));
    assert.deepEqual(classifyError(notEnvelope), { kind: 'permanent', reason: 'contract' });
  });

  it('dead-letters an unknown type or schema version, and a payload that breaks its contract', () => {
    const unknownType = thrownSync(() => parseEnergyEvent('energy.MeterMelted', 1, {}));
    assert.deepEqual(classifyError(unknownType), { kind: 'permanent', reason: 'unknown_event' });
    const unknownVersion = thrownSync(() => parseEnergyEvent('energy.ReadingsRecorded', 9, {}));
    assert.equal(classifyError(unknownVersion).kind, 'permanent');
    const badPayload = thrownSync(() => parseEnergyEvent('energy.ReadingsRecorded', 1, { readings: 'many' }));
    assert.deepEqual(classifyError(badPayload), { kind: 'permanent', reason: 'contract' });
  });

  it('dead-letters what a projection says can never apply', () => {
    assert.deepEqual(classifyError(new UnapplicableEventError('readings for a meter never registered')), {
      kind: 'permanent',
      reason: 'unapplicable',
    });
  });

  it('stalls, not dead-letters, on a programming error', () => {
    const bug = thrownSync(() => (undefined as unknown as { x: { y: number } }).x.y);
    assert.deepEqual(classifyError(bug), { kind: 'unknown', reason: 'TypeError' });
    assert.equal(classifyError('a string').kind, 'unknown');
  });
});

describe('backoff', () => {
  it('doubles from 200 ms to a 30 s cap, each wait between half and all of its step', () => {
    const policy = { initialMs: 200, maxMs: 30_000 };
    const ceilings = [200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000];
    for (let retry = 1; retry <= 200; retry += 1) {
      const ceiling = ceilings[Math.min(retry, ceilings.length) - 1];
      for (let sample = 0; sample < 20; sample += 1) {
        const wait = backoff(retry, policy);
        assert.ok(
          wait >= ceiling / 2 && wait <= ceiling,
          `retry ${retry}: ${wait} outside ${ceiling / 2}..${ceiling}`,
        );
      }
    }
  });
});

function thrownSync(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
