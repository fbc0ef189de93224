import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { DomainError } from '@aerostack/contract/errors.js';
import type { Services } from '../domain/services.js';
import { splitPackagePath } from '../http/package-path.js';
import { isPageRequest } from '../http/wants-page.js';
import { dashboardErrors, securityHeaders } from './render.js';
import { session, sessionConfig } from './session.js';

/** A browser loading a page (isPageRequest), anywhere but under `/-/`, the API's own prefix: always JSON. */
export function wantsPage(req: Request): boolean {
  return !req.path.startsWith('/-/') && isPageRequest(req.headers.accept);
}

/** `/@ns/skill` (a package document, as npm reads it), or null. */
function packageDocument(req: Request): string | null {
  if (req.method !== 'GET' && req.method !== 'HEAD') return null;
  try {
    const target = splitPackagePath(req.path);
    return target && target.rest.length === 0 ? target.name : null;
  } catch {
    return null;
  }
}

/**
 * What a browser gets where no dashboard route answered: a skill's npm address (`/@ns/skill`, the
 * name people paste) leads to its page; anything else is the dashboard's 404 page, and a failure the
 * dashboard's error page. Mounted after every route, before the JSON 404 and error handler, which
 * still answer everyone else. The session is resolved so the page's navigation shows who is signed in.
 */
export function browserErrorPages(s: Services): { notFound: RequestHandler; errors: ErrorRequestHandler } {
  const pageMiddleware = [securityHeaders, ...session(s, sessionConfig(s.deps.config.publicUrl))];
  const render = dashboardErrors(s.deps.logger);
  // An npm route's 404 explains package names ("Skill x not found: …"): a visitor just mistyped an address.
  const noPage = (req: Request) => new DomainError(404, `There is no page at ${req.path}.`);
  return {
    notFound: (req, res, next) => {
      if (!wantsPage(req)) return next();
      const skill = packageDocument(req);
      if (skill) return res.redirect(302, `/skills/${skill}`);
      next(noPage(req));
    },
    errors: (err: unknown, req, res, next) => {
      if (res.headersSent || !wantsPage(req)) return next(err);
      const shown: unknown = err instanceof DomainError && err.status === 404 ? noPage(req) : err;
      // A session that cannot be read (the database is down) still gets the page, signed out.
      const show = () => render(shown, req, res, next);
      runMiddleware(pageMiddleware, req, res).then(show, show);
    },
  };
}

/** Runs ordinary middleware in turn outside express's chain (an error handler cannot `use` them). */
async function runMiddleware(handlers: RequestHandler[], req: Request, res: Response): Promise<void> {
  for (const handler of handlers) {
    await new Promise<void>((resolve, reject) => {
      const next = (err?: unknown) => (err ? reject(new Error('page middleware failed', { cause: err })) : resolve());
      Promise.resolve(handler(req, res, next)).catch(reject);
    });
  }
}
