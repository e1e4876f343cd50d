import { LiveChannels, ReadingMessage } from '@voltstream/contracts';
import { Reading } from '@voltstream/energy';
import Redis from 'ioredis';

/** Published after the projection commits, so a subscriber never sees a reading a query cannot. */
export async function publishLatestReadings(
  redis: Redis,
  latest: ReadonlyMap<string, Reading>,
): Promise<void> {
  if (latest.size === 0) return;
  const pipeline = redis.pipeline();
  for (const [meterId, reading] of latest) {
    const message: ReadingMessage = { at: reading.at.toISOString(), kwh: reading.wh / 1000 };
    pipeline.publish(LiveChannels.meterReadings(meterId), JSON.stringify(message));
  }
  await pipeline.exec();
}
