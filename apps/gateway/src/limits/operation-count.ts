import { rootFieldsOf } from '@voltstream/platform';
import { DocumentNode, OperationDefinitionNode } from 'graphql';

/**
 * How many operations a request runs for rate limiting: one per root field, with aliases and
 * fragments expanded, so `{ a: me { id } b: me { id } }` counts as two.
 */
export function operationCount(document: DocumentNode, operation: OperationDefinitionNode): number {
  return Math.max(1, rootFieldsOf(document, operation).length);
}
