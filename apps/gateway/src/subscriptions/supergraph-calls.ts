import { ApolloServer } from '@apollo/server';
import { Caller } from '@voltstream/platform';
import { FormattedExecutionResult } from 'graphql';
import { GatewayContext } from '../limits/gateway-context';

/** Who a subscription runs for: the token it signed in with, and where it connected from. */
export interface Subscriber {
  caller: Caller;
  token: string;
  address: string;
}

/**
 * A query through the supergraph on a subscriber's behalf, like one they sent: their token goes
 * to every subgraph, which authorises it as for any request; `consistencyToken` makes the owning
 * read model wait for the write the event came from.
 */
export type SupergraphCall = (
  query: string,
  variables: Record<string, unknown>,
  subscriber: Subscriber,
  consistencyToken?: string,
) => Promise<FormattedExecutionResult>;

/**
 * Runs the call in this gateway's own Apollo Server: planning (its plan cache), subgraph fetches
 * and error formatting are those of every request. It is marked as a live event, which the rate
 * limiter does not charge and the safelist does not check: the subscriber paid for and was
 * checked on the subscription itself, not for each event the gateway reads for it.
 */
export function supergraphCallsVia(
  server: ApolloServer<GatewayContext>,
  concurrency: number,
): SupergraphCall {
  const slots = new Slots(concurrency);
  return (query, variables, subscriber, consistencyToken) =>
    slots.run(async () => {
      const headers: Record<string, string> = { authorization: `Bearer ${subscriber.token}` };
      if (consistencyToken) headers['x-consistency-token'] = consistencyToken;
      const response = await server.executeOperation(
        { query, variables },
        {
          contextValue: {
            req: { headers, ip: subscriber.address },
            caller: subscriber.caller,
            liveEvent: true,
          },
        },
      );
      if (response.body.kind !== 'single') throw new Error('the gateway answered a live event incrementally');
      return response.body.singleResult;
    });
}

/**
 * At most `size` calls at once, the rest in arrival order: one event for many subscribers waits
 * here, where it costs a closure, not as a burst of requests that time out on a subgraph's pool.
 */
export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
