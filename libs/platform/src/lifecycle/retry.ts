/**
 * Retries work until it succeeds or `isCancelled` says stop, backing off up to `maxDelayMs`.
 * For start-up steps that must not block boot, e.g. creating topics while Kafka is still down.
 */
export async function retryUntilDone(
  work: () => Promise<void>,
  options: {
    isCancelled: () => boolean;
    onError: (error: unknown, attempt: number) => void;
    maxDelayMs?: number;
  },
): Promise<boolean> {
  for (let attempt = 1; !options.isCancelled(); attempt += 1) {
    try {
      await work();
      return true;
    } catch (error) {
      options.onError(error, attempt);
      const delay = Math.min(200 * 2 ** attempt, options.maxDelayMs ?? 5000);
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
  }
  return false;
}
