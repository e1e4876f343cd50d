import { Topics } from '@voltstream/contracts';
import {
  Authenticator,
  JsonLogger,
  ProjectionDeadLetters1767300000000,
  Readiness,
  ReadModelCache,
  ReadSide,
  ServiceMetrics,
  Stoppable,
} from '@voltstream/platform';
import { BillingQueryConfig } from './config';
import { BillingReadModel1733100000000 } from './migrations/1733100000000-billing-read-model';
import { CreditNotes1767400000000 } from './migrations/1767400000000-credit-notes';
import { BillingProjection, BillingProjectionResult } from './projection/billing-projection';
import { publishInvoiceUpdates } from './projection/invoice-updates';
import { UsersProjection } from './projection/users-projection';
import { TARIFF_LIST_KEY } from './tariffs/tariff-reads';

/** Everything billing-query runs on: its read side, the caches, and the two projectors. */
export class BillingQueryRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly auth: Authenticator;
  readonly metrics: ServiceMetrics;
  readonly readSide: ReadSide;
  /** Pages of an account's invoices and its balance, stamped with the account's revision. */
  readonly accountCache: ReadModelCache;
  /** The tariff list, stamped with the number of tariffs (they are only ever added). */
  readonly tariffCache: ReadModelCache;

  constructor(
    readonly config: BillingQueryConfig,
    readonly logger: JsonLogger,
  ) {
    this.metrics = new ServiceMetrics(config.service.serviceName);
    this.auth = Authenticator.fromConfig(config.auth);
    this.readSide = new ReadSide({
      config,
      migrations: [
        BillingReadModel1733100000000,
        ProjectionDeadLetters1767300000000,
        CreditNotes1767400000000,
      ],
      // A Redis outage only costs cache hits (and live invoice updates until it is back).
      redisProbe: {
        name: 'cache',
        details: () => ({
          accountHitRatio: this.accountCache.hitRatio(),
          tariffHitRatio: this.tariffCache.hitRatio(),
        }),
      },
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    const redis = this.readSide.redis;
    this.accountCache = new ReadModelCache(redis, 'billing:account', config.cacheTtlSeconds);
    this.tariffCache = new ReadModelCache(redis, 'billing:tariffs', config.cacheTtlSeconds);
    this.metrics.gaugeFrom('cache_hit_ratio', 'Share of cache lookups answered from Redis', () => {
      const stats = [this.accountCache.stats, this.tariffCache.stats];
      const hits = stats.reduce((sum, s) => sum + s.hits, 0);
      const total = hits + stats.reduce((sum, s) => sum + s.misses, 0);
      return total === 0 ? 0 : hits / total;
    });

    const billing = new BillingProjection();
    this.readSide.addProjection({
      topic: Topics.billing,
      groupId: config.consumerGroup,
      partitions: config.billingTopicPartitions,
      probe: 'projectors',
      projection: {
        name: billing.name,
        apply: (events, tx) => billing.apply(events, tx),
        afterCommit: (result) => this.afterBillingCommit(result),
      },
    });
    this.readSide.addProjection({
      topic: Topics.identity,
      groupId: config.usersConsumerGroup,
      partitions: config.identityTopicPartitions,
      probe: 'projectors',
      projection: new UsersProjection(),
    });
  }

  start(): Promise<void> {
    return this.readSide.start();
  }

  stop(): Promise<void> {
    return this.readSide.stop();
  }

  private async afterBillingCommit(result: BillingProjectionResult): Promise<void> {
    await this.accountCache.invalidate(result.accountRevisions);
    if (result.tariffCount !== null) {
      await this.tariffCache.invalidate(new Map([[TARIFF_LIST_KEY, result.tariffCount]]));
    }
    await publishInvoiceUpdates(this.readSide.redis, result.invoices);
  }
}
