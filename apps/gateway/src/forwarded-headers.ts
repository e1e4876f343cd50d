import { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { header, RequestLike } from '@voltstream/platform';

/**
 * Request headers the subgraphs may read. `x-user-id` is the development stand-in for a
 * verified identity until the identity issue replaces it with JWTs.
 */
const FORWARDED = ['x-user-id', 'x-consistency-token', 'x-correlation-id'] as const;

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
  }
}
