import { DomainError, ErrorCodes } from '@voltstream/contracts';
import { Queryable, ReadRouter } from '../database/read-router';
import { GraphQLContext, RequestLike } from '../graphql/request-context';

/**
 * The reads of one GraphQL request. The first read picks a database (replica or primary, by the
 * router) and the rest of the request stays on it, so a consistency wait done once holds for
 * every nested field and nothing reads older than what the request already showed. A replica
 * that fails mid-request hands the request to the router. Query services extend it with their
 * DataLoaders.
 */
export class RequestReads {
  private pinned: Queryable | undefined;

  constructor(
    private readonly databases: { router: ReadRouter; primary: Queryable; replica: Queryable | undefined },
  ) {}

  /** Runs a read on this request's database. */
  async read<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    const pinned = this.pinned;
    if (pinned) {
      try {
        return await work(pinned);
      } catch (error) {
        if (pinned !== this.databases.replica) throw error;
        // Two root fields wait for a token at once: the second found the request pinned to the
        // replica while the first still waited there. Like the router, read it on the primary.
        if (error instanceof DomainError && error.code === ErrorCodes.consistencyTimeout) {
          this.pinned = this.databases.primary;
          return work(this.databases.primary);
        }
        if (error instanceof DomainError) throw error;
        this.pinned = undefined;
      }
    }
    return this.databases.router.read((db) => {
      this.pinned = db;
      return work(db);
    });
  }
}

/** One object per request (by its `req`), made on first use and dropped with the request. */
export class PerRequest<T extends object> {
  private readonly byRequest = new WeakMap<RequestLike, T>();

  of(context: GraphQLContext, create: () => T): T {
    let value = this.byRequest.get(context.req);
    if (!value) {
      value = create();
      this.byRequest.set(context.req, value);
    }
    return value;
  }
}
