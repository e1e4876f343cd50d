import { INestApplication } from '@nestjs/common';
import { JsonLogger } from '@voltstream/platform';
import type { Express, Request, Response } from 'express';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { GatewayConfig } from './config';
import { InstancePicker } from './subgraph-instances/instance-picker';

/** What travels to billing-query with the request, and back with its answer. */
const REQUEST_HEADERS = ['authorization', 'x-consistency-token', 'x-correlation-id'] as const;
const RESPONSE_HEADERS = ['content-type', 'content-length', 'content-disposition', 'cache-control'] as const;

/** An instance's base URL, from the GraphQL URL the gateway routes to (`…/graphql`). */
const baseOf = (graphqlUrl: string): string => graphqlUrl.replace(/\/graphql\/?$/, '').replace(/\/$/, '');

/**
 * `GET /invoices/:id.pdf`, passed through to billing-query, which checks the token and the
 * owner itself (another customer's invoice is 404 there, like a missing one).
 */
export function serveInvoicePdfs(
  app: INestApplication,
  config: GatewayConfig,
  logger: JsonLogger,
  billingQuery: InstancePicker,
): void {
  const express = app.getHttpAdapter().getInstance() as Express;
  express.get('/invoices/:id.pdf', (req: Request, res: Response) => {
    void proxy(
      `${baseOf(billingQuery.pick()!)}/invoices/${encodeURIComponent(String(req.params['id']))}.pdf`,
      req,
      res,
      config,
    ).catch((error: unknown) => {
      logger.event('warn', 'invoice PDF proxy failed', { error: String(error) });
      if (res.headersSent) res.destroy();
      else res.status(502).json({ error: { code: 'INTERNAL', message: 'billing is unavailable' } });
    });
  });
}

async function proxy(url: string, req: Request, res: Response, config: GatewayConfig): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const upstream = await fetch(url, {
    headers,
    signal: AbortSignal.timeout(config.service.requestTimeoutMs),
  });
  res.status(upstream.status);
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) res.setHeader(name, value);
  }
  if (!upstream.body) {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>)
      .on('error', reject)
      .pipe(res)
      .on('finish', resolve)
      .on('error', reject);
  });
}
