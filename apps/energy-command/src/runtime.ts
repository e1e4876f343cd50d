import { Topics } from '@voltstream/contracts';
import {
  Authenticator,
  EventOutbox,
  JsonLogger,
  Readiness,
  ServiceMetrics,
  Stoppable,
  WriteSide,
} from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { EnergyCommandConfig } from './config';
import { GapEstimator } from './estimate-gaps/gap-estimator';
import { InitialSchema1732300000000 } from './migrations/1732300000000-initial-schema';
import { Estimates1767600000000 } from './migrations/1767600000000-estimates';
import { RecordReadingsHandler } from './record-readings/record-readings.handler';
import { RegisterMeterHandler } from './register-meter/register-meter.handler';

/** Everything energy-command runs on, built once at boot and handed to the Nest module. */
export class EnergyCommandRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly metrics: ServiceMetrics;
  readonly auth: Authenticator;
  readonly writeSide: WriteSide;
  readonly db: DataSource;
  readonly registerMeter: RegisterMeterHandler;
  readonly recordReadings: RecordReadingsHandler;
  readonly gapEstimator: GapEstimator;

  constructor(
    readonly config: EnergyCommandConfig,
    readonly logger: JsonLogger,
  ) {
    const name = config.service.serviceName;
    this.metrics = new ServiceMetrics(name);
    this.auth = Authenticator.fromConfig(config.auth);
    this.writeSide = new WriteSide({
      service: name,
      postgres: config.postgres,
      kafka: config.kafka,
      topic: Topics.energy,
      topicPartitions: config.topicPartitions,
      migrations: [InitialSchema1732300000000, Estimates1767600000000],
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    this.db = this.writeSide.db;
    const outbox = new EventOutbox(name, Topics.energy);
    this.registerMeter = new RegisterMeterHandler(this.db, outbox);
    this.recordReadings = new RecordReadingsHandler(this.db, outbox, config.readingPolicy);
    this.gapEstimator = new GapEstimator(this.db, outbox, config.estimation, logger, this.metrics);
  }

  async start(): Promise<void> {
    await this.writeSide.start();
    this.gapEstimator.start();
  }

  async stop(): Promise<void> {
    await this.gapEstimator.stop();
    await this.writeSide.stop();
  }
}
