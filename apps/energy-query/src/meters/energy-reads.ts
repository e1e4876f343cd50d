import { GraphQLContext, PerRequest, RequestReads } from '@voltstream/platform';
import DataLoader from 'dataloader';
import { EnergyQueryRuntime } from '../runtime';
import { findMeters, MeterView, waitForMeterVersion } from './meter-reads';

/** The cache field a meter's own row is kept under, beside its consumption pages. */
const METER_ENTRY = 'meter';

/**
 * The reads of one request (on one database, see RequestReads). Meters come from the Redis
 * cache, stamped with the meter's version like its consumption pages (the projector's commit
 * drops both), or from one query for every meter the request asks for: `BillingAccount.meters`
 * resolves all of an account's meters in one `_entities` call.
 */
export class EnergyReads extends RequestReads {
  // Keys are lower case: the read model's ids are, and the cache is keyed by them.
  private readonly byId = new DataLoader<string, MeterView | null>((ids) => this.loadMeters(ids));

  constructor(private readonly runtime: EnergyQueryRuntime) {
    super(runtime.readSide);
  }

  /** A meter as of `minVersion` or later (a consistency token's), waiting a bounded time for it. */
  async meter(anyCaseId: string, minVersion = 0): Promise<MeterView | null> {
    const id = anyCaseId.toLowerCase();
    if (minVersion <= 0) return this.byId.load(id);
    const [cached] = await this.runtime.cache.getMany<MeterView>([id], METER_ENTRY, minVersion);
    if (cached) return revive(cached);
    const meter = await this.read(async (db) => {
      await waitForMeterVersion(db, id, minVersion, this.runtime.config.consistencyWaitMs);
      return (await findMeters(db, [id])).get(id) ?? null;
    });
    if (meter) await this.remember([meter]);
    return meter;
  }

  private async loadMeters(ids: readonly string[]): Promise<(MeterView | null)[]> {
    const cached = await this.runtime.cache.getMany<MeterView>(ids, METER_ENTRY);
    const missing = ids.filter((_, i) => !cached[i]);
    const found =
      missing.length > 0 ? await this.read((db) => findMeters(db, missing)) : new Map<string, MeterView>();
    await this.remember([...found.values()]);
    return ids.map((id, i) => {
      const hit = cached[i];
      return hit ? revive(hit) : (found.get(id) ?? null);
    });
  }

  /** Stamped with the version read, so an entry older than the projector's bar is never served. */
  private async remember(meters: MeterView[]): Promise<void> {
    await Promise.all(
      meters.map((meter) => this.runtime.cache.set(meter.id, METER_ENTRY, meter.version, meter)),
    );
  }
}

/** A cached meter's instants come back from JSON as strings. */
function revive(meter: MeterView): MeterView {
  return {
    ...meter,
    createdAt: new Date(meter.createdAt),
    latestReading: meter.latestReading
      ? { at: new Date(meter.latestReading.at), kwh: meter.latestReading.kwh }
      : null,
  };
}

const sessions = new PerRequest<EnergyReads>();

/** The reads of the request this context belongs to. */
export function readsOf(runtime: EnergyQueryRuntime, context: GraphQLContext): EnergyReads {
  return sessions.of(context, () => new EnergyReads(runtime));
}
