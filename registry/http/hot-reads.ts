import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { CachedReads } from '../domain/cache/cached-reads.js';
import { bearerSecret } from './authenticate.js';
import { describeError, sendError } from './errors.js';
import { splitPackagePath } from './package-path.js';
import { isPageRequest } from './wants-page.js';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

/**
 * npm's two hot reads — `GET /@ns/skill` (the package document) and `GET /@ns/skill/-/<file>.tgz` —
 * answered on the bare node request before express sees it: they are most of a registry's traffic,
 * and express's per-request work costs more than the cached answer itself (scripts/bench). Returns
 * false for every other request, which express then handles.
 */
export function hotReads(cached: CachedReads, logger: Logger): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '';
    if (!url.startsWith('/@')) return false;
    const q = url.indexOf('?');
    const started = performance.now();
    let target: ReturnType<typeof splitPackagePath>;
    try {
      target = splitPackagePath(q === -1 ? url : url.slice(0, q));
    } catch (err) {
      fail(err);
      return true;
    }
    if (!target) return false;
    const { name, rest } = target;
    // A person's browser (npm never asks for text/html) is sent to the skill's page by express.
    if (rest.length === 0 && isPageRequest(req.headers.accept)) return false;
    let answer: Promise<void>;
    if (rest.length === 0) answer = sendPackument(cached, req, res, name);
    else if (rest.length === 2 && rest[0] === '-') answer = sendTarball(cached, req, res, name, rest[1]!);
    else return false;
    answer.then(() => done(res.statusCode), fail);
    return true;

    function fail(err: unknown) {
      const { status, message, fields } = describeError(err);
      if (status >= 500) logger.error({ err, method: req.method, url }, 'request failed');
      // Fields beside `error` too: an unpublished skill's 404 carries npm's `time.unpublished` stub.
      sendError(res, status, message, fields);
      done(status);
    }
    // The same access log lines as pino-http gives the other routes: failures at info/error, the rest at debug.
    function done(status: number) {
      const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          req: { method: req.method, url },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
        },
        'request completed',
      );
    }
  };
}

async function sendPackument(cached: CachedReads, req: IncomingMessage, res: ServerResponse, name: string) {
  const abbreviated = (req.headers.accept ?? '').includes(ABBREVIATED);
  const doc = await cached.packument(bearerSecret(req.headers.authorization), name, { abbreviated });
  // Reads depend on who asks (visibility), so shared caches must not keep them.
  const headers = { 'Cache-Control': 'private, no-cache', Vary: 'Authorization, Accept', ETag: doc.etag };
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === doc.etag))
    return void res.writeHead(304, headers).end();
  res.writeHead(200, {
    ...headers,
    'Content-Type': `${abbreviated ? ABBREVIATED : 'application/json'}; charset=utf-8`,
    'Content-Length': doc.body.length,
  });
  res.end(req.method === 'HEAD' ? undefined : doc.body);
}

async function sendTarball(cached: CachedReads, req: IncomingMessage, res: ServerResponse, name: string, file: string) {
  const t = await cached.tarball(bearerSecret(req.headers.authorization), name, file);
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': t.size,
    'Cache-Control': 'private, max-age=31536000, immutable',
    ETag: `"${t.shasum}"`,
  });
  if ('bytes' in t) return void res.end(req.method === 'HEAD' ? undefined : t.bytes);
  if (req.method === 'HEAD') {
    t.stream.destroy();
    return void res.end();
  }
  await pipeline(t.stream, res);
}
