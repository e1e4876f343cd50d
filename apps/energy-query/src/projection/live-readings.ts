import { Reading } from '@voltstream/energy';
import Redis from 'ioredis';

/** Redis channel that carries a meter's new readings to GraphQL subscribers. */
export const meterReadingsChannel = (meterId: string): string => `energy:meter-readings:${meterId}`;

/** Published after the projection commits, so a subscriber never sees a reading a query cannot. */
export async function publishLatestReadings(
  redis: Redis,
  latest: ReadonlyMap<string, Reading>,
): Promise<void> {
  if (latest.size === 0) return;
  const pipeline = redis.pipeline();
  for (const [meterId, reading] of latest) {
    pipeline.publish(
      meterReadingsChannel(meterId),
      JSON.stringify({ at: reading.at.toISOString(), kwh: reading.wh / 1000 }),
    );
  }
  await pipeline.exec();
}
