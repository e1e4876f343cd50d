import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deadLetterRootSdl, SERVICES_WITH_PROJECTIONS, ServiceWithProjections } from '@voltstream/contracts';
import {
  DefinitionNode,
  EnumTypeDefinitionNode,
  FieldDefinitionNode,
  InputObjectTypeDefinitionNode,
  InputValueDefinitionNode,
  Kind,
  ObjectTypeDefinitionNode,
  ObjectTypeExtensionNode,
  parse,
  print,
  TypeNode,
} from 'graphql';

/** The repository's root, from this file's place under dist/apps/gateway-e2e/src/abuse. */
const ROOT = join(__dirname, '../../../../..');

type ObjectNode = ObjectTypeDefinitionNode | ObjectTypeExtensionNode;

/** One subgraph's checked-in SDL, read as the supergraph is composed from it. */
export class SubgraphSchema {
  private readonly objects = new Map<string, ObjectNode[]>();
  private readonly inputs = new Map<string, InputObjectTypeDefinitionNode>();
  private readonly enums = new Map<string, EnumTypeDefinitionNode>();

  constructor(
    readonly name: string,
    sdl: string,
  ) {
    for (const definition of parse(sdl).definitions) this.index(definition);
  }

  /** Root fields of `Query` or `Mutation` this subgraph serves. */
  rootFields(type: 'Query' | 'Mutation'): FieldDefinitionNode[] {
    return (this.objects.get(type) ?? []).flatMap((node) => node.fields ?? []);
  }

  /** Entity types this subgraph resolves by key (`@key` without `resolvable: false`). */
  resolvableEntities(): string[] {
    return [...this.objects].flatMap(([name, nodes]) =>
      nodes.some((node) =>
        node.directives?.some(
          (d) =>
            d.name.value === 'key' &&
            !d.arguments?.some((a) => a.name.value === 'resolvable' && print(a.value) === 'false'),
        ),
      )
        ? [name]
        : [],
    );
  }

  /** Every field of an object type that needs no argument. */
  fieldsOf(type: string): FieldDefinitionNode[] {
    return (this.objects.get(type) ?? [])
      .flatMap((node) => node.fields ?? [])
      .filter((field) => !field.arguments?.some((a) => a.type.kind === Kind.NON_NULL_TYPE));
  }

  /** Fields of an object type that need no arguments and return a leaf (scalar or enum). */
  leafFields(type: string): string[] {
    return this.fieldsOf(type)
      .filter((field) => !this.isObject(namedType(field.type)))
      .map((field) => field.name.value);
  }

  isObject(type: string): boolean {
    return this.objects.has(type);
  }

  input(type: string): InputObjectTypeDefinitionNode | undefined {
    return this.inputs.get(type);
  }

  firstEnumValue(type: string): string | undefined {
    return this.enums.get(type)?.values?.[0]?.name.value;
  }

  private index(definition: DefinitionNode): void {
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) {
      const name = definition.name.value;
      this.objects.set(name, [...(this.objects.get(name) ?? []), definition]);
    } else if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) {
      this.inputs.set(definition.name.value, definition);
    } else if (definition.kind === Kind.ENUM_TYPE_DEFINITION) {
      this.enums.set(definition.name.value, definition);
    }
  }
}

/** Every subgraph the gateway composes (apps/gateway/subgraphs.json), with its SDL. */
export function subgraphSchemas(): SubgraphSchema[] {
  const list = JSON.parse(readFileSync(join(ROOT, 'apps/gateway/subgraphs.json'), 'utf8')) as {
    name: string;
    schema: string[];
  }[];
  const generated = (name: string): string[] =>
    (SERVICES_WITH_PROJECTIONS as readonly string[]).includes(name)
      ? [deadLetterRootSdl(name as ServiceWithProjections)]
      : [];
  return list.map(
    ({ name, schema }) =>
      new SubgraphSchema(
        name,
        [...schema.map((file) => readFileSync(join(ROOT, file), 'utf8')), ...generated(name)].join('\n'),
      ),
  );
}

export function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

const isList = (type: TypeNode): boolean =>
  type.kind === Kind.LIST_TYPE || (type.kind === Kind.NON_NULL_TYPE && isList(type.type));

/**
 * Values for a probe's arguments. `idFor(path)` names the ID at an argument path (`id`,
 * `input.meterIds`); every other value is one a valid request would carry, so that a refusal
 * comes from the rule under test and not from an input that was wrong anyway.
 */
export class ArgumentValues {
  constructor(
    private readonly schema: SubgraphSchema,
    private readonly idFor: (path: string) => string,
    private readonly realistic: (name: string) => unknown,
  ) {}

  /** Required arguments, and every argument that holds an ID somewhere inside. */
  forField(field: FieldDefinitionNode): Record<string, unknown> {
    return this.object(field.arguments ?? [], '');
  }

  private object(values: readonly InputValueDefinitionNode[], prefix: string): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const value of values) {
      const path = `${prefix}${value.name.value}`;
      if (value.type.kind !== Kind.NON_NULL_TYPE && !this.holdsId(value.type, new Set())) continue;
      const one = this.single(value, path);
      result[value.name.value] = isList(value.type) && !Array.isArray(one) ? [one] : one;
    }
    return result;
  }

  private single(value: InputValueDefinitionNode, path: string): unknown {
    const type = namedType(value.type);
    if (type === 'ID') return this.idFor(path);
    const realistic = this.realistic(value.name.value);
    if (realistic !== undefined) return realistic;
    const input = this.schema.input(type);
    if (input) return this.object(input.fields ?? [], `${path}.`);
    const scalar = SCALAR_DEFAULTS[type];
    if (scalar !== undefined) return scalar;
    const enumValue = this.schema.firstEnumValue(type);
    if (enumValue !== undefined) return enumValue;
    throw new Error(`no probe value for ${this.schema.name} argument ${path}: ${type}`);
  }

  /** Whether an argument of this type carries an ID (itself, or a field of its input). */
  holdsId(type: TypeNode, seen: Set<string>): boolean {
    const name = namedType(type);
    if (name === 'ID') return true;
    const input = this.schema.input(name);
    if (!input || seen.has(name)) return false;
    return (input.fields ?? []).some((f) => this.holdsId(f.type, new Set([...seen, name])));
  }
}

const SCALAR_DEFAULTS: Record<string, unknown> = {
  String: 'probe',
  Int: 1,
  Float: 0.5,
  Boolean: false,
  DateTime: '2026-11-01T00:00:00Z',
};

/** The paths of every ID a field's arguments hold, e.g. `['meterId']`, `['input.tariffId', 'input.meterIds']`. */
export function idPaths(schema: SubgraphSchema, field: FieldDefinitionNode): string[] {
  const walk = (values: readonly InputValueDefinitionNode[], prefix: string, seen: Set<string>): string[] =>
    values.flatMap((value) => {
      const path = `${prefix}${value.name.value}`;
      const type = namedType(value.type);
      if (type === 'ID') return [path];
      const input = schema.input(type);
      return input && !seen.has(type) ? walk(input.fields ?? [], `${path}.`, new Set([...seen, type])) : [];
    });
  return walk(field.arguments ?? [], '', new Set());
}

/**
 * An operation that runs one root field with every argument from variables, selecting
 * `__typename` of an object result: valid against the subgraph and the supergraph alike.
 */
export function operationFor(
  schema: SubgraphSchema,
  type: 'Query' | 'Mutation',
  field: FieldDefinitionNode,
  variables: Record<string, unknown>,
): string {
  const args = (field.arguments ?? []).filter((a) => a.name.value in variables);
  const declarations = args.map((a) => `$${a.name.value}: ${print(a.type)}`).join(', ');
  const passing = args.map((a) => `${a.name.value}: $${a.name.value}`).join(', ');
  const selection = schema.isObject(namedType(field.type)) ? ' { __typename }' : '';
  return `${type.toLowerCase()} Probe${declarations ? `(${declarations})` : ''} { ${field.name.value}${
    passing ? `(${passing})` : ''
  }${selection} }`;
}
