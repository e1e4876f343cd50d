import { settings } from './energy-api';

/** The value of the first line of a service's /metrics that `line` matches; undefined when none. */
export async function metricValue(service: string, line: RegExp): Promise<number | undefined> {
  return (await metricValues(settings.serviceBaseUrl(service), line))[0];
}

/** The values of every line of the /metrics at `baseUrl` (any instance) that `line` matches. */
export async function metricValues(baseUrl: string, line: RegExp): Promise<number[]> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => line.test(l))
    .map((l) => Number(l.split(' ').at(-1)));
}
