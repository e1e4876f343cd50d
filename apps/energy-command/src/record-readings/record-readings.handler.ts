import {
  ENERGY_AGGREGATE,
  encodeConsistencyToken,
  ENERGY_SCHEMA_VERSIONS,
  EnergyEventTypes,
  notFound,
  UUID_PATTERN,
} from '@voltstream/contracts';
import {
  decideRecordReadings,
  ReadingInput,
  ReadingPolicy,
  DEFAULT_READING_POLICY,
} from '@voltstream/energy';
import { EventOutbox } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { meterStore } from '../meters/meter-store';

export interface RecordReadingsCommand {
  callerId: string;
  meterId: string;
  readings: readonly ReadingInput[];
  correlationId?: string;
}

export interface RecordReadingsReceipt {
  accepted: number;
  duplicates: number;
  /** Accepted readings that replaced an estimate (a correction, not a conflict). */
  replacedEstimates: number;
  consistencyToken: string;
}

/**
 * One transaction and one event per call, however many readings it carries: the meter row is
 * locked (the estimator takes the same lock, so versions stay serial and an estimate is never
 * made under a batch that is replacing it), the batch decided against what is stored, and
 * readings, version and outbox row are written together.
 */
export class RecordReadingsHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
    private readonly policy: ReadingPolicy = DEFAULT_READING_POLICY,
  ) {}

  async execute(command: RecordReadingsCommand): Promise<RecordReadingsReceipt> {
    if (!UUID_PATTERN.test(command.meterId)) throw notFound('meter');
    const now = new Date();
    return this.db.transaction(async (tx) => {
      const meter = await meterStore.lock(tx, command.meterId);
      // Another customer's meter reads exactly like a missing one.
      if (!meter || meter.ownerId !== command.callerId) throw notFound('meter');
      const validInstants = command.readings.map((r) => r.at).filter((at) => !Number.isNaN(at.getTime()));
      const stored = await meterStore.readingsAt(tx, meter.id, validInstants);
      const decision = decideRecordReadings({ meter, readings: command.readings, now }, stored, this.policy);
      let version = meter.version;
      if (decision.accepted.length > 0) {
        version += 1;
        await meterStore.insertReadings(tx, meter.id, decision.accepted);
        await meterStore.recorded(tx, meter.id, version, decision.accepted);
        await this.outbox.emit(
          tx,
          {
            aggregate: { type: ENERGY_AGGREGATE, id: meter.id, version },
            events: [
              {
                type: EnergyEventTypes.ReadingsRecorded,
                schemaVersion: ENERGY_SCHEMA_VERSIONS[EnergyEventTypes.ReadingsRecorded],
                payload: {
                  meterId: meter.id,
                  readings: decision.accepted.map((r) => ({
                    at: r.at.toISOString(),
                    wh: r.wh,
                    replacesEstimateWh: r.replacesEstimateWh,
                  })),
                },
              },
            ],
          },
          { actorId: command.callerId, correlationId: command.correlationId, occurredAt: now },
        );
      }
      return {
        accepted: decision.accepted.length,
        duplicates: decision.duplicates,
        replacedEstimates: decision.replacedEstimates,
        consistencyToken: encodeConsistencyToken({
          aggregateType: ENERGY_AGGREGATE,
          aggregateId: meter.id,
          version,
        }),
      };
    });
  }
}
