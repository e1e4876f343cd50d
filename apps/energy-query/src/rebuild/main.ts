import 'reflect-metadata';
import { Topics } from '@voltstream/contracts';
import {
  EnvReader,
  JsonLogger,
  ReadModelRebuild,
  RebuildRefused,
  readKafkaConfig,
  ReadModelCache,
  readPostgresConfig,
  readRedisConfig,
  RedisConfig,
  createRedis,
} from '@voltstream/platform';
import { readVeeThresholds } from '../config';
import { EnergyProjection } from '../projection/energy-projection';
import { CONSUMPTION_CACHE, READ_MODEL_MIGRATIONS } from '../runtime';
import { parseRebuildArgs, RebuildCommand, USAGE, UsageError, versionLines } from './rebuild-cli';

/**
 * `npm run rebuild -- energy [--status|--drop-old]` (scripts/rebuild.mjs runs this with
 * energy-query's environment). Exit codes: 0 done, 1 refused or failed, 2 usage.
 */
async function main(command: RebuildCommand): Promise<void> {
  const reader = new EnvReader(process.env);
  const postgres = readPostgresConfig(reader, 'energy_read', false);
  const kafka = readKafkaConfig(reader, 'energy-query-rebuild');
  const redis = readRedisConfig(reader);
  const cacheTtlSeconds = reader.int('CACHE_TTL_SECONDS', 300, { min: 1 });
  const liveGroup = reader.string('ENERGY_PROJECTION_GROUP', 'energy-query.read-model');
  // How close to the topic's end the new version must be before the cut-over holds the live projector.
  const catchUpOffsets = reader.int('REBUILD_CUT_OVER_LAG', 1000, { min: 0 });
  const sampleEveryMs = reader.int('REBUILD_SAMPLE_MS', 1000, { min: 50 });
  const vee = readVeeThresholds(reader);
  reader.done();
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const rebuild = new ReadModelRebuild(
    {
      key: 'energy',
      topic: Topics.energy,
      liveGroup,
      projection: () => new EnergyProjection(vee),
      migrations: READ_MODEL_MIGRATIONS,
      afterCutOver: () => dropCachedPages(redis, cacheTtlSeconds),
    },
    {
      postgres,
      kafka,
      logger: new JsonLogger('energy-query-rebuild', 'warn'),
      print,
      catchUpOffsets,
      sampleEveryMs,
    },
  );
  if (command.action === 'status') {
    for (const line of versionLines(await rebuild.versions())) print(line);
  } else if (command.action === 'drop-old') {
    const dropped = await rebuild.dropRetired();
    print(
      dropped.length === 0
        ? 'energy: no retired version to drop'
        : `energy: dropped ${dropped.map((v) => `v${v}`).join(', ')}`,
    );
  } else {
    await rebuild.run();
  }
}

/** Consumption pages cached from the old version's tables go; the new tables answer from now on. */
async function dropCachedPages(config: RedisConfig, ttlSeconds: number): Promise<string> {
  const redis = createRedis(config, 'energy-query-rebuild');
  try {
    // No offline queue: commands sent before the connection is up would fail at once.
    await new Promise((resolve, reject) => {
      redis.once('ready', resolve);
      redis.once('error', reject);
    });
    const dropped = await new ReadModelCache(redis, CONSUMPTION_CACHE, ttlSeconds).dropAllEntries();
    return `dropped the cached consumption pages of ${dropped} meters`;
  } catch (error) {
    return `could not drop the cached consumption pages (${String(error)}); they expire within ${ttlSeconds} s`;
  } finally {
    redis.disconnect();
  }
}

let command: RebuildCommand;
try {
  command = parseRebuildArgs(process.argv.slice(2), ['energy']);
} catch (error) {
  process.stderr.write(`rebuild: ${(error as UsageError).code}: ${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
main(command).then(
  () => process.exit(0),
  (error: unknown) => {
    const code = error instanceof RebuildRefused ? `${error.code}: ` : '';
    process.stderr.write(`rebuild: ${code}${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
