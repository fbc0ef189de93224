import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { forbidden } from '@aerostack/contract/errors.js';
import { dash, type SessionConfig } from './context.js';

/** The form field every dashboard form carries. */
export const CSRF_FIELD = '_csrf';

/**
 * A stateless synchronizer token: derived from the session secret (or, signed out, from the random
 * pre-session cookie), so nothing is stored and any instance can check it. A cross-site page can
 * neither read the HttpOnly cookie nor our pages, so it cannot compute or copy the token.
 */
export function csrfToken(secret: string): string {
  return createHash('sha256').update(`csrf:${secret}`).digest('base64url');
}

export function csrfMatches(secret: string | null, sent: unknown): boolean {
  if (!secret || typeof sent !== 'string') return false;
  const want = Buffer.from(csrfToken(secret));
  const got = Buffer.from(sent);
  return want.length === got.length && timingSafeEqual(want, got);
}

/**
 * Browsers say where a form was posted from: `Sec-Fetch-Site`, and `Origin` (which is `null` when
 * the page's referrer policy is `no-referrer`, as on the join page; `Sec-Fetch-Site` decides then).
 * A foreign or unknown origin is refused whatever the token says.
 */
export function sameOrigin(req: Request, cfg: SessionConfig): boolean {
  const site = req.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') return false;
  const origin = req.get('origin');
  if (origin === undefined) return true;
  if (origin === 'null') return site === 'same-origin';
  return origin === cfg.publicOrigin || origin === `${req.protocol}://${req.get('host')}`;
}

export const CSRF_REFUSED =
  'This form did not come from this page (its security token is missing, expired or wrong). Reload the page and try again.';

/** Checks every mutating dashboard request: same origin, and the synchronizer token in the body. */
export function verifyCsrf(cfg: SessionConfig): RequestHandler {
  return (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!sameOrigin(req, cfg) || !csrfMatches(dash(res).csrfSecret, body[CSRF_FIELD]))
      return next(forbidden(CSRF_REFUSED));
    next();
  };
}
