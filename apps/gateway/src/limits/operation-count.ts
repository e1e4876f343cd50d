import { DocumentNode, Kind, OperationDefinitionNode, SelectionSetNode } from 'graphql';

/**
 * How many operations a request runs for rate limiting: one per root field, with aliases and
 * fragments expanded, so `{ a: me { id } b: me { id } }` counts as two.
 */
export function operationCount(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map(
    document.definitions
      .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment.selectionSet]),
  );
  const count = (selectionSet: SelectionSetNode, seen: Set<string>): number =>
    selectionSet.selections.reduce((sum, selection) => {
      if (selection.kind === Kind.FIELD) return sum + 1;
      if (selection.kind === Kind.INLINE_FRAGMENT) return sum + count(selection.selectionSet, seen);
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) return sum;
      return sum + count(fragment, new Set([...seen, name]));
    }, 0);
  return Math.max(1, count(operation.selectionSet, new Set()));
}
