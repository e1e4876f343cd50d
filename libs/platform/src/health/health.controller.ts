import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  MemoryHealthIndicator,
} from '@nestjs/terminus';
import { checkWithin, Readiness } from './readiness';

const HEAP_LIMIT_BYTES = 1536 * 1024 * 1024;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly memory: MemoryHealthIndicator,
    @Inject(Readiness) private readonly readiness: Readiness,
  ) {}

  /** The process only: a database blip must never make the orchestrator restart us. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.memory.checkHeap('heap', HEAP_LIMIT_BYTES)]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    const draining = async () =>
      this.readiness.isDraining()
        ? this.indicators.check('lifecycle').down({ state: 'draining' })
        : this.indicators.check('lifecycle').up({ state: 'serving' });
    const probes = this.readiness.list().map((probe) => async () => {
      const result = await checkWithin(probe, 2000);
      const session = this.indicators.check(probe.name);
      return result.up ? session.up(result.details ?? {}) : session.down(result.details ?? {});
    });
    return this.health.check([draining, ...probes]);
  }
}
