import { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import {
  answerWithConsistencyToken,
  clientAddressOf,
  CONSISTENCY_TOKEN_EXTENSION,
  CONSISTENCY_TOKEN_HEADER,
  header,
  RequestLike,
} from '@voltstream/platform';
import { GraphQLError } from 'graphql';

/**
 * Request headers the subgraphs may read. The access token travels as it came, and every
 * subgraph verifies it itself: none trusts a user id the network could have set.
 */
const FORWARDED = ['authorization', 'x-consistency-token', 'x-correlation-id'] as const;

type FetcherResponse = Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0];
type Received = Parameters<NonNullable<RemoteGraphQLDataSource['didReceiveResponse']>>[0];

export class ForwardingDataSource extends RemoteGraphQLDataSource<{ req?: RequestLike }> {
  override willSendRequest({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<{ req?: RequestLike }>): void {
    const req = (context as { req?: RequestLike }).req;
    if (!req || !request.http) return;
    for (const name of FORWARDED) {
      const value = header(req, name);
      if (value) request.http.headers.set(name, value);
    }
    // The client's address as this gateway determined it (never the chain the client sent), for
    // identity's own per-address sign-in throttle.
    request.http.headers.set('x-forwarded-for', clientAddressOf(req));
  }

  /**
   * Apollo's gateway drops a subgraph's extensions and headers: the consistency token a scalar
   * mutation answered with (written-token.ts) is kept for this request, and the gateway's own
   * consistencyTokenPlugin passes it on to the client the same way.
   */
  override didReceiveResponse({ response, context }: Received): Received['response'] {
    const req = (context as { req?: RequestLike }).req;
    const extension: unknown = response.extensions?.[CONSISTENCY_TOKEN_EXTENSION];
    const token =
      typeof extension === 'string' ? extension : response.http?.headers.get(CONSISTENCY_TOKEN_HEADER);
    if (req && token) answerWithConsistencyToken({ req }, token);
    return response;
  }

  /**
   * A subgraph answers 400 when the client's variables fail its own input validation (e.g. a
   * DateTime the gateway cannot check, since scalars parse in the subgraph): pass its first
   * error and code on, instead of Apollo's "400: Bad Request".
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const error = await super.errorFromResponse(response);
    const body = (error.extensions['response'] as { body?: unknown } | undefined)?.body;
    const first = (body as { errors?: { message?: unknown; extensions?: { code?: unknown } }[] } | undefined)
      ?.errors?.[0];
    if (
      response.status < 500 &&
      typeof first?.message === 'string' &&
      typeof first.extensions?.code === 'string'
    ) {
      return new GraphQLError(first.message, { extensions: { code: first.extensions.code } });
    }
    return error;
  }
}
