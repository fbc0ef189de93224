import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { BlobStoreUnavailableError } from '../../storage/blob-store.js';
import { DomainError } from '../domain/errors.js';

/** Connection-level failures of pg/PGlite (refused, reset, admin shutdown, too many clients…). */
function isDatabaseDown(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|is not queryable/i.test(String((err as Error)?.message));
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300'].includes(code) || code.startsWith('08');
}

/** Turns every failure into `status` + `{ "error": "…" }`; internal faults are logged, never echoed. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let message = 'Internal server error';
    if (err instanceof DomainError) {
      status = err.status;
      message = err.message;
    } else if (err?.type === 'entity.parse.failed') {
      status = 400;
      message = 'Malformed JSON body';
    } else if (err?.type === 'entity.too.large') {
      status = 413;
      message = `Request body is too large (limit ${err.limit} bytes)`;
    } else if (err instanceof URIError) {
      // express's router cannot decode a route parameter (`/-/api/v1/teams/%80/…`): the client's fault.
      status = 400;
      message = 'Malformed URL encoding in path';
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500 && err.expose) {
      status = err.status;
      message = err.message;
    } else if ((err as { code?: unknown } | null)?.code === '22021') {
      // Postgres (and PGlite) refuse a NUL character in any text value: the client sent it, not a fault.
      status = 400;
      message = 'Text values must not contain NUL (\\u0000) characters';
    } else if (err instanceof BlobStoreUnavailableError) {
      status = 503;
      message = 'Object storage is unavailable; try again shortly';
    } else if (isDatabaseDown(err)) {
      status = 503;
      message = 'The database is unavailable; try again shortly';
    }
    if (status >= 500) logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    if (res.headersSent) return res.destroy();
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="aerostack"');
    if (status === 503) res.setHeader('Retry-After', '5');
    res.status(status).json({ error: message });
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: `No such endpoint: ${req.method} ${req.path}` });
};
