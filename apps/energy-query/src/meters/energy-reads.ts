import { GraphQLContext, PerRequest, RequestReads } from '@voltstream/platform';
import DataLoader from 'dataloader';
import { EnergyQueryRuntime } from '../runtime';
import { findMeters, MeterView, waitForMeterVersion } from './meter-reads';

/**
 * The reads of one request (on one database, see RequestReads), with the meters it asks for
 * read in one query: `BillingAccount.meters` resolves all of an account's meters in one
 * `_entities` call.
 *
 * Meters are read from the database on every request, never from the Redis cache: the meter's
 * version read here is what keeps a consumption page cached before a lost invalidation (a Redis
 * timeout as the projector commits) from ever being served. A cached meter would carry its stale
 * version with it, and the stale pages with it, until their TTL.
 */
export class EnergyReads extends RequestReads {
  // Keys are lower case, as the read model's ids are.
  private readonly byId = new DataLoader<string, MeterView | null>(async (ids) => {
    const found = await this.read((db) => findMeters(db, ids));
    return ids.map((id) => found.get(id) ?? null);
  });

  constructor(private readonly runtime: EnergyQueryRuntime) {
    super(runtime.readSide);
  }

  /** A meter as of `minVersion` or later (a consistency token's), waiting a bounded time for it. */
  async meter(anyCaseId: string, minVersion = 0): Promise<MeterView | null> {
    const id = anyCaseId.toLowerCase();
    if (minVersion <= 0) return this.byId.load(id);
    return this.read(async (db) => {
      await waitForMeterVersion(db, id, minVersion, this.runtime.config.consistencyWaitMs);
      return (await findMeters(db, [id])).get(id) ?? null;
    });
  }
}

const sessions = new PerRequest<EnergyReads>();

/** The reads of the request this context belongs to. */
export function readsOf(runtime: EnergyQueryRuntime, context: GraphQLContext): EnergyReads {
  return sessions.of(context, () => new EnergyReads(runtime));
}
