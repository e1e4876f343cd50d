import Redis from 'ioredis';

type Listener = (message: string) => void;

/**
 * One Redis subscriber connection per gateway, fanned out to every GraphQL subscription that
 * listens on a channel. ioredis re-subscribes by itself after a reconnect.
 */
export class RedisChannels {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener(message);
    });
  }

  /** Calls `listener` for each message until the returned function is called. */
  async listen(channel: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(channel) === set) {
        this.listeners.delete(channel);
        await this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  subscriptionCount(): number {
    return [...this.listeners.values()].reduce((n, set) => n + set.size, 0);
  }

  close(): void {
    this.subscriber.disconnect();
  }
}

/** A channel's messages as an async iterator, the shape GraphQL subscriptions return. */
export async function channelIterator<T>(
  channels: RedisChannels,
  channel: string,
  parse: (message: string) => T,
  maxBuffered = 1000,
): Promise<AsyncIterableIterator<T>> {
  const buffered: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const stop = await channels.listen(channel, (message) => {
    // A client that stops reading loses the oldest readings, never the gateway's memory.
    if (buffered.length >= maxBuffered) buffered.shift();
    buffered.push(parse(message));
    wake?.();
  });
  const finish = async (): Promise<IteratorResult<T>> => {
    done = true;
    wake?.();
    await stop();
    return { value: undefined, done: true };
  };
  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<T>> {
      while (!done && buffered.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      if (done) return { value: undefined, done: true };
      return { value: buffered.shift()!, done: false };
    },
    return: finish,
    throw: async (error: unknown) => {
      await finish();
      throw error;
    },
  };
  return iterator;
}
