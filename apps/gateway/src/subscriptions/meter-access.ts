import { MeterAccess } from './subscription-schema';

/**
 * Meter ownership is energy-query's to decide: ask it, as the caller, for the meter. Another
 * customer's meter comes back NOT_FOUND, exactly like a missing one.
 */
export function meterAccessVia(energyQueryUrl: string): MeterAccess {
  return async (meterId: string, accessToken: string) => {
    const response = await fetch(energyQueryUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({
        query: 'query($id: ID!) { meter(id: $id) { id } }',
        variables: { id: meterId },
      }),
      signal: AbortSignal.timeout(3000),
    });
    const body = (await response.json()) as { data?: { meter?: { id: string } | null } | null };
    return body.data?.meter?.id === meterId;
  };
}
