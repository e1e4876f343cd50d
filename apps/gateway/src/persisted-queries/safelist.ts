import { ApolloServerPlugin } from '@apollo/server';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { GatewayContext } from '../limits/gateway-context';
import { QueryCache } from './apq-cache';

/** The registered operations, by the SHA-256 of their text (the APQ hash). */
export type Safelist = ReadonlyMap<string, string>;

interface ManifestOperation {
  id?: unknown;
  body?: unknown;
  name?: unknown;
}

/**
 * Reads an Apollo persisted-query manifest (`{ format: "apollo-persisted-query-manifest",
 * version: 1, operations: [{ id, name, type, body }] }`); each id must be the SHA-256 of its body,
 * so a wrong manifest fails boot instead of refusing the operations it meant to allow.
 */
export function loadSafelist(path: string): Safelist {
  let manifest: { format?: unknown; operations?: unknown };
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as typeof manifest;
  } catch (error) {
    throw new Error(`cannot read the persisted-query manifest ${path}: ${String(error)}`);
  }
  if (manifest.format !== 'apollo-persisted-query-manifest' || !Array.isArray(manifest.operations)) {
    throw new Error(`${path} is not an apollo-persisted-query-manifest with an operations list`);
  }
  const safelist = new Map<string, string>();
  (manifest.operations as ManifestOperation[]).forEach((operation, index) => {
    if (typeof operation.body !== 'string' || typeof operation.id !== 'string') {
      throw new Error(`${path}: operation ${index} needs a string id and body`);
    }
    const hash = createHash('sha256').update(operation.body).digest('hex');
    if (hash !== operation.id) {
      throw new Error(
        `${path}: operation ${index} (${String(operation.name)}) has an id that is not the SHA-256 of its body`,
      );
    }
    safelist.set(hash, operation.body);
  });
  return safelist;
}

/**
 * The persisted-query store in safelist mode: it knows exactly the registered operations, so a
 * client may send just the hash, and it never learns new ones.
 */
export class SafelistQueryCache implements QueryCache {
  constructor(private readonly safelist: Safelist) {}

  async get(key: string): Promise<string | undefined> {
    // Apollo prefixes the hash (`apq:<hash>`).
    return this.safelist.get(key.slice(key.lastIndexOf(':') + 1));
  }

  async set(): Promise<void> {}

  async delete(): Promise<boolean> {
    return false;
  }
}

/** Runs only registered operations; anything else is PERSISTED_QUERY_NOT_IN_LIST before planning. */
export function safelistPlugin(safelist: Safelist): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      // A live event's query is derived from a subscription the safelist allowed on subscribe.
      if (contextValue.liveEvent) return {};
      return {
        async didResolveOperation({ queryHash }) {
          if (safelist.has(queryHash)) return;
          throw new GraphQLError('only registered operations run on this gateway', {
            extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 403 } },
          });
        },
      };
    },
  };
}

/** Whether the safelist registers this exact operation text (a subscription's, on subscribe). */
export function isRegistered(safelist: Safelist, query: string): boolean {
  return safelist.has(createHash('sha256').update(query).digest('hex'));
}
