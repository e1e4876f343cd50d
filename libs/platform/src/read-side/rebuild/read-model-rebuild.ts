import { Kafka } from 'kafkajs';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { KafkaConfig, PostgresConfig } from '../../config/service-config';
import { createDataSource } from '../../database/data-source';
import { EventPublisher } from '../../kafka/event-publisher';
import { createKafka } from '../../kafka/kafka-client';
import { Projection } from '../../kafka/projection';
import { ProjectionRunner } from '../../kafka/projection-runner';
import { JsonLogger } from '../../logging/json-logger';
import { followUntilLive } from './follow-until-live';
import { RebuildRefused } from './rebuild-refused';
import { TopicHistory } from './topic-history';
import { ident, ReadModelVersion, setState, versionSchema, versionsOf } from './versions';

/**
 * How long a cut-over may hold the live projector while the new version catches up with it:
 * well below a consistency token's wait (CONSISTENCY_WAIT_MS, 5 s), so that reads waiting for a
 * write made meanwhile are still answered once the live projector moves again.
 */
const CUT_OVER_HOLD_MS = 2000;

/** A read model that can be rebuilt: where it comes from and how it is made. */
export interface RebuildableReadModel {
  /** The CLI's name for it and the prefix of its version schemas: `energy`. */
  key: string;
  topic: string;
  /** The live projector's consumer group; a version's builder uses `<group>.v<N>`. */
  liveGroup: string;
  /** A fresh projection (the live one's code), writing through whatever search_path it is given. */
  projection: () => Projection<unknown>;
  /** The migrations that make its tables, as the service runs them (without the bookkeeping one). */
  migrations: readonly (new () => MigrationInterface)[];
  /** What the new version's readers need once it is live (e.g. a cache of the old one dropped). */
  afterCutOver?: () => Promise<string>;
}

export interface RebuildOptions {
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  logger: JsonLogger;
  /** Where progress goes (a terminal). */
  print: (line: string) => void;
  /** Start the cut-over once the new version is this close to the topic's end. */
  catchUpOffsets?: number;
  sampleEveryMs?: number;
}

/**
 * Blue/green rebuild of one read model (docs/read-model-rebuild.md): builds version N+1 from
 * the topic's first event into schema `<key>_v<N+1>` with the live projection's code and a
 * consumer group of its own, prints progress, and cuts over atomically once caught up.
 */
export class ReadModelRebuild {
  private readonly kafka: Kafka;
  private readonly history: TopicHistory;

  constructor(
    private readonly model: RebuildableReadModel,
    private readonly options: RebuildOptions,
  ) {
    this.kafka = createKafka(options.kafka, options.logger);
    this.history = new TopicHistory(this.kafka, model.topic);
  }

  async versions(): Promise<ReadModelVersion[]> {
    return this.withPrimary((primary) => versionsOf(primary, this.model.key));
  }

  /** Drops every retired version's schema; returns the versions dropped. */
  async dropRetired(): Promise<number[]> {
    return this.withPrimary(async (primary) => {
      const retired = (await versionsOf(primary, this.model.key)).filter((v) => v.state === 'retired');
      for (const { version, schemaName } of retired) {
        await primary.transaction(async (tx) => {
          await tx.query(`DROP SCHEMA IF EXISTS ${ident(schemaName)} CASCADE`);
          await setState(tx, this.model.key, version, 'dropped');
        });
      }
      return retired.map((v) => v.version);
    });
  }

  /** Builds the next version and makes it live; returns its number. */
  async run(): Promise<number> {
    return this.withPrimary(async (primary) => {
      const lock = await this.lockRebuild(primary);
      try {
        await this.abandonStale(primary);
        await this.history.refuseTruncated();
        const versions = await versionsOf(primary, this.model.key);
        const live = versions.find((v) => v.state === 'live')!;
        const version = Math.max(...versions.map((v) => v.version)) + 1;
        return await this.build(primary, live.version, version);
      } finally {
        await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockName()]).catch(() => undefined);
        await lock.release();
      }
    });
  }

  private async build(primary: DataSource, previous: number, version: number): Promise<number> {
    const { key, liveGroup, topic } = this.model;
    const schema = versionSchema(key, version);
    const group = `${liveGroup}.v${version}`;
    await primary.query(
      `INSERT INTO read_model_versions (read_model, version, state, schema_name, consumer_group)
       VALUES ($1, $2, 'building', $3, $4)`,
      [key, version, schema, group],
    );
    const builder = this.dataSource(schema);
    await builder.initialize();
    const projection = this.model.projection();
    const publisher = new EventPublisher(this.kafka);
    const runner = new ProjectionRunner({
      kafka: this.kafka,
      groupId: group,
      topic,
      projection,
      dataSource: builder,
      deadLetters: publisher,
      logger: this.options.logger,
      fromBeginning: true,
      partitionsConsumedConcurrently: 6,
      fetchWaitMs: this.options.kafka.consumers?.fetchWaitMs,
    });
    let running = false;
    try {
      await primary.query(`CREATE SCHEMA ${ident(schema)}`);
      await builder.transaction((tx) => this.migrate(tx.queryRunner!));
      this.options.print(
        `${key}: building v${version} in schema ${schema} from the first event (group ${group})`,
      );
      await runner.start();
      running = true;
      await followUntilLive({
        primary,
        history: this.history,
        print: this.options.print,
        catchUpOffsets: this.options.catchUpOffsets ?? 1000,
        sampleEveryMs: this.options.sampleEveryMs ?? 1000,
        plan: {
          key,
          projection: projection.name,
          topic,
          version,
          previous,
          catchUpMs: CUT_OVER_HOLD_MS,
          lockTimeoutMs: 5000,
        },
        stopBuilder: async () => {
          await runner.stop();
          running = false;
        },
        restartBuilder: async () => {
          await runner.start();
          running = true;
        },
      });
      if (this.model.afterCutOver) this.options.print(`${key}: ${await this.model.afterCutOver()}`);
      this.options.print(
        `${key}: v${version} is live; v${previous} is kept in schema ${versionSchema(key, previous)} ` +
          `until \`npm run rebuild -- ${key} --drop-old\``,
      );
      return version;
    } catch (error) {
      if (running) await runner.stop();
      running = false;
      // Never a version that went live: only one still building is dropped.
      await this.abandon(primary, version).catch(() => undefined);
      throw error;
    } finally {
      if (running) await runner.stop();
      await publisher.disconnect();
      await builder.destroy();
      await this.history.deleteGroup(group);
    }
  }

  private async migrate(runner: QueryRunner): Promise<void> {
    for (const Migration of this.model.migrations) await new Migration().up(runner);
  }

  /** One rebuild of a read model at a time: a session lock held for the whole build. */
  private async lockRebuild(primary: DataSource): Promise<QueryRunner> {
    const lock = primary.createQueryRunner('master');
    await lock.connect();
    const [row] = (await lock.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      this.lockName(),
    ])) as { locked: boolean }[];
    if (row?.locked) return lock;
    await lock.release();
    throw new RebuildRefused('REBUILD.ALREADY_RUNNING', `a rebuild of ${this.model.key} is running already`);
  }

  private lockName(): string {
    return `read-model-rebuild:${this.model.key}`;
  }

  /** A build whose process died (its lock is gone with it) is dropped, with its consumer group. */
  private async abandonStale(primary: DataSource): Promise<void> {
    const stale = (await versionsOf(primary, this.model.key)).filter((v) => v.state === 'building');
    for (const { version, consumerGroup } of stale) {
      await this.abandon(primary, version);
      if (consumerGroup) await this.history.deleteGroup(consumerGroup);
      this.options.print(`${this.model.key}: dropped v${version}, an unfinished build`);
    }
  }

  /** A version still building (never one that went live) is dropped with its schema. */
  private async abandon(primary: DataSource, version: number): Promise<void> {
    const schema = versionSchema(this.model.key, version);
    await primary.transaction(async (tx) => {
      const rows = await tx.query<unknown[]>(
        `WITH abandoned AS (UPDATE read_model_versions SET state = 'abandoned'
           WHERE read_model = $1 AND version = $2 AND state = 'building' RETURNING version)
         SELECT version FROM abandoned`,
        [this.model.key, version],
      );
      if (rows.length > 0) await tx.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    });
  }

  private dataSource(searchPath?: string): DataSource {
    const pg = this.options.postgres;
    return createDataSource({
      url: pg.primaryUrl,
      database: pg.database,
      applicationName: `${this.model.key}-rebuild${searchPath ? `:${searchPath}` : ''}`,
      poolSize: 8,
      connectTimeoutMs: pg.connectTimeoutMs,
      statementTimeoutMs: pg.statementTimeoutMs,
      searchPath,
    });
  }

  private async withPrimary<T>(work: (primary: DataSource) => Promise<T>): Promise<T> {
    const primary = this.dataSource();
    await primary.initialize();
    try {
      return await work(primary);
    } finally {
      await primary.destroy();
    }
  }
}
