/** Throughput with autocannon (in the bench process; the servers under test are child processes). */
import autocannon from 'autocannon';
import { keepAliveAgent, percentile, timedGet } from './util.js';

export interface LoadFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  bytesPerSec: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
  warmupS: number;
  /** The body length every response must have (checked on one request first). */
  expectBytes?: number;
  /** The status every response must have (default 200; a refusal run expects 401, 403 or 404). */
  expectStatus?: number;
}

/**
 * autocannon 9 appends every response body to a string (`req.body += data` in
 * lib/pipelinedRequestsQueue.js): for a 200 KB binary tarball that UTF-8 decoding, not the server,
 * caps the run at ~250 requests/s. Nothing here checks bodies (sizes are checked on a probe request
 * and bytes are still counted), so each connection's body accumulator is turned off.
 */
function dropBodies(client: unknown): void {
  const queue = (client as { pipelinedRequests?: { addBody?: unknown } }).pipelinedRequests;
  if (queue && typeof queue.addBody === 'function') queue.addBody = () => undefined;
}

async function once(
  url: string,
  connections: number,
  durationS: number,
  headers: Record<string, string>,
): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections,
    duration: durationS,
    headers,
    pipelining: 1,
    timeout: 30,
    setupClient: dropBodies,
  });
}

/** A short warm-up run (JIT, pools, caches), then the measured run. */
export async function load(o: LoadOptions): Promise<LoadFigures> {
  const headers = o.headers ?? {};
  const expectStatus = o.expectStatus ?? 200;
  const probe = await timedGet(o.url, headers);
  if (probe.status !== expectStatus)
    throw new Error(`GET ${o.url}: HTTP ${probe.status} ${probe.body.toString('utf8').slice(0, 200)}`);
  if (expectStatus === 200 && o.expectBytes !== undefined && probe.body.length !== o.expectBytes) {
    throw new Error(`GET ${o.url}: ${probe.body.length} bytes, expected ${o.expectBytes}`);
  }
  if (o.warmupS > 0) await once(o.url, o.connections, o.warmupS, headers);
  const r = await once(o.url, o.connections, o.durationS, headers);
  // autocannon counts by class only: a refusal run must get nothing but 4xx.
  const answered = expectStatus === 200 ? r['2xx'] : r['4xx'];
  const wrong = expectStatus === 200 ? r.non2xx : r['1xx'] + r['2xx'] + r['3xx'] + r['5xx'];
  if (wrong > 0 || r.errors > 0) {
    throw new Error(
      `GET ${o.url}: ${wrong} responses other than ${expectStatus} and ${r.errors} errors out of ${r.requests.total}`,
    );
  }
  return {
    rps: answered / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    bytesPerSec: r.throughput.average,
    requests: answered,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/**
 * Latency of GETs one at a time (one keep-alive connection), rotating through `urls` for `durationS`
 * (and at least `minRounds` rounds): what one user waits for, with sub-millisecond resolution.
 * Returns per-URL figures too.
 */
export async function sequentialLatency(
  urls: string[],
  headers: Record<string, string>,
  durationS: number,
  opts: { warmupRounds?: number; minRounds?: number } = {},
) {
  const warmupRounds = opts.warmupRounds ?? 1;
  const minSamples = (opts.minRounds ?? 5) * urls.length;
  for (let r = 0; r < warmupRounds; r++) {
    for (const u of urls) {
      const res = await timedGet(u, headers);
      if (res.status !== 200)
        throw new Error(`GET ${u}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
    }
  }
  const all: number[] = [];
  const perUrl = new Map<string, number[]>(urls.map((u) => [u, []]));
  const end = performance.now() + durationS * 1000;
  let i = 0;
  // At least minRounds rounds, so that a slow endpoint still gets a meaningful p99 in a short run.
  while (performance.now() < end || all.length < minSamples) {
    const u = urls[i++ % urls.length]!;
    const res = await timedGet(u, headers);
    if (res.status !== 200) throw new Error(`GET ${u}: HTTP ${res.status}`);
    all.push(res.ms);
    perUrl.get(u)!.push(res.ms);
  }
  keepAliveAgent.destroy();
  return {
    samples: all.length,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    perUrl: [...perUrl].map(([url, xs]) => ({ url, n: xs.length, p50: percentile(xs, 50), p99: percentile(xs, 99) })),
  };
}
