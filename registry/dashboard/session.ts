import cookieParser from 'cookie-parser';
import { randomBytes } from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import type { Viewer } from '../domain/access/viewer.js';
import { anonymousViewer } from '../domain/access/viewer.js';
import { DomainError } from '@aerostack/contract/errors.js';
import type { User } from '../db/schema.js';
import type { Services } from '../domain/services.js';
import { csrfToken } from './csrf.js';
import { dash, type DashboardContext, type Flash, type SessionConfig } from './context.js';

export { dash, sessionConfig, type DashboardContext, type Flash, type SessionConfig } from './context.js';

/**
 * The dashboard's session: an `aer_` session token (the same tokens the CLI uses, stored as SHA-256
 * only) in an HttpOnly, SameSite=Lax cookie. Only dashboard routes read this cookie; the JSON API
 * accepts Bearer tokens only, so the cookie can never carry a cross-site request into the API.
 */
export const SESSION_TTL_SECONDS = 14 * 24 * 3600;
const FLASH_TTL_MS = 60_000;

const cookieOptions = (cfg: SessionConfig, maxAgeMs?: number): CookieOptions => ({
  httpOnly: true,
  sameSite: 'lax',
  secure: cfg.secure,
  path: '/',
  ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
});

const parseCookies = cookieParser();

/** Resolves the session cookie into `req.viewer` (anonymous without one) and prepares CSRF and flash. */
export function session(s: Services, cfg: SessionConfig): RequestHandler[] {
  const resolve: RequestHandler = async (req, res, next) => {
    const cookies = (req.cookies ?? {}) as Record<string, unknown>;
    let viewer: Viewer = anonymousViewer;
    let secret: string | null = null;
    const raw = cookies[cfg.names.session];
    if (typeof raw === 'string' && raw) {
      try {
        viewer = await s.userTokens.authenticate(raw);
        secret = raw;
      } catch (err) {
        // Revoked, expired or unknown: the visitor is simply signed out.
        if (!(err instanceof DomainError) || err.status !== 401) throw err;
        res.clearCookie(cfg.names.session, cookieOptions(cfg));
      }
    }
    let csrfSecret = secret;
    let formSecret = secret;
    if (!secret) {
      const pre = cookies[cfg.names.presession];
      if (typeof pre === 'string' && /^[A-Za-z0-9_-]{43}$/.test(pre)) {
        csrfSecret = formSecret = pre;
      } else {
        formSecret = randomBytes(32).toString('base64url');
        res.cookie(cfg.names.presession, formSecret, cookieOptions(cfg));
      }
    }
    // The cookie view of the request wins over anything `authenticate` derived from headers.
    req.viewer = viewer;
    const ctx: DashboardContext = {
      viewer,
      secret,
      csrfSecret,
      csrf: csrfToken(formSecret!),
      flash: takeFlash(req, res, cfg),
    };
    res.locals.dash = ctx;
    res.setHeader('Cache-Control', 'no-store');
    res.vary('Cookie');
    next();
  };
  return [parseCookies, resolve];
}

/** Signs the user in: a fresh `aer_` session token in the cookie (and in this response's context). */
export async function startSession(
  s: Services,
  cfg: SessionConfig,
  res: Response,
  user: Pick<User, 'id' | 'username' | 'email'>,
): Promise<void> {
  const { secret, token } = await s.userTokens.issue(user, {
    name: 'dashboard',
    kind: 'session',
    expiresInSeconds: SESSION_TTL_SECONDS,
  });
  res.cookie(cfg.names.session, secret, cookieOptions(cfg, SESSION_TTL_SECONDS * 1000));
  res.clearCookie(cfg.names.presession, cookieOptions(cfg));
  const ctx = res.locals.dash as DashboardContext | undefined;
  if (ctx) {
    ctx.viewer = {
      user: { id: user.id, username: user.username, email: user.email },
      token: { id: token.id, key: token.key, readonly: token.readonly, kind: token.kind },
    };
    ctx.secret = ctx.csrfSecret = secret;
    ctx.csrf = csrfToken(secret);
  }
}

/** Signs out: the token is revoked (on every instance at once), the cookie dropped. */
export async function endSession(s: Services, cfg: SessionConfig, res: Response): Promise<void> {
  const { viewer } = dash(res);
  if (viewer.user && viewer.token) await s.userTokens.revoke(viewer, { key: viewer.token.key }).catch(() => undefined);
  res.clearCookie(cfg.names.session, cookieOptions(cfg));
}

/** A one-time message shown by the next page (post/redirect/get). */
export function setFlash(res: Response, cfg: SessionConfig, flash: Flash): void {
  const value = Buffer.from(JSON.stringify({ k: flash.kind, t: flash.text.slice(0, 500) })).toString('base64url');
  res.cookie(cfg.names.flash, value, cookieOptions(cfg, FLASH_TTL_MS));
}

function takeFlash(req: Request, res: Response, cfg: SessionConfig): Flash | null {
  const raw = (req.cookies as Record<string, unknown> | undefined)?.[cfg.names.flash];
  if (typeof raw !== 'string' || req.method !== 'GET') return null;
  res.clearCookie(cfg.names.flash, cookieOptions(cfg));
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { k?: unknown; t?: unknown };
    if ((v.k === 'ok' || v.k === 'error') && typeof v.t === 'string') return { kind: v.k, text: v.t };
  } catch {
    /* a mangled flash is no message */
  }
  return null;
}

/** A local path to return to after signing in (never another site: no `//host`, no scheme). */
export function safeNext(raw: unknown, fallback = '/skills'): string {
  return typeof raw === 'string' && /^\/(?![/\\])[^\s\\]*$/.test(raw) && raw.length < 500 ? raw : fallback;
}
