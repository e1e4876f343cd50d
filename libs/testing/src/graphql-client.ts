export interface GraphQLResponse<T> {
  status: number;
  data: T | null;
  errors: {
    message: string;
    path?: (string | number)[];
    extensions?: Record<string, unknown> & { code?: string };
  }[];
  /** The response's top-level extensions (`consistencyToken` after a scalar mutation); {} without. */
  extensions: Record<string, unknown>;
  headers: Headers;
}

export interface RequestOptions {
  /** An access token from identity, sent as `Authorization: Bearer …`. */
  token?: string;
  headers?: Record<string, string>;
}

/** Sends one GraphQL operation over HTTP, as a client of the gateway would. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as {
    data?: T | null;
    errors?: GraphQLResponse<T>['errors'];
    extensions?: Record<string, unknown>;
  };
  return {
    status: response.status,
    data: body.data ?? null,
    errors: body.errors ?? [],
    extensions: body.extensions ?? {},
    headers: response.headers,
  };
}

/** The data of a response that must have succeeded; its errors otherwise, in the failure. */
export function dataOf<T>(response: GraphQLResponse<T>): T {
  if (response.errors.length > 0 || !response.data) {
    throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  }
  return response.data;
}
