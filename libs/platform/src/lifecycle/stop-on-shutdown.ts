import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';

export interface Stoppable {
  stop(): Promise<void>;
}

const STOPPABLE = Symbol('Stoppable');

/** Stops a service's runtime (consumers, relay, pools) after Nest has closed the HTTP server. */
@Injectable()
export class StopOnShutdown implements OnApplicationShutdown {
  constructor(@Inject(STOPPABLE) private readonly stoppable: Stoppable) {}

  async onApplicationShutdown(): Promise<void> {
    await this.stoppable.stop();
  }
}

export function stopOnShutdown(stoppable: Stoppable): Provider[] {
  return [{ provide: STOPPABLE, useValue: stoppable }, StopOnShutdown];
}
