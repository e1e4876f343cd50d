import { JsonLogger } from '@voltstream/platform';

/**
 * Runs `tick` again at once while it finds work, every `intervalMs` while it does not, and backs
 * off when it fails (the database is away). The rows it works on carry the state, so a
 * restarted process simply picks up where the last one stopped.
 */
export class PollingLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastError: string | undefined;

  constructor(
    private readonly name: string,
    private readonly tick: () => Promise<number>,
    private readonly intervalMs: number,
    private readonly logger: JsonLogger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  status(): { running: boolean; lastError?: string } {
    return { running: this.running, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const handled = await this.tick();
        failures = 0;
        this.lastError = undefined;
        if (handled === 0) await this.sleep(this.intervalMs);
      } catch (error) {
        failures += 1;
        this.lastError = String(error);
        const delayMs = Math.min(100 * 2 ** failures, 5000);
        this.logger.event('warn', `${this.name} failed; retrying`, { error: this.lastError, delayMs });
        await this.sleep(delayMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
