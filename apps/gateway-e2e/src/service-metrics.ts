import { settings } from './energy-api';

/** The value of the first line of a service's /metrics that `line` matches; undefined when none. */
export async function metricValue(service: string, line: RegExp): Promise<number | undefined> {
  const text = await (await fetch(`${settings.serviceBaseUrl(service)}/metrics`)).text();
  const match = text.split('\n').find((l) => line.test(l));
  return match ? Number(match.split(' ').at(-1)) : undefined;
}
