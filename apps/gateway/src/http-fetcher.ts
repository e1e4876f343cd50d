import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The client Apollo's data source calls subgraphs with, and what it reads of an answer. */
type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherRequestInit = NonNullable<Parameters<Fetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

/**
 * The gateway's client for subgraph calls: node:http with keep-alive, reading the whole body
 * into a buffer. Node's fetch (undici, web streams, abort signals) cost a sixth of the gateway's
 * CPU on a feed page (perf/reports/feeds-query-latest.md); a subgraph answer is one small JSON
 * document, which needs none of that machinery. A subgraph that does not answer within
 * `timeoutMs` fails the call instead of holding the client's request.
 */
export function httpFetcher(timeoutMs: number): Fetcher {
  // An idle socket is dropped a second before the subgraph would close it (Node's agent reads the
  // server's `Keep-Alive: timeout=5`, but only when it has a timeout of its own): reusing one the
  // server is closing fails the call with "socket hang up" (seen as SERVICE_UNAVAILABLE after a
  // pause, e.g. between two subscription fan-outs).
  const options = { keepAlive: true, scheduling: 'lifo' as const, timeout: Math.max(timeoutMs, 60_000) };
  const agents = { 'http:': new HttpAgent(options), 'https:': new HttpsAgent(options) };
  return (url: string, init: FetcherRequestInit = {}) =>
    new Promise<FetcherResponse>((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const agent = target.protocol === 'https:' ? agents['https:'] : agents['http:'];
      const call = send(
        target,
        { method: init.method ?? 'GET', headers: init.headers, agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            clearTimeout(timer);
            resolve(
              new BufferedResponse(
                url,
                response.statusCode ?? 0,
                response.statusMessage ?? '',
                response.headers,
                Buffer.concat(chunks),
              ),
            );
          });
        },
      );
      const timer = setTimeout(
        () => call.destroy(new Error(`the subgraph did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const signal = init.signal as AbortSignal | undefined;
      signal?.addEventListener('abort', () => call.destroy(new Error('the subgraph call was aborted')), {
        once: true,
      });
      call.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      call.end(init.body);
    });
}

/** A subgraph's answer, read to its end: what Apollo's data source reads of a response. */
export class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  readonly headers: FetcherHeaders;
  private used = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    headers: IncomingHttpHeaders,
    private readonly body: Buffer,
  ) {
    this.headers = new ResponseHeaders(headers);
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  async text(): Promise<string> {
    this.used = true;
    return this.body.toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    this.used = true;
    return new Uint8Array(this.body).buffer;
  }

  clone(): FetcherResponse {
    return new BufferedResponse(
      this.url,
      this.status,
      this.statusText,
      Object.fromEntries(this.headers),
      this.body,
    );
  }
}

/** Response headers by lower-case name, repeated values joined as fetch joins them. */
class ResponseHeaders implements FetcherHeaders {
  private readonly values_ = new Map<string, string>();

  constructor(headers: IncomingHttpHeaders) {
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) this.values_.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const current = this.values_.get(key);
    this.values_.set(key, current === undefined ? value : `${current}, ${value}`);
  }

  delete(name: string): void {
    this.values_.delete(name.toLowerCase());
  }

  get(name: string): string | null {
    return this.values_.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.values_.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    this.values_.set(name.toLowerCase(), value);
  }

  entries(): IterableIterator<[string, string]> {
    return this.values_.entries();
  }

  keys(): IterableIterator<string> {
    return this.values_.keys();
  }

  values(): IterableIterator<string> {
    return this.values_.values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.values_.entries();
  }
}
