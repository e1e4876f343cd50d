/**
 * What the API serves without an access token (API.md, "Public by design"), per subgraph:
 * root fields as `Type.field`, and entity types whose federation lookups are public. Every
 * subgraph refuses everything else to an anonymous caller (UNAUTHENTICATED); the visibility
 * table in docs/design.md gives the reasons, and the abuse tests walk the supergraph against it.
 */
export const PUBLIC_API = {
  identity: {
    // Signing up and in cannot need a token; `logout` takes the refresh token it revokes, which
    // is its own proof; `me` answers null without a token and so reveals nothing.
    rootFields: [
      'Mutation.register',
      'Mutation.login',
      'Mutation.refreshToken',
      'Mutation.logout',
      'Query.me',
    ],
    // A course's author: id and displayName only (email and roles are the user's own).
    entities: ['User'],
  },
  'feeds-query': {
    // The course catalogue is public, with each author's and learner's public profile.
    rootFields: ['Query.courses', 'Query.course', 'Query.trendingCourses'],
    entities: ['Course', 'User'],
  },
} as const satisfies Record<string, { rootFields: readonly string[]; entities: readonly string[] }>;

/** The public surface of one subgraph (none for a subgraph the table does not name). */
export function publicSurfaceOf(subgraph: string): {
  rootFields: readonly string[];
  entities: readonly string[];
} {
  return (
    (PUBLIC_API as Record<string, { rootFields: readonly string[]; entities: readonly string[] }>)[
      subgraph
    ] ?? { rootFields: [], entities: [] }
  );
}
