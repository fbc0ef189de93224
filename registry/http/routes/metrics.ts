import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { can } from '../../domain/access/policy.js';
import { isLoopbackAddress } from '../../domain/throttle/client-address.js';
import type { Metrics } from '../../metrics/metrics.js';

/** Whoever scrapes is no account: the policy decides by address and token alone. */
const SCRAPER = { user: null, readonly: false, role: null };

/**
 * `GET /metrics` in the Prometheus text format (mounted only under AEROSTACK_METRICS=1; otherwise
 * the path is a 404 like any unknown one). Served to a loopback client, or to a bearer of
 * AEROSTACK_METRICS_TOKEN. The address is express's `req.ip` — with `trust proxy` set to loopback,
 * a reverse proxy on this host forwards its client's address, so its outside clients are not
 * loopback. Mounted before user authentication: this bearer is not an `aer_` token.
 */
export function metricsRoutes(metrics: Metrics, token: string | null): Router {
  const r = Router();
  const expected = token === null ? null : digest(token);
  r.get('/metrics', async (req, res) => {
    const decision = can(SCRAPER, 'metrics.read', {
      loopback: isLoopbackAddress(req.ip),
      bearer: bearerKind(req.headers.authorization, expected),
      tokenSet: expected !== null,
    });
    if (!decision.allowed) {
      if (decision.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res.status(decision.status).json({ error: decision.reason });
      return;
    }
    const { contentType, body } = await metrics.scrape();
    res.setHeader('Cache-Control', 'no-store');
    res.type(contentType).send(body);
  });
  return r;
}

/** Hashed first, so the comparison takes the same time whatever the lengths. */
const digest = (s: string) => createHash('sha256').update(s).digest();

function bearerKind(header: string | undefined, expected: Buffer | null): 'none' | 'operator' | 'other' {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  if (!m) return header ? 'other' : 'none';
  return expected !== null && timingSafeEqual(digest(m[1]!), expected) ? 'operator' : 'other';
}
