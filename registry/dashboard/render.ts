import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Services } from '../domain/services.js';
import { DomainError } from '@aerostack/contract/errors.js';
import { anonymousViewer } from '../domain/access/viewer.js';
import { exposedClientError } from '../http/errors.js';
import { html } from './html.js';
import { sameOrigin, verifyCsrf, CSRF_REFUSED } from './csrf.js';
import { layout, type PageOptions } from './layout.js';
import { dash, session, setFlash, type DashboardContext, type SessionConfig } from './session.js';

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; connect-src 'self'";

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  next();
};

/** Sends a dashboard page. */
export function send(res: Response, opts: PageOptions, status = 200): void {
  res
    .status(status)
    .type('html')
    .send(layout(dash(res), opts));
}

/** Pages for signed-in users: others are sent to sign in and brought back afterwards. */
export const signedIn: RequestHandler = (req, res, next) => {
  if (dash(res).viewer.user) return next();
  if (req.method === 'GET') return res.redirect(303, `/signin?next=${encodeURIComponent(req.originalUrl)}`);
  next(new DomainError(401, 'Your session has ended; sign in again'));
};

export type Handler = (req: Request, res: Response) => Promise<void> | void;

/** The outcome of a form post: where to go next and what to say there. */
export interface ActionResult {
  redirect: string;
  flash?: string;
}

/**
 * The routes of the dashboard: every one resolves the session cookie (and only these do), every
 * POST is CSRF-checked, and failures render as pages, not JSON.
 */
export class DashboardRouter {
  readonly router = Router();
  private readonly base: RequestHandler[];
  private readonly form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 });

  constructor(
    readonly s: Services,
    readonly cfg: SessionConfig,
  ) {
    this.base = [securityHeaders, ...session(s, cfg)];
  }

  /** A GET page; `open` pages are for everyone, the rest need a session. */
  get(path: string, handler: Handler, opts: { open?: boolean } = {}): void {
    this.router.get(path, ...this.base, ...(opts.open ? [] : [signedIn]), wrap(handler));
  }

  /** A raw POST (the handler answers itself). */
  postRaw(path: string, handler: Handler, opts: { open?: boolean } = {}): void {
    this.router.post(
      path,
      ...this.base,
      this.form,
      verifyCsrf(this.cfg),
      ...(opts.open ? [] : [signedIn]),
      wrap(handler),
    );
  }

  /**
   * A POST whose handler checks the CSRF token itself (`csrfMatches`), for forms that authenticate
   * with their own credentials (the join page): the Origin check still applies.
   */
  postSelfChecked(path: string, handler: Handler): void {
    this.router.post(path, ...this.base, this.form, originOnly(this.cfg), wrap(handler));
  }

  /**
   * A form post, answered post/redirect/get: success redirects with a message; a refusal the user
   * can act on (a DomainError) goes back to `back` with the service's own message.
   */
  post(
    path: string,
    handler: (req: Request, res: Response) => Promise<ActionResult>,
    back: (req: Request) => string,
  ): void {
    this.postRaw(path, async (req, res) => {
      let result: ActionResult;
      try {
        result = await handler(req, res);
      } catch (err) {
        if (!(err instanceof DomainError) || (err.status >= 500 && err.status !== 502)) throw err;
        setFlash(res, this.cfg, { kind: 'error', text: err.message });
        return res.redirect(303, back(req));
      }
      if (result.flash) setFlash(res, this.cfg, { kind: 'ok', text: result.flash });
      res.redirect(303, result.redirect);
    });
  }

  finish(logger: Logger): Router {
    this.router.use(dashboardErrors(logger));
    return this.router;
  }
}

const originOnly =
  (cfg: SessionConfig): RequestHandler =>
  (req, _res, next) =>
    next(sameOrigin(req, cfg) ? undefined : new DomainError(403, CSRF_REFUSED));

const wrap =
  (handler: Handler): RequestHandler =>
  async (req, res, next) => {
    try {
      await handler(req, res);
    } catch (err) {
      next(err);
    }
  };

/** Failures as pages: the service's message and status (401 offers to sign in); faults are logged, never shown. */
export function dashboardErrors(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    let status = 500;
    let message = 'Something went wrong on our side. Try again in a moment.';
    if (err instanceof DomainError) {
      status = err.status;
      message = err.message;
    } else {
      const exposed = exposedClientError(err);
      if (exposed) {
        status = exposed.status;
        message = exposed.type === 'entity.too.large' ? 'That form is too large.' : exposed.message;
      } else {
        logger.error({ err, method: req.method, url: req.originalUrl }, 'dashboard request failed');
      }
    }
    const ctx: DashboardContext = (res.locals.dash as DashboardContext | undefined) ?? {
      viewer: anonymousViewer,
      secret: null,
      csrfSecret: null,
      csrf: '',
      flash: null,
    };
    res.locals.dash = ctx;
    const title =
      status === 401
        ? 'Sign in required'
        : status === 403
          ? 'Not allowed'
          : status === 404
            ? 'Not found'
            : status === 410
              ? 'No longer valid'
              : 'Error';
    const signIn =
      status === 401 && !ctx.viewer.user
        ? html`<p><a class="button" href="/signin?next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : '/')}">Sign in</a></p>`
        : html``;
    send(
      res,
      {
        title,
        body: html`<h1>${title}</h1><p class="error" role="alert">${message}</p>${signIn}<p><a href="${ctx.viewer.user ? '/skills' : '/'}">Back to the dashboard</a></p>`,
      },
      status,
    );
  };
}
