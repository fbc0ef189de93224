import type { Response } from 'express';
import type { Viewer } from '../domain/access/viewer.js';

/**
 * What the dashboard's middleware (session.ts, csrf.ts) and pages share about a request: the
 * session configuration and the per-request context in `res.locals.dash`.
 */

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/** What every dashboard handler knows about the request (in `res.locals.dash`). */
export interface DashboardContext {
  viewer: Viewer;
  /** The session token's secret, when signed in. */
  secret: string | null;
  /** The secret the request's CSRF token must be derived from (null: the request carried none). */
  csrfSecret: string | null;
  /** The token to put in every form rendered for this request. */
  csrf: string;
  flash: Flash | null;
}

export interface CookieNames {
  session: string;
  /** A random value standing in for the session secret on the forms of signed-out visitors. */
  presession: string;
  flash: string;
}

export interface SessionConfig {
  secure: boolean;
  names: CookieNames;
  /** The origins a form may be posted from (PUBLIC_URL's). */
  publicOrigin: string;
}

export function sessionConfig(publicUrl: string): SessionConfig {
  const secure = publicUrl.startsWith('https:');
  // `__Host-` cookies must be Secure, host-only and Path=/: nobody on a sibling domain can plant one.
  const p = secure ? '__Host-' : '';
  return {
    secure,
    publicOrigin: new URL(publicUrl).origin,
    names: { session: `${p}aerostack_session`, presession: `${p}aerostack_csrf`, flash: `${p}aerostack_flash` },
  };
}

export const dash = (res: Response): DashboardContext => res.locals.dash as DashboardContext;
