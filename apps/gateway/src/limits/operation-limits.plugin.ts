import { ApolloServerPlugin } from '@apollo/server';
import { enforceLimits, measureOperation, OperationLimits } from './operation-limits';

/**
 * Refuses an operation over the depth, alias or cost limit once it is parsed and validated and
 * before the gateway plans it or calls any subgraph. Apollo Server has no depth limit of its own
 * (apollo-server#1612), and limits are enforced here at the gateway, where clients arrive.
 */
export function operationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (operation)
            enforceLimits(measureOperation(document, operation, request.variables ?? {}), limits);
        },
      };
    },
  };
}
