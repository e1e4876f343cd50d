import { Admin, Kafka } from 'kafkajs';
import { RebuildRefused } from './rebuild-refused';

/** What a rebuild asks Kafka: where the topic ends, whether it still starts at 0, and to forget a builder's group. */
export class TopicHistory {
  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
  ) {}

  /** The sum of the partitions' end offsets: the offsets a version has to apply to be complete now. */
  end(): Promise<number> {
    return this.withAdmin(async (admin) =>
      (await admin.fetchTopicOffsets(this.topic)).reduce((sum, { high }) => sum + Number(high), 0),
    );
  }

  /** A rebuild starts from the first event: the topic must still hold it. */
  refuseTruncated(): Promise<void> {
    return this.withAdmin(async (admin) => {
      const truncated = (await admin.fetchTopicOffsets(this.topic)).filter(({ low }) => low !== '0');
      if (truncated.length === 0) return;
      const where = truncated.map((p) => `${p.partition} from ${p.low}`).join(', ');
      throw new RebuildRefused(
        'REBUILD.HISTORY_TRUNCATED',
        `${this.topic} no longer holds its first events (partitions ${where}): its retention.ms must be -1 for a rebuild`,
      );
    });
  }

  /** Best effort: a group left behind only takes a little broker memory until it expires. */
  deleteGroup(group: string): Promise<void> {
    return this.withAdmin(async (admin) => {
      await admin.deleteGroups([group]).catch(() => undefined);
    });
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }
}
