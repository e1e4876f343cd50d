/**
 * Typed, validated settings read once at boot. Every problem is collected, then boot stops with
 * one message that names each bad or missing variable.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  string(name: string, fallback?: string): string {
    const value = this.env[name]?.trim();
    if (value) return value;
    if (fallback !== undefined) return fallback;
    this.problems.push(`${name} is required`);
    return '';
  }

  optionalString(name: string): string | undefined {
    return this.env[name]?.trim() || undefined;
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const raw = this.env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
      return fallback;
    }
    return value;
  }

  url(name: string, protocols: readonly string[], fallback?: string): string {
    const value = this.string(name, fallback);
    if (!value) return value;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(' or ')}, not ${parsed.protocol}`);
      }
    } catch {
      this.problems.push(`${name} is not a URL: "${value}"`);
    }
    return value;
  }

  list(name: string, fallback: readonly string[] = []): string[] {
    const raw = this.env[name]?.trim();
    if (!raw) return [...fallback];
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.env[name]?.trim();
    if (!raw) return fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${choices.join(', ')}, not "${raw}"`);
    return fallback;
  }

  /** Records a problem that spans several variables (e.g. one that requires another). */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws ConfigError when anything read so far was bad. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
