import { JsonLogger } from '@voltstream/platform';

/**
 * Runs `tick` again at once while it finds work, every `intervalMs` while it does not, and backs
 * off when it fails (the database is away). The rows it works on carry the state, so a
 * restarted process simply picks up where the last one stopped.
 *
 * Work this process creates itself (a charge due in 200 ms, a webhook to retry in 2 s) is
 * announced with `wakeIn`, so the loop runs when it falls due instead of polling for it, and
 * `intervalMs` is only the safety net for work nobody announced (a restart, another instance).
 */
export class PollingLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastError: string | undefined;
  /** When the sleeping loop wakes (epoch ms), and the timer that wakes it. */
  private wakeAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Due times announced (epoch ms) that no tick has covered yet. */
  private announced: number[] = [];

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

  /** Work falls due in `ms`: run then at the latest (no-op if the loop wakes earlier anyway). */
  wakeIn(ms: number): void {
    const at = Date.now() + Math.max(0, ms);
    this.announced.push(at);
    if (this.wake && at < this.wakeAt) this.schedule(at);
  }

  status(): { running: boolean; lastError?: string } {
    return { running: this.running, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const startedAt = Date.now();
        const handled = await this.tick();
        failures = 0;
        this.lastError = undefined;
        // What was due before this tick looked, it found; the rest is still to come.
        this.announced = this.announced.filter((at) => at > startedAt);
        if (handled === 0) await this.sleep(Math.min(this.intervalMs, this.untilAnnounced()));
      } catch (error) {
        failures += 1;
        this.lastError = String(error);
        const delayMs = Math.min(100 * 2 ** failures, 5000);
        this.logger.event('warn', `${this.name} failed; retrying`, { error: this.lastError, delayMs });
        await this.sleep(delayMs);
      }
    }
  }

  private untilAnnounced(): number {
    return this.announced.reduce((soonest, at) => Math.min(soonest, at), Infinity) - Date.now();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        clearTimeout(this.timer);
        this.wake = undefined;
        resolve();
      };
      this.schedule(Date.now() + ms);
    });
  }

  private schedule(at: number): void {
    clearTimeout(this.timer);
    this.wakeAt = at;
    // A timer may fire a millisecond before `at` by Date.now(): wait out the rest, or the tick
    // would run just before its announced work fell due, and another one right after it.
    this.timer = setTimeout(
      () => (Date.now() < at ? this.schedule(at) : this.wake?.()),
      Math.max(0, at - Date.now()),
    );
  }
}
