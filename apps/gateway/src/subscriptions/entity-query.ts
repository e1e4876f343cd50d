import {
  DefinitionNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getOperationAST,
  Kind,
  OperationDefinitionNode,
  OperationTypeNode,
  print,
  SelectionSetNode,
  visit,
} from 'graphql';

/** The variable that carries the changed entity's id into the query. */
export const ENTITY_ID_VARIABLE = '__liveEntityId';

export interface EntityQuery {
  /** A query document the gateway runs through the supergraph for each event. */
  query: string;
  /** Where the payload sits in the query's data, and in the subscription's result. */
  responseKey: string;
}

/** The one root field of a subscription, through any fragments it is wrapped in. */
export function subscriptionRootField(document: DocumentNode, operationName?: string | null): FieldNode {
  const operation = getOperationAST(document, operationName);
  if (!operation) throw new Error('no such operation in the document');
  const fragments = fragmentsOf(document);
  const fieldIn = (selectionSet: SelectionSetNode): FieldNode | undefined => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) return selection;
      const inner =
        selection.kind === Kind.INLINE_FRAGMENT
          ? selection.selectionSet
          : fragments.get(selection.name.value)?.selectionSet;
      const found = inner && fieldIn(inner);
      if (found) return found;
    }
    return undefined;
  };
  const field = fieldIn(operation.selectionSet);
  if (!field) throw new Error('the subscription selects no field');
  return field;
}

/**
 * The query that reads a subscription's payload entity through the supergraph: the client's own
 * selection on the subscription field, asked of the root query field that reads the entity by
 * id (`invoice(id:)`, `activity(id:)`), under the same response key. It keeps only the variables
 * and fragments that selection uses, so it validates like any client's query, and the supergraph
 * fetches every field from the service that owns it.
 */
export function entityQueryOf(
  document: DocumentNode,
  operationName: string | null | undefined,
  entityField: string,
): EntityQuery {
  const operation = getOperationAST(document, operationName) as OperationDefinitionNode;
  const root = subscriptionRootField(document, operationName);
  const responseKey = (root.alias ?? root.name).value;
  const field: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: responseKey },
    name: { kind: Kind.NAME, value: entityField },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'id' },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_ID_VARIABLE } },
      },
    ],
    directives: root.directives,
    selectionSet: root.selectionSet,
  };
  const fragments = fragmentsOf(document);
  const usedFragments = fragmentsReachedFrom(field, fragments);
  const usedVariables = variablesIn([field, ...usedFragments]);
  const query: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: operation.name,
    variableDefinitions: [
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_ID_VARIABLE } },
        type: {
          kind: Kind.NON_NULL_TYPE,
          type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } },
        },
      },
      ...(operation.variableDefinitions ?? []).filter((definition) =>
        usedVariables.has(definition.variable.name.value),
      ),
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
  };
  const definitions: DefinitionNode[] = [query, ...usedFragments];
  return { query: print({ kind: Kind.DOCUMENT, definitions }), responseKey };
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** The fragments a node spreads, and those they spread, each once, in document order. */
function fragmentsReachedFrom(
  node: FieldNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const reached = new Set<string>();
  const pending: (FieldNode | FragmentDefinitionNode)[] = [node];
  while (pending.length > 0) {
    visit(pending.pop()!, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (!fragment || reached.has(fragment.name.value)) return;
        reached.add(fragment.name.value);
        pending.push(fragment);
      },
    });
  }
  return [...fragments.values()].filter((fragment) => reached.has(fragment.name.value));
}

function variablesIn(nodes: readonly (FieldNode | FragmentDefinitionNode)[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) visit(node, { Variable: (variable) => void names.add(variable.name.value) });
  return names;
}
