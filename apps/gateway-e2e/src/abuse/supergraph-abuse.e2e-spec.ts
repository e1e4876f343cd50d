import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { publicSurfaceOf } from '@voltstream/contracts';
import { dataOf, databaseUrl, eventually, GraphQLResponse, queryOnce } from '@voltstream/testing';
import { randomUUID } from 'node:crypto';
import { FieldDefinitionNode } from 'graphql';
import { settings } from '../energy-api';
import { ask, buildWorld, Caller, realisticValue, World } from './api-fixtures';
import {
  ArgumentValues,
  idPaths,
  namedType,
  operationFor,
  SubgraphSchema,
  subgraphSchemas,
} from './schema-walk';

/**
 * Abuse tests generated from the subgraphs' SDL, so that a field added tomorrow is walked
 * too: every root field and every entity lookup, as an anonymous caller and as a stranger,
 * through the gateway and straight at the subgraph that owns it (docs/design.md, "Who sees what").
 */
const SUBGRAPHS = subgraphSchemas();
const subgraphUrl = (name: string) => `${settings.serviceBaseUrl(name)}/graphql`;

/** Objects only their owner and ADMINs may see. */
const PRIVATE_TYPES = new Set(['Meter', 'BillingAccount', 'Invoice', 'Payment', 'Activity', 'CreditNote']);

/** Mutations for some roles only (docs/design.md), with the database their command writes to. */
const RESTRICTED_MUTATIONS: Record<string, { roles: string; database: string }> = {
  createTariff: { roles: 'ADMIN', database: 'billing_command' },
  issueInvoice: { roles: 'ADMIN', database: 'billing_command' },
  voidInvoice: { roles: 'ADMIN', database: 'billing_command' },
  publishCourse: { roles: 'INSTRUCTOR or ADMIN', database: 'feeds_command' },
};

/** Fields only their user and ADMINs see; anyone else gets null (a list: empty). */
const PRIVATE_FIELDS = [
  { subgraph: 'identity', type: 'User', fields: ['email', 'roles'] },
  { subgraph: 'feeds-query', type: 'User', fields: ['enrollments'] },
];

/** The type an ID argument names: `id` is the field's own type, `meterIds` a Meter, and so on. */
const ID_NAMES: Record<string, string> = {
  meter: 'Meter',
  account: 'BillingAccount',
  invoice: 'Invoice',
  payment: 'Payment',
  tariff: 'Tariff',
  course: 'Course',
  lesson: 'Lesson',
  user: 'User',
};

function typeOfId(path: string, field: FieldDefinitionNode): string {
  const last = path.split('.').at(-1) ?? '';
  if (last === 'id') return namedType(field.type);
  const type = ID_NAMES[last.replace(/Ids?$/, '')];
  // A new kind of ID must be named here, and so walked: failing is the point.
  if (!type) throw new Error(`the abuse walk does not know which type the ID argument ${path} names`);
  return type;
}

interface RootField {
  subgraph: SubgraphSchema;
  type: 'Query' | 'Mutation';
  field: FieldDefinitionNode;
  name: string;
}

const ROOT_FIELDS: RootField[] = SUBGRAPHS.flatMap((subgraph) =>
  (['Query', 'Mutation'] as const).flatMap((type) =>
    subgraph
      .rootFields(type)
      .map((field) => ({ subgraph, type, field, name: `${type}.${field.name.value}` })),
  ),
);

const ENTITY_LOOKUPS = SUBGRAPHS.flatMap((subgraph) =>
  subgraph.resolvableEntities().map((type) => ({ subgraph, type })),
);

/** `_entities` selecting every field of the type that needs no argument. */
function entityQuery(subgraph: SubgraphSchema, type: string): string {
  const leaves = subgraph.leafFields(type);
  const objects = subgraph
    .fieldsOf(type)
    .filter((field) => subgraph.isObject(namedType(field.type)))
    .map((field) => `${field.name.value} { __typename }`);
  return `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { ${[...leaves, ...objects].join(' ')} } } }`;
}

/** A response as a client sees it, with the probed id masked so two answers can be compared. */
function seen(response: GraphQLResponse<unknown>, ids: readonly string[]): string {
  const errors = response.errors.map((e) => ({ message: e.message, code: e.extensions?.code }));
  let text = JSON.stringify({ status: response.status, data: response.data, errors });
  for (const id of ids) text = text.split(id).join('<target>');
  return text;
}

const isPublic = (root: RootField) => publicSurfaceOf(root.subgraph.name).rootFields.includes(root.name);

describe('abuse tests generated from the supergraph', () => {
  let world: World;

  before(async () => {
    world = await buildWorld();
    await eventually(
      async () => {
        const own = await ask<{ user: { enrollments: unknown[] } | null }>(
          world.a.token,
          'query($u: ID!) { user(id: $u) { enrollments { progress } } }',
          { u: world.a.id },
        );
        return (own.data?.user?.enrollments.length ?? 0) > 0 ? true : undefined;
      },
      30_000,
      'A to see their enrollment',
    );
  });

  /** Argument values for a probe: the target path gets `target`, every other ID a valid one. */
  const valuesFor = (root: RootField, caller: 'a' | 'b', targetPath?: string, target?: string) =>
    new ArgumentValues(
      root.subgraph,
      (path) => {
        if (path === targetPath && target !== undefined) return target;
        const type = typeOfId(path, root.field);
        if (type === 'User') return world[caller].id;
        const own = world.owned[caller] as Record<string, string>;
        return own[type] ?? (world.shared as Record<string, string>)[type] ?? randomUUID();
      },
      realisticValue,
    ).forField(root.field);

  const send = (
    root: RootField,
    token: string | undefined,
    variables: Record<string, unknown>,
    url: string,
  ) => ask(token, operationFor(root.subgraph, root.type, root.field, variables), variables, url);

  it('refuses every non-public root field to an anonymous caller, at the gateway and at its subgraph', async (t) => {
    const failures: string[] = [];
    for (const root of ROOT_FIELDS) {
      const variables = valuesFor(root, 'b');
      for (const url of [settings.gatewayUrl, subgraphUrl(root.subgraph.name)]) {
        const response = await send(root, undefined, variables, url);
        const code = response.errors[0]?.extensions?.code;
        if (isPublic(root) ? code === 'UNAUTHENTICATED' : code !== 'UNAUTHENTICATED')
          failures.push(`${root.subgraph.name} ${root.name} at ${url}: ${seen(response, [])}`);
      }
    }
    t.diagnostic(`${ROOT_FIELDS.length} root fields walked (${ROOT_FIELDS.filter(isPublic).length} public)`);
    assert.deepEqual(failures, []);
  });

  it('refuses every entity lookup, and the schema itself, to an anonymous caller unless the type is public there', async (t) => {
    const failures: string[] = [];
    for (const { subgraph, type } of ENTITY_LOOKUPS) {
      const id = (world.owned.a as Record<string, string>)[type] ?? world.a.id;
      const response = await ask(
        undefined,
        entityQuery(subgraph, type),
        { r: [{ __typename: type, id }] },
        subgraphUrl(subgraph.name),
      );
      const publicHere = publicSurfaceOf(subgraph.name).entities.includes(type);
      const code = response.errors[0]?.extensions?.code;
      if (publicHere ? code === 'UNAUTHENTICATED' : code !== 'UNAUTHENTICATED')
        failures.push(`${subgraph.name} _entities ${type}: ${seen(response, [])}`);
    }
    // Fields every subgraph has beside its SDL: its schema and its SDL are not for strangers either.
    for (const subgraph of SUBGRAPHS) {
      for (const query of ['{ _service { sdl } }', '{ __schema { queryType { name } } }']) {
        const response = await ask(undefined, query, {}, subgraphUrl(subgraph.name));
        if (response.errors[0]?.extensions?.code !== 'UNAUTHENTICATED')
          failures.push(`${subgraph.name} ${query}: ${seen(response, [])}`);
      }
    }
    t.diagnostic(`${ENTITY_LOOKUPS.length} entity lookups walked`);
    assert.deepEqual(failures, []);
  });

  it("shows a stranger another customer's object exactly as a missing one, on every root field and entity lookup", async (t) => {
    const failures: string[] = [];
    let probes = 0;
    const compare = async (
      what: string,
      ask: (target: string) => Promise<GraphQLResponse<unknown>>,
      own: string,
      theirs: string,
    ) => {
      probes += 1;
      const missing = randomUUID();
      const [strangers, missings, owners] = [await ask(theirs), await ask(missing), await ask(own)];
      if (seen(strangers, [theirs]) !== seen(missings, [missing]))
        failures.push(
          `${what}: another's ${seen(strangers, [theirs])} but missing ${seen(missings, [missing])}`,
        );
      // The owner must get something else, or the probe was refused for another reason.
      if (seen(owners, [own]) === seen(missings, [missing]))
        failures.push(`${what}: the owner's own object reads like a missing one: ${seen(owners, [own])}`);
    };
    for (const root of ROOT_FIELDS) {
      if (root.type === 'Mutation' && RESTRICTED_MUTATIONS[root.field.name.value]) continue;
      for (const path of idPaths(root.subgraph, root.field)) {
        const type = typeOfId(path, root.field);
        if (!PRIVATE_TYPES.has(type)) continue;
        const theirs = (world.owned.a as Record<string, string>)[type];
        const own = (world.owned.b as Record<string, string>)[type];
        for (const url of [settings.gatewayUrl, subgraphUrl(root.subgraph.name)]) {
          await compare(
            `${root.subgraph.name} ${root.name}(${path}) at ${url}`,
            (target) => send(root, world.b.token, valuesFor(root, 'b', path, target), url),
            own,
            theirs,
          );
        }
      }
    }
    for (const { subgraph, type } of ENTITY_LOOKUPS.filter(({ type }) => PRIVATE_TYPES.has(type))) {
      const query = entityQuery(subgraph, type);
      await compare(
        `${subgraph.name} _entities ${type}`,
        (id) => ask(world.b.token, query, { r: [{ __typename: type, id }] }, subgraphUrl(subgraph.name)),
        (world.owned.b as Record<string, string>)[type],
        (world.owned.a as Record<string, string>)[type],
      );
    }
    t.diagnostic(`${probes} stranger probes`);
    assert.ok(probes >= 10, `only ${probes} probes: the walk found too few ID arguments`);
    assert.deepEqual(failures, []);
  });

  it('gives private User fields only to the user and ADMINs, on every path that reaches a User', async () => {
    const userQuery = 'query($u: ID!) { user(id: $u) { displayName email roles enrollments { progress } } }';
    const asStranger = dataOf(
      await ask<{ user: Record<string, unknown> }>(world.b.token, userQuery, { u: world.a.id }),
    ).user;
    assert.deepEqual([asStranger.email, asStranger.roles, asStranger.enrollments], [null, null, []]);
    assert.equal(asStranger.displayName, 'Test customer');
    for (const caller of [world.a, world.admin]) {
      const seenBy = dataOf(
        await ask<{ user: Record<string, unknown[] | null> }>(caller.token, userQuery, { u: world.a.id }),
      ).user;
      assert.ok(typeof seenBy.email === 'string' && Array.isArray(seenBy.roles), JSON.stringify(seenBy));
      assert.equal(seenBy.enrollments?.length, 1);
    }
    // The course catalogue is public: its author's public part only.
    const course = await ask<{ course: { author: Record<string, unknown> } }>(
      undefined,
      'query($c: ID!) { course(id: $c) { author { id displayName email roles } } }',
      { c: world.shared.Course },
    );
    const author = dataOf(course).course.author;
    assert.deepEqual([author.id, author.email, author.roles], [world.admin.id, null, null]);

    for (const { subgraph, type, fields } of PRIVATE_FIELDS) {
      const selection = fields.map((f) => (subgraph === 'feeds-query' ? `${f} { progress }` : f)).join(' ');
      const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { ${selection} } } }`;
      const lookup = (caller: Caller | undefined) =>
        ask<{ _entities: Record<string, unknown>[] }>(
          caller?.token,
          query,
          { r: [{ __typename: type, id: world.a.id }] },
          subgraphUrl(subgraph),
        );
      for (const caller of [world.b, undefined]) {
        const [entity] = dataOf(await lookup(caller))._entities;
        for (const field of fields)
          assert.ok(
            entity[field] === null || (Array.isArray(entity[field]) && entity[field].length === 0),
            `${subgraph} ${field}: ${JSON.stringify(entity)}`,
          );
      }
      const [own] = dataOf(await lookup(world.a))._entities;
      for (const field of fields)
        assert.ok(
          Array.isArray(own[field]) ? own[field].length > 0 : own[field] !== null,
          `${subgraph} ${field} for its user`,
        );
    }
  });

  it('answers FORBIDDEN to a customer for every role-restricted mutation, and writes nothing', async () => {
    const mutations = ROOT_FIELDS.filter(
      (root) => root.type === 'Mutation' && RESTRICTED_MUTATIONS[root.field.name.value],
    );
    assert.deepEqual(
      mutations.map((m) => m.field.name.value).sort(),
      Object.keys(RESTRICTED_MUTATIONS).sort(),
    );
    for (const root of mutations) {
      const { database } = RESTRICTED_MUTATIONS[root.field.name.value];
      const outboxRows = async () =>
        Number(
          (
            await queryOnce<{ n: string }>(
              databaseUrl(settings.databaseUrl, database),
              // The refused caller's events only: a payment webhook settling meanwhile is not theirs.
              `SELECT count(*)::text AS n FROM outbox WHERE envelope->>'actorId' = $1`,
              [world.b.id],
            )
          )[0]?.n,
        );
      for (const url of [settings.gatewayUrl, subgraphUrl(root.subgraph.name)]) {
        const before = await outboxRows();
        const refused = await send(root, world.b.token, valuesFor(root, 'b'), url);
        assert.equal(refused.errors[0]?.extensions?.code, 'FORBIDDEN', `${root.name}: ${seen(refused, [])}`);
        assert.equal(await outboxRows(), before, `${root.name} wrote an event for a customer`);
      }
      // The same probe succeeds for an ADMIN: the refusal was the role's, not the input's.
      const allowed = await send(root, world.admin.token, valuesFor(root, 'b'), settings.gatewayUrl);
      assert.deepEqual(allowed.errors, [], `${root.name} as ADMIN`);
    }
  });

  it('never answers INTERNAL or a 5xx to a malformed ID, in any argument of any field', async (t) => {
    const BAD_IDS = [
      'not-a-uuid',
      'x'.repeat(5000),
      "' OR '1'='1",
      'a\u0000b',
      '"}]}',
      '00000000-0000-0000-0000-00000000000g',
      ' ',
    ];
    const failures: string[] = [];
    let calls = 0;
    for (const root of ROOT_FIELDS) {
      const paths = idPaths(root.subgraph, root.field);
      if (paths.length === 0) continue;
      for (const bad of BAD_IDS) {
        const variables = new ArgumentValues(root.subgraph, () => bad, realisticValue).forField(root.field);
        for (const url of [settings.gatewayUrl, subgraphUrl(root.subgraph.name)]) {
          calls += 1;
          const response = await send(root, world.b.token, variables, url);
          if (response.status >= 500 || response.errors.some((e) => e.extensions?.code === 'INTERNAL'))
            failures.push(
              `${root.name}(${JSON.stringify(bad.slice(0, 20))}) at ${url}: ${seen(response, [bad])}`,
            );
        }
      }
    }
    for (const { subgraph, type } of ENTITY_LOOKUPS) {
      for (const bad of BAD_IDS) {
        calls += 1;
        const response = await ask(
          world.b.token,
          entityQuery(subgraph, type),
          { r: [{ __typename: type, id: bad }] },
          subgraphUrl(subgraph.name),
        );
        if (response.status >= 500 || response.errors.some((e) => e.extensions?.code === 'INTERNAL'))
          failures.push(
            `${subgraph.name} _entities ${type}(${JSON.stringify(bad.slice(0, 20))}): ${seen(response, [bad])}`,
          );
      }
    }
    t.diagnostic(`${calls} malformed-ID calls`);
    assert.deepEqual(failures, []);
  });
});
