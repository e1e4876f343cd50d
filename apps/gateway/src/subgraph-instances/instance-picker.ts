/**
 * Round robin over one subgraph's instances, skipping those whose readiness is red. When every
 * instance is red, every one is tried again: a probe that reaches none of them (the gateway's
 * own network, an overloaded moment) must not fail every call on its own say-so.
 */
export class InstancePicker {
  private readonly up: boolean[];
  private nextIndex = 0;

  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) throw new Error('a subgraph needs at least one instance URL');
    // Green until a probe says otherwise: a gateway that starts beside its subgraphs serves at once.
    this.up = urls.map(() => true);
  }

  /**
   * The next instance in turn, among the green ones that are not in `except` (those a call tried
   * already); among all not in `except` when none is green; undefined when `except` holds them all.
   */
  pick(except: readonly string[] = []): string | undefined {
    const candidates = (greenOnly: boolean) =>
      this.urls
        .map((url, index) => ({ url, index }))
        .filter(({ url, index }) => !except.includes(url) && (!greenOnly || this.up[index]));
    const pool = candidates(true).length > 0 ? candidates(true) : candidates(false);
    if (pool.length === 0) return undefined;
    // The first candidate at or after the turn, so each green instance gets every n-th call.
    const chosen = pool.find(({ index }) => index >= this.nextIndex) ?? pool[0];
    this.nextIndex = (chosen.index + 1) % this.urls.length;
    return chosen.url;
  }

  setHealth(url: string, up: boolean): void {
    const index = this.urls.indexOf(url);
    if (index >= 0) this.up[index] = up;
  }

  isHealthy(url: string): boolean {
    return this.up[this.urls.indexOf(url)] ?? false;
  }
}
