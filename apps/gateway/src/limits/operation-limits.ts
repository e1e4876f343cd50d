import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
} from 'graphql';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  /** Fields the operation could resolve, each list multiplied by its `first` argument. */
  maxCost: number;
}

export const DEFAULT_LIMITS: OperationLimits = { maxDepth: 12, maxAliases: 30, maxCost: 50_000 };

export interface OperationShape {
  depth: number;
  aliases: number;
  cost: number;
}

/** A connection without `first` pages 100 (API.md); a list argument never counts for less. */
const DEFAULT_PAGE = 100;

/**
 * Measures an operation before anything runs: its depth (fragments followed), how many aliases
 * it uses, and its cost, where a field under a `first: N` list counts N times. Variables are
 * known here, so `first: $n` costs what `$n` says.
 */
export function measureOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const shape: OperationShape = { depth: 0, aliases: 0, cost: 0 };

  const walk = (
    set: SelectionSetNode,
    depth: number,
    multiplier: number,
    seen: ReadonlySet<string>,
  ): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        // A fragment that spreads itself is invalid anyway; never loop on it.
        if (fragment && !seen.has(fragment.name.value)) {
          walk(fragment.selectionSet, depth, multiplier, new Set([...seen, fragment.name.value]));
        }
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, depth, multiplier, seen);
        continue;
      }
      if (selection.alias) shape.aliases += 1;
      shape.cost += multiplier;
      shape.depth = Math.max(shape.depth, depth);
      if (selection.selectionSet)
        walk(selection.selectionSet, depth + 1, multiplier * listSize(selection, variables), seen);
    }
  };
  walk(operation.selectionSet, 1, 1, new Set());
  return shape;
}

function listSize(field: FieldNode, variables: Record<string, unknown>): number {
  const first = field.arguments?.find((argument) => argument.name.value === 'first');
  if (!first) return 1;
  const value = valueOf(first.value, variables);
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(1, value) : DEFAULT_PAGE;
}

function valueOf(node: ValueNode, variables: Record<string, unknown>): unknown {
  if (node.kind === Kind.INT || node.kind === Kind.FLOAT) return Number(node.value);
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  return undefined;
}

/** Throws the error a client sees when its operation is over a limit. */
export function enforceLimits(shape: OperationShape, limits: OperationLimits): void {
  const over = (what: string, value: number, limit: number) =>
    new GraphQLError(`the operation's ${what} is ${value}, over the limit of ${limit}`, {
      extensions: { code: 'BAD_USER_INPUT', limit: what, value, max: limit, http: { status: 400 } },
    });
  if (shape.depth > limits.maxDepth) throw over('depth', shape.depth, limits.maxDepth);
  if (shape.aliases > limits.maxAliases) throw over('alias count', shape.aliases, limits.maxAliases);
  if (shape.cost > limits.maxCost) throw over('cost', shape.cost, limits.maxCost);
}
