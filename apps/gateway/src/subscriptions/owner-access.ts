import { OwnerAccess } from './subscription-schema';

/**
 * Ownership is the owning service's to decide: ask it, as the caller, for the object by id
 * (`meter` on energy-query, `billingAccount` on billing-query). Another customer's object comes
 * back null or NOT_FOUND, exactly like a missing one.
 */
export function ownerAccessVia(queryServiceUrl: string, rootField: 'meter' | 'billingAccount'): OwnerAccess {
  return async (id: string, accessToken: string) => {
    const response = await fetch(queryServiceUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ query: `query($id: ID!) { ${rootField}(id: $id) { id } }`, variables: { id } }),
      signal: AbortSignal.timeout(3000),
    });
    const body = (await response.json()) as { data?: Record<string, { id: string } | null> | null };
    return body.data?.[rootField]?.id === id;
  };
}
