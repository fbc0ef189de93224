import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BlobStoreUnavailableError } from '@aerostack/storage/blob-store.js';
import { DomainError } from '@aerostack/contract/errors.js';

/** Connection-level failures of pg/PGlite (refused, reset, admin shutdown, too many clients…). */
function isDatabaseDown(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string')
    return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|is not queryable/i.test(
      String((err as Error)?.message),
    );
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300'].includes(code) ||
    code.startsWith('08')
  );
}

/** What express and body-parser attach to the errors they raise (http-errors). */
export interface HttpLikeError {
  status?: unknown;
  expose?: unknown;
  type?: unknown;
  limit?: unknown;
  message?: unknown;
  code?: unknown;
}

/** Any thrown value, read as the fields http-errors may have set (all optional, all checked). */
export const asHttpLike = (err: unknown): HttpLikeError => (typeof err === 'object' && err !== null ? err : {});

/** A 4xx that express or body-parser raised and meant for the client (`expose`), else null. */
export function exposedClientError(raw: unknown): { status: number; message: string; type: unknown } | null {
  const err = asHttpLike(raw);
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500 && err.expose === true) {
    return { status: err.status, message: String(err.message), type: err.type };
  }
  return null;
}

/** What a failure is answered with: a DomainError's own status and message; internal faults as 500 without detail. */
export function describeError(raw: unknown): { status: number; message: string; fields?: Record<string, unknown> } {
  const err = asHttpLike(raw);
  if (raw instanceof DomainError)
    return {
      status: raw.status,
      message: raw.message,
      ...(raw.code || raw.fields ? { fields: { ...(raw.code ? { code: raw.code } : {}), ...raw.fields } } : {}),
    };
  if (err.type === 'entity.parse.failed') return { status: 400, message: 'Malformed JSON body' };
  if (err.type === 'entity.too.large')
    return { status: 413, message: `Request body is too large (limit ${String(err.limit)} bytes)` };
  // express's router cannot decode a route parameter (`/-/api/v1/teams/%80/…`): the client's fault.
  if (raw instanceof URIError) return { status: 400, message: 'Malformed URL encoding in path' };
  const exposed = exposedClientError(raw);
  if (exposed) return { status: exposed.status, message: exposed.message };
  // Postgres (and PGlite) refuse a NUL character in any text value: the client sent it, not a fault.
  if (err.code === '22021') return { status: 400, message: 'Text values must not contain NUL (\\u0000) characters' };
  if (raw instanceof BlobStoreUnavailableError)
    return { status: 503, message: 'Object storage is unavailable; try again shortly' };
  if (isDatabaseDown(raw)) return { status: 503, message: 'The database is unavailable; try again shortly' };
  return { status: 500, message: 'Internal server error' };
}

/**
 * Sends `status` + `{ "error": message }` on a bare node response (express's `res` is one too);
 * `extraHeaders` replace the defaults (a 401's challenge, say).
 */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  fields?: Record<string, unknown>,
  extraHeaders?: Record<string, string>,
): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ ...fields, error: message });
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="aerostack"';
  if (status === 503) headers['Retry-After'] = '5';
  res.writeHead(status, { ...headers, ...extraHeaders }).end(body);
}

/** Turns every failure into `status` + `{ "error": "…" }`; internal faults are logged, never echoed. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, message, fields } = describeError(err);
    if (status >= 500) logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    sendError(res, status, message, fields);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: `No such endpoint: ${req.method} ${req.path}` });
};
