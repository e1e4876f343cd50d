/**
 * The ADMIN fields through which an operator works with a service's projection dead letters.
 * No single subgraph runs every projection, and a federated root field belongs to exactly one
 * subgraph, so each service that consumes events serves its own three fields, named after it:
 * `energyQueryProjections`, `energyQueryReplayDeadLetters`, `energyQueryDiscardDeadLetter`.
 * Their types (ProjectionStatus, DeadLetter, …) are the same in every such subgraph.
 */
export const SERVICES_WITH_PROJECTIONS = [
  'energy-query',
  'billing-command',
  'billing-query',
  'feeds-command',
  'feeds-query',
] as const;

export type ServiceWithProjections = (typeof SERVICES_WITH_PROJECTIONS)[number];

export interface DeadLetterFields {
  /** Query: the service's projections with their dead letters and parked events. */
  projections: string;
  /** Mutation: replay one dead letter of a projection, or all of them in order. */
  replay: string;
  /** Mutation: give one dead letter up, with a reason kept for the audit. */
  discard: string;
}

export function deadLetterFieldsOf(service: ServiceWithProjections): DeadLetterFields {
  const prefix = service.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return {
    projections: `${prefix}Projections`,
    replay: `${prefix}ReplayDeadLetters`,
    discard: `${prefix}DiscardDeadLetter`,
  };
}

/**
 * The root fields of a service's dead-letter desk, as SDL: generated from the names above so
 * the five services (and the supergraph composed from them) cannot drift. Their types are the
 * shared `libs/platform/src/graphql/dead-letters.graphql`.
 */
export function deadLetterRootSdl(service: ServiceWithProjections): string {
  const fields = deadLetterFieldsOf(service);
  return `
extend type Query {
  "ADMIN: ${service}'s projections, with their dead letters and the events those hold back."
  ${fields.projections}: [ProjectionStatus!]!
}

extend type Mutation {
  """
  ADMIN: applies a dead letter of ${service} again with today's code, then the events its key
  held back, in order; without \`letter\`, every open dead letter of the projection, oldest first.
  A dead letter that still fails changes nothing and is listed in \`stillFailing\`.
  """
  ${fields.replay}(projection: String!, letter: DeadLetterRef): DeadLetterRelease!
  "ADMIN: gives a dead letter of ${service} up (kept, with who and why) and applies the events its key held back."
  ${fields.discard}(projection: String!, letter: DeadLetterRef!, reason: String!): DeadLetterRelease!
}
`;
}
