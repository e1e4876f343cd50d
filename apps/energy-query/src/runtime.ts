import { Topics } from '@voltstream/contracts';
import {
  Authenticator,
  JsonLogger,
  ProjectionDeadLetters1767300000000,
  ProjectionRunner,
  Readiness,
  ReadModelCache,
  ReadSide,
  ServiceMetrics,
  Stoppable,
} from '@voltstream/platform';
import { EnergyQueryConfig } from './config';
import { ReadModel1732300000000 } from './migrations/1732300000000-read-model';
import { PartitionReadings1732400000000 } from './migrations/1732400000000-partition-readings';
import { ReadModelVersions1767400000000 } from './migrations/1767400000000-read-model-versions';
import { DataQuality1767600000000 } from './migrations/1767600000000-data-quality';
import { EnergyProjection, EnergyProjectionResult } from './projection/energy-projection';
import { publishLatestReadings } from './projection/live-readings';

/** The migrations that make the read model's tables: what a rebuild runs into a version's schema. */
export const READ_MODEL_MIGRATIONS = [
  ReadModel1732300000000,
  PartitionReadings1732400000000,
  ProjectionDeadLetters1767300000000,
  DataQuality1767600000000,
];

/** The Redis namespace of cached consumption pages. */
export const CONSUMPTION_CACHE = 'energy:consumption';

/** Everything energy-query runs on: its read side, the consumption cache, and the projector. */
export class EnergyQueryRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly auth: Authenticator;
  readonly metrics: ServiceMetrics;
  readonly readSide: ReadSide;
  readonly cache: ReadModelCache;
  readonly projector: ProjectionRunner<EnergyProjectionResult>;

  constructor(
    readonly config: EnergyQueryConfig,
    readonly logger: JsonLogger,
  ) {
    this.metrics = new ServiceMetrics(config.service.serviceName);
    this.auth = Authenticator.fromConfig(config.auth);
    this.readSide = new ReadSide({
      config,
      migrations: [...READ_MODEL_MIGRATIONS, ReadModelVersions1767400000000],
      // A Redis outage only costs cache hits.
      redisProbe: { name: 'cache', details: () => ({ hitRatio: this.cache.hitRatio() }) },
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    const redis = this.readSide.redis;
    this.cache = new ReadModelCache(redis, CONSUMPTION_CACHE, config.cacheTtlSeconds);
    this.metrics.gaugeFrom('cache_hit_ratio', 'Share of cache lookups answered from Redis', () =>
      this.cache.hitRatio(),
    );

    const projection = new EnergyProjection(config.vee);
    this.projector = this.readSide.addProjection({
      topic: Topics.energy,
      groupId: config.consumerGroup,
      partitions: config.topicPartitions,
      probe: 'projector',
      projection: {
        name: projection.name,
        apply: (events, tx) => projection.apply(events, tx),
        afterCommit: async (result) => {
          await this.cache.invalidate(result.versions);
          await publishLatestReadings(redis, result.latest);
        },
      },
    });
  }

  start(): Promise<void> {
    return this.readSide.start();
  }

  stop(): Promise<void> {
    return this.readSide.stop();
  }
}
