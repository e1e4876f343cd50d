import { INestApplication } from '@nestjs/common';
import type { Express } from 'express';

/**
 * Express's `trust proxy` from a TRUST_PROXY setting: the client's address comes from
 * X-Forwarded-For only when the hop that set it is one the setting names (a hop count, or a list
 * of addresses, subnets or `loopback`/`uniquelocal`); otherwise the socket's address counts.
 */
export function useTrustedProxies(app: INestApplication, trustProxy: string | false): void {
  if (!trustProxy) return;
  const setting = /^\d+$/.test(trustProxy) ? Number(trustProxy) : trustProxy;
  (app.getHttpAdapter().getInstance() as Express).set('trust proxy', setting);
}
