import { DocumentNode, FieldNode, Kind, OperationDefinitionNode, SelectionSetNode } from 'graphql';

/**
 * The root fields an operation runs, with inline and named fragments expanded at any depth:
 * `mutation { ... on Mutation { login(…) } }` and `mutation { ...F }` both run `login`. A limit,
 * a throttle or an authorisation rule that looked only at the top selection set would be
 * sidestepped by putting the field one fragment down. Skip/include directives are ignored, so
 * a conditional field is counted as if it ran (the cautious reading). A fragment spread inside
 * itself (invalid GraphQL) is expanded once.
 */
export function rootFieldsOf(document: DocumentNode, operation: OperationDefinitionNode): FieldNode[] {
  const fragments = new Map(
    document.definitions
      .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment.selectionSet]),
  );
  const collect = (selectionSet: SelectionSetNode, seen: ReadonlySet<string>): FieldNode[] =>
    selectionSet.selections.flatMap((selection) => {
      if (selection.kind === Kind.FIELD) return [selection];
      if (selection.kind === Kind.INLINE_FRAGMENT) return collect(selection.selectionSet, seen);
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) return [];
      return collect(fragment, new Set([...seen, name]));
    });
  return collect(operation.selectionSet, new Set());
}
