/** Small helpers shared by the benchmark scripts: percentiles, timing, a keep-alive HTTP GET, free ports. */
import http from 'node:http';

export type BenchConfig = 'embedded' | 'postgres+s3' | 'n/a';

/** One line of bench-results.json. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  ceiling?: number;
  ratio?: number;
  config: BenchConfig;
  /**
   * What produced the load or the timing: `wrk` or `autocannon` for throughputs (autocannon figures
   * may be bound by the generator itself), `sequential` for one-at-a-time loops in the bench process,
   * `mcp-sdk-client` for gateway timings, `n/a` for the rest (memory, start-up).
   */
  generator: string;
  /** % of one core over the run, for throughputs: the load generator's and the registry's. */
  cpu?: { generator: number; registry: number };
}

/** The p-th percentile (0-100) by nearest rank; NaN for no samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}

export const median = (samples: number[]): number => percentile(samples, 50);

export const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// The tests' helper, so both pick ports the same way.
export { freePort } from '../../test/helpers/registry.js';

/** One keep-alive agent for the sequential latency loops, so connection set-up is not what is measured. */
export const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** A GET over node:http (keep-alive), returning the status, the body and the elapsed milliseconds. */
export function timedGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method: 'GET', headers, agent: keepAliveAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - t0 }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Logs a progress line on stderr (stdout is kept for the table). */
export function log(message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${message}\n`);
}
