import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../metrics/metrics.js';
import { routeClass } from './route-class.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `serve`, with every request it answers counted on /metrics by route class and status — npm's hot
 * reads (./hot-reads.ts) as well as express's routes, since this wraps both. The class is taken from
 * the URL as it arrived (express rewrites req.url while routing); a request whose client went away
 * before the answer was sent is not counted.
 */
export function countRequests(serve: Handler, metrics: Metrics): Handler {
  return (req, res) => {
    const route = routeClass(req.method, req.url, req.headers.accept);
    const started = performance.now();
    res.once('finish', () => metrics.request(route, res.statusCode, (performance.now() - started) / 1000));
    serve(req, res);
  };
}
