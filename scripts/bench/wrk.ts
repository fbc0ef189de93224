/**
 * Throughput with wrk (Debian package `wrk`): a C load generator, so the figure is the server's and
 * not the generator's. autocannon runs in Node and tops out near 3,000-4,000 requests/s for a 200 KB
 * body on this kind of machine, below what a bare node:http server answers. When wrk is missing the
 * runs fall back to autocannon (load.ts) and every row says so (`generator: "autocannon"`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { load, type LoadFigures } from './load.js';
import { timedGet } from './util.js';

export type Generator = 'wrk' | 'autocannon';

export interface ThroughputOptions {
  url: string;
  headers?: Record<string, string>;
  durationS: number;
  warmupS: number;
  /** The status every response must have (a refusal run expects 401, 403 or 404). */
  expectStatus?: number;
  /** The body length a 200 must have (checked on one probe request). */
  expectBytes?: number;
}

export interface Throughput extends LoadFigures {
  generator: Generator;
  /**
   * CPU a generator process other than the bench's own used over the run (wrk's, from bash's
   * `times`). 0 for autocannon, which runs in the bench process and is counted as that.
   */
  generatorCpuMs: number;
}

/** wrk -t1 -c50, as the issue measured; BENCH_WRK_CONNECTIONS / BENCH_CONNECTIONS (autocannon) change them. */
const WRK_CONNECTIONS = Number(process.env.BENCH_WRK_CONNECTIONS ?? 50);
const AUTOCANNON_CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

let wrkAvailable: boolean | undefined;
export function hasWrk(): boolean {
  wrkAvailable ??= spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
  return wrkAvailable;
}

export function generatorName(): Generator {
  return hasWrk() ? 'wrk' : 'autocannon';
}

export async function throughput(o: ThroughputOptions): Promise<Throughput> {
  const expectStatus = o.expectStatus ?? 200;
  const probe = await timedGet(o.url, o.headers ?? {});
  if (probe.status !== expectStatus)
    throw new Error(
      `GET ${o.url}: HTTP ${probe.status}, expected ${expectStatus}: ${probe.body.toString('utf8').slice(0, 200)}`,
    );
  if (expectStatus === 200 && o.expectBytes !== undefined && probe.body.length !== o.expectBytes)
    throw new Error(`GET ${o.url}: ${probe.body.length} bytes, expected ${o.expectBytes}`);
  if (!hasWrk()) {
    const figures = await load({
      url: o.url,
      headers: o.headers,
      connections: AUTOCANNON_CONNECTIONS,
      durationS: o.durationS,
      warmupS: o.warmupS,
      expectStatus,
    });
    return { ...figures, generator: 'autocannon', generatorCpuMs: 0 };
  }
  if (o.warmupS > 0) await runWrk(o, o.warmupS);
  const run = await runWrk(o, o.durationS);
  const wrong = expectStatus === 200 ? run.non2xx : run.requests - run.non2xx;
  if (wrong > 0 || run.errors > 0)
    throw new Error(
      `GET ${o.url}: ${wrong} responses other than ${expectStatus} and ${run.errors} socket errors out of ${run.requests}`,
    );
  const { cpuMs, ...figures } = run;
  return { ...figures, generator: 'wrk', generatorCpuMs: cpuMs };
}

/** One run's figures, and the CPU wrk itself used (ms). */
type WrkRun = LoadFigures & { cpuMs: number };

/**
 * One wrk run. bash runs it and then `times`, whose second line is the CPU its children used: wrk's
 * own, which /proc no longer shows once it has exited. Headers are argv entries, never a shell string.
 */
function runWrk(o: ThroughputOptions, durationS: number): Promise<WrkRun> {
  const args = ['-t1', `-c${WRK_CONNECTIONS}`, `-d${durationS}s`, '--latency', '--timeout', '30s'];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(o.url);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'wrk "$@"; rc=$?; times; exit $rc', 'wrk', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${err || out}`));
      try {
        resolve(parseWrk(out));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Reads wrk's report (with --latency) and the `times` lines after it. */
export function parseWrk(text: string): WrkRun {
  const num = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(text);
    if (!m) throw new Error(`wrk's output has no ${what}:\n${text}`);
    return m;
  };
  const ms = (m: RegExpExecArray) => Number(m[1]) * TIME_UNITS[m[2]!]!;
  const total = num(/^\s*(\d+) requests in ([\d.]+)(us|ms|s|m),/m, 'request count');
  const requests = Number(total[1]);
  const seconds = Number(total[2]) * TIME_UNITS[total[3]!]! * 0.001;
  const transfer = num(/^Transfer\/sec:\s*([\d.]+)(B|KB|MB|GB|TB)/m, 'transfer rate');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  // `times`: the shell's own user/sys, then its children's (wrk): "0m1.234s 0m0.567s".
  const times = [...text.matchAll(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/gm)];
  const children = times.at(-1);
  const cpuMs = children
    ? (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000
    : 0;
  return {
    rps: requests / seconds,
    p50Ms: ms(num(/^\s*50%\s+([\d.]+)(us|ms|s|m)/m, 'p50')),
    p99Ms: ms(num(/^\s*99%\s+([\d.]+)(us|ms|s|m)/m, 'p99')),
    bytesPerSec: Number(transfer[1]) * SIZE_UNITS[transfer[2]!]!,
    requests,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    errors: socket ? socket.slice(1, 5).reduce((n, x) => n + Number(x), 0) : 0,
    cpuMs,
  };
}
