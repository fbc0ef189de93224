import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

/**
 * prom-client, loaded only when metrics are on: it adds ~10 MB to the process, which a registry
 * that nobody scrapes should not carry (idle RSS is one of the bench's targets).
 */
export const loadPromClient = (): typeof PromClient =>
  createRequire(import.meta.url)('prom-client') as typeof PromClient;
