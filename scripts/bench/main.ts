/**
 * `npm run bench`: Aerostack's benchmarks, on loopback.
 *
 * The registry runs twice, each time in a child process: `embedded` (PGlite + filesystem store in a
 * temporary data directory) and `postgres+s3` (a fresh database on DATABASE_URL's server, dropped at
 * the end, and s3rver in another child). Each is seeded (100,000 skills by SQL, the rest through the
 * HTTP API) and measured with wrk (autocannon when wrk is missing) and sequential latency loops; a bare
 * node:http server (also a child) serving the very same bytes gives the ceiling that throughputs are
 * divided by, and Verdaccio 6 on the same bytes gives the peer figures.
 *
 * Environment:
 *   BENCH_QUICK=1            shorter runs (the whole thing in under 5 minutes)
 *   BENCH_CONFIGS=…          comma-separated subset of `embedded,postgres+s3`
 *   BENCH_DATABASE_URL       the Postgres server to use (default: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_SKILLS=100000      skills seeded for the search benchmark
 *   BENCH_CONNECTIONS=16     autocannon connections (only when wrk is missing)
 *   BENCH_WRK_CONNECTIONS=50 wrk connections (one thread) for the throughput runs
 *   BENCH_PEERS=verdaccio    other registries measured in the same run (default: verdaccio; none with BENCH_QUICK)
 *   BENCH_PROFILE=1          CPU-profile the registry child during each measured phase (figures are then perturbed)
 *   BENCH_KEEP=1             keep the temporary data directories and the Postgres database
 * Output: a table on stdout, progress on stderr, and bench-results.json in the package folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { cpuDuring, formatShares, type CpuShares } from './cpu.js';
import { measureBundledMcp } from './bundled-mcp.js';
import { bareSdkCallP50, measureGateway } from './gateway.js';
import { sequentialLatency } from './load.js';
import { generatorName, throughput, type Throughput, type ThroughputOptions } from './wrk.js';
import { forkChild, rssOf, type Child } from './proc.js';
import { summarize } from './profile-summary.js';
import {
  CALL_TOOL,
  GATEWAY_SKILLS,
  publish,
  seedThroughApi,
  skillTgz,
  TEAM_SKILL,
  WORKSPACE,
  type ApiSeed,
} from './seed-api.js';
import { startVerdaccio } from './verdaccio.js';
import { SEARCH_WORDS, seedStatements } from './seed-sql.js';
import { freePort, log, median, round, sleep, timedGet, type BenchConfig, type BenchResult } from './util.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PROFILE = process.env.BENCH_PROFILE === '1';
const KEEP = process.env.BENCH_KEEP === '1';
const SKILLS = Number(process.env.BENCH_SKILLS ?? 100_000);
/** How result names say the index size: `search_p99_ms_100k`, `search_p99_ms_1m`. */
const SKILLS_LABEL = SKILLS === 100_000 ? '100k' : SKILLS === 1_000_000 ? '1m' : String(SKILLS);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Other registries measured in the same run (on by default in the full run). */
const PEERS = (process.env.BENCH_PEERS ?? (QUICK ? '' : 'verdaccio'))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const PG_URL = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const CONFIGS = (process.env.BENCH_CONFIGS ?? 'embedded,postgres+s3')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as Array<Exclude<BenchConfig, 'n/a'>>;
const T = QUICK
  ? { loadS: 4, warmupS: 1, searchS: 4, searchRounds: 3, gatewayN: 40, publishN: 12, cliRuns: 7, idleS: 2 }
  : { loadS: 10, warmupS: 2, searchS: 10, searchRounds: 13, gatewayN: 150, publishN: 40, cliRuns: 11, idleS: 5 };

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RESULTS_FILE = path.join(ROOT, 'bench-results.json');
const MB = 1024 * 1024;

/** Targets from the issues: printed next to the figures, never asserted. */
const REFUSAL_TARGET = { text: '≥ 0.25 × packument ceiling', ok: (r: BenchResult) => (r.ratio ?? 0) >= 0.25 };
const TARGETS: Record<string, { text: string | ((r: BenchResult) => string); ok(r: BenchResult): boolean }> = {
  packument_auth_rps: { text: '≥ 0.4 × ceiling', ok: (r) => (r.ratio ?? 0) >= 0.4 },
  packument_auth_rps_metrics: { text: '≥ 0.4 × ceiling', ok: (r) => (r.ratio ?? 0) >= 0.4 },
  tarball_auth_rps: { text: '≥ 0.5 × ceiling', ok: (r) => (r.ratio ?? 0) >= 0.5 },
  refusal_anon_rps: REFUSAL_TARGET,
  refusal_nonmember_rps: REFUSAL_TARGET,
  notfound_rps: REFUSAL_TARGET,
  badtoken_rps: REFUSAL_TARGET,
  packument_auth_vs_verdaccio: { text: '≥ 20×', ok: (r) => r.value >= 20 },
  tarball_auth_vs_verdaccio: { text: '≥ 20×', ok: (r) => r.value >= 20 },
  search_p99_ms_100k: { text: '< 25 ms', ok: (r) => r.value < 25 },
  gateway_call_overhead_p50_ms: { text: '< 2 ms', ok: (r) => r.value < 2 },
  gateway_call_ratio: { text: '≤ 1.5', ok: (r) => r.value <= 1.5 },
  cli_cold_start_ms: { text: '< 300 ms', ok: (r) => r.value < 300 },
  skill_cold_start_ms: { text: '< 300 ms', ok: (r) => r.value < 300 },
  bundled_mcp_cold_start_ms: { text: '< 1000 ms', ok: (r) => r.value < 1000 },
  idle_rss_mb: {
    text: (r) => (r.config === 'embedded' ? '< 200 MB' : '< 100 MB'),
    ok: (r) => r.value < (r.config === 'embedded' ? 200 : 100),
  },
};

const results: BenchResult[] = [];
/** Rows timed by the MCP SDK's Client, and by one-at-a-time requests from this process. */
const SDK = { generator: 'mcp-sdk-client' };
const SEQ = { generator: 'sequential' };
const notes: string[] = [];
interface RecordExtra {
  ceiling?: number;
  generator?: string;
  cpu?: CpuShares;
}

function record(name: string, value: number, unit: string, config: BenchConfig, extra: RecordExtra = {}): BenchResult {
  const r: BenchResult = {
    name,
    value: round(value, unit === 'rps' ? 0 : 2),
    unit,
    config,
    generator: extra.generator ?? 'n/a',
  };
  if (extra.ceiling !== undefined) {
    r.ceiling = round(extra.ceiling, 0);
    r.ratio = round(value / extra.ceiling, 3);
  }
  if (extra.cpu) {
    r.cpu = {
      generator: Math.round(extra.cpu.shares['load generator'] ?? 0),
      registry: Math.round(extra.cpu.shares.registry ?? extra.cpu.shares.ceiling ?? extra.cpu.shares.peer ?? 0),
    };
  }
  results.push(r);
  log(
    `${config.padEnd(11)} ${name} = ${r.value} ${unit}${r.ratio !== undefined ? ` (${r.ratio} of ${r.ceiling})` : ''}` +
      (r.cpu ? ` [${r.generator} ${r.cpu.generator}% / server ${r.cpu.registry}% of a core]` : ''),
  );
  return r;
}

/** A throughput row: requests/s over `ceiling`, with its generator and the CPU each process used. */
const recordThroughput = (
  name: string,
  run: { result: Throughput; cpu: CpuShares },
  config: BenchConfig,
  ceiling?: number,
): BenchResult =>
  record(name, run.result.rps, 'rps', config, { ceiling, generator: run.result.generator, cpu: run.cpu });

/** Everything to undo at the end, newest first. */
const cleanups: Array<() => Promise<unknown>> = [];
let tmpRoot = '';
let profileDir = '';

/** The environment a registry child gets: ours minus anything that would configure it differently. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(S3_|SMTP_|AEROSTACK_|DATABASE_URL$|PUBLIC_URL$|PORT$|HOST$|LOG_LEVEL$|MAIL_FROM$|NODE_OPTIONS$)/.test(k))
      continue;
    env[k] = v;
  }
  return env;
}

async function withProfile<T>(child: Child<{ pid: number }>, label: string, fn: () => Promise<T>): Promise<T> {
  if (!PROFILE) return fn();
  await child.call('profile-start');
  try {
    return await fn();
  } finally {
    const file = path.join(profileDir, `${label}.cpuprofile`);
    await child.call('profile-stop', { file });
    notes.push(summarize(file, 12));
  }
}

// ---------------------------------------------------------------------------------------------

/** `node cli/bin/aerostack.js --version`, cold, one after the other (the first run warms the OS file cache). */
function measureCli(): void {
  const bin = path.join(ROOT, 'cli', 'bin', 'aerostack.js');
  const time = (args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, ...args], {
      cwd: ROOT,
      env: { ...process.env, AEROSTACK_CONFIG_DIR: path.join(tmpRoot, 'cli-config') },
      encoding: 'utf8',
    });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`aerostack ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return ms;
  };
  time(['--version']);
  record('cli_cold_start_ms', median(Array.from({ length: T.cliRuns }, () => time(['--version']))), 'ms', 'n/a', {
    generator: 'spawn',
  });
  // For scale: a command that loads oclif (help for one topic).
  time(['skill', '--help']);
  record(
    'cli_help_cold_start_ms',
    median(Array.from({ length: Math.min(5, T.cliRuns) }, () => time(['skill', '--help']))),
    'ms',
    'n/a',
    { generator: 'spawn' },
  );
}

interface Ceiling {
  packumentRps: number;
  tarballRps: number;
}

/**
 * A warm-up run (JIT, pools, caches; not measured), then the measured run with the CPU share of each
 * process over it, the load generator's included (wrk's own process, or this one for autocannon).
 */
async function measuredThroughput(
  pids: Record<string, number>,
  postgres: boolean,
  o: Omit<ThroughputOptions, 'durationS' | 'warmupS'>,
): Promise<{ result: Throughput; cpu: CpuShares }> {
  if (T.warmupS > 0) await throughput({ ...o, durationS: T.warmupS, warmupS: 0 });
  return cpuDuring(pids, { postgres, generatorCpuMs: (t) => t.generatorCpuMs }, () =>
    throughput({ ...o, durationS: T.loadS, warmupS: 0 }),
  );
}

/** The bare node:http server with the registry's bytes; measured once, with the first configuration's bytes. */
async function measureCeiling(packument: Buffer, tarball: Buffer): Promise<Ceiling> {
  const packumentFile = path.join(tmpRoot, 'ceiling-packument.json');
  const tarballFile = path.join(tmpRoot, 'ceiling-tarball.tgz');
  await writeFile(packumentFile, packument);
  await writeFile(tarballFile, tarball);
  const child = await forkChild<{ pid: number; url: string }>('ceiling-process', {
    env: { ...process.env, BENCH_PACKUMENT_FILE: packumentFile, BENCH_TARBALL_FILE: tarballFile },
    logFile: path.join(tmpRoot, 'ceiling.log'),
  });
  try {
    const pids = { ceiling: child.pid };
    const p = await measuredThroughput(pids, false, {
      url: `${child.ready.url}/packument`,
      expectBytes: packument.length,
    });
    const t = await measuredThroughput(pids, false, { url: `${child.ready.url}/tarball`, expectBytes: tarball.length });
    notes.push(`ceiling: CPU during the packument run (% of one core): ${formatShares(p.cpu)}`);
    notes.push(`ceiling: CPU during the tarball run (% of one core): ${formatShares(t.cpu)}`);
    recordThroughput('ceiling_packument_rps', p, 'n/a');
    recordThroughput('ceiling_tarball_rps', t, 'n/a');
    return { packumentRps: p.result.rps, tarballRps: t.result.rps };
  } finally {
    await child.stop();
  }
}

/**
 * The registry binary with AEROSTACK_WORKERS=2 on the configuration's database and store (cluster
 * mode needs Postgres): a packument run, with the CPU of the primary and both workers as `registry`.
 */
async function measureWorkers(
  b: Backend,
  packumentPath: string,
  headers: Record<string, string>,
  bytes: number,
): Promise<{ result: Throughput; cpu: CpuShares }> {
  const port = await freePort();
  const logFile = path.join(tmpRoot, 'registry-workers.log');
  const out = await open(logFile, 'a');
  const proc = spawn(process.execPath, [path.join(ROOT, 'registry', 'bin', 'aerostack-registry.js'), 'serve'], {
    env: { ...b.env, PORT: String(port), AEROSTACK_WORKERS: '2', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
    stdio: ['ignore', out.fd, out.fd],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 120_000;
    while ((await timedGet(`${url}/readyz`).catch(() => null))?.status !== 200) {
      if (proc.exitCode !== null || Date.now() > deadline)
        throw new Error(`AEROSTACK_WORKERS=2 did not start (see ${logFile})`);
      await sleep(200);
    }
    await sleep(2000); // the second worker
    const pids = {
      registry: proc.pid!,
      ...Object.fromEntries(childPids(proc.pid!).map((p, i) => [`worker ${i + 1}`, p])),
    };
    const run = await measuredThroughput(pids, true, { url: url + packumentPath, headers, expectBytes: bytes });
    const workersCpu = Object.entries(run.cpu.shares)
      .filter(([k]) => k === 'registry' || k.startsWith('worker '))
      .reduce((n, [, v]) => n + v, 0);
    notes.push(`postgres+s3: CPU during the 2-worker packument run (% of one core): ${formatShares(run.cpu)}`);
    return { result: run.result, cpu: { ...run.cpu, shares: { ...run.cpu.shares, registry: workersCpu } } };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((resolve) => (proc.exitCode !== null ? resolve(null) : proc.once('exit', resolve)));
    await out.close();
  }
}

/**
 * A registry child on the same database and store with AEROSTACK_METRICS=1, for the packument run;
 * then one scrape, so the notes show the run was counted (a figure from a registry that did not
 * count would measure nothing).
 */
async function measureWithMetrics(
  config: Exclude<BenchConfig, 'n/a'>,
  b: Backend,
  packumentPath: string,
  headers: Record<string, string>,
  bytes: number,
): Promise<{ result: Throughput; cpu: CpuShares }> {
  const child = await startRegistryChild(`${config}-metrics`, { ...b, env: { ...b.env, AEROSTACK_METRICS: '1' } });
  try {
    const base = child.ready.url;
    const pids: Record<string, number> = { registry: child.pid, ...(b.s3Pid ? { s3rver: b.s3Pid } : {}) };
    const run = await withProfile(child, `${config}-packument-metrics`, () =>
      measuredThroughput(pids, config === 'postgres+s3', { url: base + packumentPath, headers, expectBytes: bytes }),
    );
    notes.push(`${config}: CPU during packument with AEROSTACK_METRICS=1 (% of one core): ${formatShares(run.cpu)}`);
    const scrape = await timedGet(`${base}/metrics`, {});
    const counted = /^aerostack_http_request_duration_seconds_count\{route="packument",status="200"\} (\d+)$/m.exec(
      scrape.body.toString('utf8'),
    );
    notes.push(
      `${config}: /metrics after that run (${scrape.status}, ${scrape.body.length} bytes): ${counted?.[1] ?? 'no'} packument 200s counted`,
    );
    return run;
  } finally {
    await child.stop();
  }
}

/** The direct children of `pid` (Linux /proc): the cluster's workers. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Verdaccio's authenticated reads of the same team skill (scripts/bench/verdaccio.ts); null if it failed. */
let verdaccio: Ceiling | null | undefined;

async function measureVerdaccio(seed: ApiSeed): Promise<Ceiling | null> {
  let peer;
  try {
    peer = await startVerdaccio(tmpRoot, TEAM_SKILL, seed.teamTarballs);
  } catch (err) {
    notes.push(`verdaccio: not measured: ${(err as Error).message.split('\n')[0]}`);
    return null;
  }
  try {
    const pids = { peer: peer.pid };
    const headers = { authorization: peer.authorization };
    const p = await measuredThroughput(pids, false, { url: peer.url + peer.packumentPath, headers });
    const t = await measuredThroughput(pids, false, {
      url: peer.url + peer.tarballPath,
      headers,
      expectBytes: seed.tarballBytes,
    });
    recordThroughput('peer_verdaccio_packument_auth_rps', p, 'n/a');
    recordThroughput('peer_verdaccio_tarball_auth_rps', t, 'n/a');
    notes.push(`verdaccio 6: CPU during the packument run (% of one core): ${formatShares(p.cpu)}`);
    return { packumentRps: p.result.rps, tarballRps: t.result.rps };
  } finally {
    await peer.stop();
  }
}

// ---------------------------------------------------------------------------------------------

interface Backend {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** s3rver's child, for the CPU accounting. */
  s3Pid?: number;
}

async function prepareBackend(config: Exclude<BenchConfig, 'n/a'>): Promise<Backend> {
  const dataDir = path.join(tmpRoot, config.replace(/\W/g, '-'));
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(),
    HOST: '127.0.0.1',
    PORT: String(port),
    AEROSTACK_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    // The gateway's per-token limit (120/min by default) would otherwise be what the loops measure.
    AEROSTACK_GATEWAY_RATE_LIMIT: '1000000',
    AEROSTACK_GATEWAY_WORKSPACE_RATE_LIMIT: '1000000',
  };
  if (config === 'embedded') return { env, dataDir };

  // A database of our own on the server (dropped at the end), so nothing else there is touched.
  const dbName = `aerostack_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${dbName}`);
  } finally {
    await admin.end();
  }
  cleanups.push(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      if (KEEP) return log(`kept database ${dbName}`);
      await c.query(`drop database if exists ${dbName} with (force)`);
      log(`dropped database ${dbName}`);
    } finally {
      await c.end();
    }
  });
  const url = new URL(PG_URL);
  url.pathname = `/${dbName}`;

  const s3 = await forkChild<{ pid: number; endpoint: string; bucket: string }>('s3-process', {
    logFile: path.join(tmpRoot, 's3rver.log'),
  });
  cleanups.push(() => s3.stop());
  log(`s3rver on ${s3.ready.endpoint} (pid ${s3.pid}), database ${dbName}`);
  return {
    dataDir,
    s3Pid: s3.pid,
    env: {
      ...env,
      DATABASE_URL: url.toString(),
      S3_ENDPOINT: s3.ready.endpoint,
      S3_BUCKET: s3.ready.bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
  };
}

const startRegistryChild = (config: string, b: Backend) =>
  forkChild<{ pid: number; url: string }>('registry-process', {
    env: b.env,
    logFile: path.join(tmpRoot, `registry-${config.replace(/\W/g, '-')}.log`),
    stopCommand: true,
    startTimeoutMs: 180_000,
  });

async function runConfig(config: Exclude<BenchConfig, 'n/a'>, ceiling: Ceiling | null): Promise<Ceiling> {
  log(`── ${config} ── (1-min load average ${os.loadavg()[0]!.toFixed(2)})`);
  const backend = await prepareBackend(config);

  // 1. Bulk seed by SQL on a first start, then restart: the registry is measured as it runs after a
  //    restart on a 100k-skill database, not carrying the bulk load's memory high-water mark.
  let child = await startRegistryChild(config, backend);
  log(
    `registry (${config}) started in ${Math.round(child.startMs)} ms (fresh, with migrations); seeding ${SKILLS} skills by SQL…`,
  );
  const seeded = await child.call<{ ms: number }>('sql', { statements: seedStatements(SKILLS) });
  const analyzed = await child.call<{ ms: number }>('sql', { statements: ['analyze'] });
  log(`seeded ${SKILLS} skills in ${(seeded.ms / 1000).toFixed(1)} s (+ analyze ${(analyzed.ms / 1000).toFixed(1)} s)`);
  await child.stop();
  child = await startRegistryChild(config, backend);
  const registryChild = child;
  cleanups.push(() => registryChild.stop());
  const base = child.ready.url;
  record('startup_ms', child.startMs, 'ms', config);

  // 2. Users, team, tokens, the team skill and the gateway workspace, through the API.
  const seed: ApiSeed = await seedThroughApi(base, backend.dataDir);
  log(`API seeding done (team skill tarball ${seed.tarballBytes} bytes)`);

  // 3. Idle memory of the registry process.
  await sleep(T.idleS * 1000);
  const mem = await child.call<{
    rss: number;
    heapUsed: number;
    heapTotal: number;
    external: number;
    arrayBuffers: number;
  }>('rss');
  const rss = rssOf(child.pid) ?? mem.rss;
  record('idle_rss_mb', rss / MB, 'MB', config);
  notes.push(
    `${config}: idle memory: RSS ${(rss / MB).toFixed(0)} MB = JS heap ${(mem.heapTotal / MB).toFixed(0)} MB (${(mem.heapUsed / MB).toFixed(0)} MB used), ` +
      `external ${(mem.external / MB).toFixed(0)} MB (of which ArrayBuffers, e.g. a WASM heap, ${(mem.arrayBuffers / MB).toFixed(0)} MB), rest code/stacks/allocator`,
  );

  const auth = { authorization: `Bearer ${seed.memberAer}` };
  const pids: Record<string, number> = { registry: child.pid, ...(backend.s3Pid ? { s3rver: backend.s3Pid } : {}) };
  const measured = <R>(label: string, fn: () => Promise<R>) =>
    withProfile(child, `${config}-${label}`, async () => {
      const { result, cpu } = await cpuDuring(pids, { postgres: config === 'postgres+s3' }, fn);
      notes.push(`${config}: CPU during ${label} (% of one core): ${formatShares(cpu)}`);
      return result;
    });

  // 4. Publish latency: new versions of a small skill, one after the other (tarballs built beforehand).
  const tgzs = Array.from({ length: T.publishN + 3 }, (_, i) => skillTgz('@acme/publish-bench', `2.0.${i}`));
  const publishTimes = await measured('publish', async () => {
    const out: number[] = [];
    for (let i = 0; i < tgzs.length; i++) {
      const ms = await publish(base, seed.ownerToken, '@acme/publish-bench', `2.0.${i}`, tgzs[i]!, 'team');
      if (i >= 3) out.push(ms);
    }
    return out;
  });
  record('publish_p50_ms', median(publishTimes), 'ms', config, { generator: 'sequential' });

  // 5. Gateway: tools/list with 20 skills; tools/call overhead against a direct in-process call.
  const g = await measured('gateway', () =>
    measureGateway(base, WORKSPACE, seed.sharedMwt, {
      n: T.gatewayN,
      callTool: CALL_TOOL,
      callSkillFiles: seed.callSkillFiles,
      expectTools: GATEWAY_SKILLS,
      coldTools: { prefix: 'lookup_', input: { query: 'cold' } },
    }),
  );
  record('gateway_list_ms_20', g.listP50, 'ms', config, SDK);
  record('gateway_call_overhead_p50_ms', g.callP50 - g.directP50Ms, 'ms', config, SDK);
  // A first call's extra time over a warm one: starting the skill's sandboxed process.
  if (g.coldCallP50 !== null) record('skill_cold_start_ms', g.coldCallP50 - g.callP50, 'ms', config, SDK);
  record('gateway_call_p50_ms', g.callP50, 'ms', config, SDK);
  record('gateway_ping_p50_ms', g.pingP50, 'ms', config, SDK);
  const gm = await measureGateway(base, WORKSPACE, seed.memberMwt, {
    n: Math.ceil(T.gatewayN / 2),
    callTool: CALL_TOOL,
    callSkillFiles: seed.callSkillFiles,
    expectTools: GATEWAY_SKILLS,
  });
  record('gateway_list_ms_20_member_token', gm.listP50, 'ms', config, SDK);
  // The same tool on a bare SDK server (no auth, sandbox or audit), called the same way.
  const bareP50 = await bareSdkCallP50(
    seed.callSkillFiles,
    CALL_TOOL,
    T.gatewayN,
    path.join(tmpRoot, `bare-sdk-${config.replace(/\W/g, '-')}.log`),
  );
  record('sdk_bare_call_p50_ms', bareP50, 'ms', config, SDK);
  record('gateway_call_ratio', g.callP50 / bareP50, '×', config, SDK);
  notes.push(
    `${config}: gateway direct in-process call p50 ${(g.directP50Ms * 1000).toFixed(1)} µs; tools/call p99 ${g.callP99.toFixed(2)} ms; tools/list p99 ${g.listP99.toFixed(2)} ms; ` +
      `member-bound token: tools/call p50 ${gm.callP50.toFixed(2)} ms`,
  );

  // 5b. An MCP server on the SDK with its node_modules bundled: the cold start of its sandboxed process.
  const bundled = await measured('bundled-mcp', () => measureBundledMcp(base, seed.ownerToken, QUICK ? 3 : 7));
  record('bundled_mcp_cold_start_ms', bundled.coldStartMs, 'ms', config, SDK);
  notes.push(
    `${config}: bundled MCP server (skill init --type mcp + npm install): tarball ${(bundled.tarballBytes / MB).toFixed(1)} MiB, ` +
      `${bundled.files} files, ${bundled.bundledPackages} packages bundled; warm tools/list ${bundled.warmListMs.toFixed(2)} ms`,
  );

  // 6. The ceiling, with this registry's exact bytes (first configuration only).
  const packumentBytes = (await timedGet(base + seed.packumentPath, auth)).body;
  const tarballBytes = (await timedGet(base + seed.tarballPath, auth)).body;
  if (tarballBytes.length !== seed.tarballBytes)
    throw new Error(`tarball is ${tarballBytes.length} bytes, published ${seed.tarballBytes}`);
  notes.push(
    `${config}: packument ${packumentBytes.length} bytes (${seed.packumentPath}), tarball ${tarballBytes.length} bytes`,
  );
  if (!ceiling) {
    ceiling = await measureCeiling(packumentBytes, tarballBytes);
  }

  // 7. Authenticated reads under load: packument and 200 KB tarball, a member with an aer_ token.
  const postgres = config === 'postgres+s3';
  const loadRun = (label: string, o: Omit<ThroughputOptions, 'durationS' | 'warmupS'>) =>
    withProfile(child, `${config}-${label}`, async () => {
      const run = await measuredThroughput(pids, postgres, o);
      notes.push(`${config}: CPU during ${label} (% of one core): ${formatShares(run.cpu)}`);
      return run;
    });
  const pk = await loadRun('packument', {
    url: base + seed.packumentPath,
    headers: auth,
    expectBytes: packumentBytes.length,
  });
  recordThroughput('packument_auth_rps', pk, config, ceiling.packumentRps);
  notes.push(`${config}: packument under load: p50 ${pk.result.p50Ms} ms, p99 ${pk.result.p99Ms} ms`);
  const tb = await loadRun('tarball', {
    url: base + seed.tarballPath,
    headers: auth,
    expectBytes: tarballBytes.length,
  });
  recordThroughput('tarball_auth_rps', tb, config, ceiling.tarballRps);
  notes.push(
    `${config}: tarball under load: p50 ${tb.result.p50Ms} ms, p99 ${tb.result.p99Ms} ms, ${(tb.result.bytesPerSec / MB).toFixed(0)} MB/s`,
  );

  // 7a. Verdaccio on the same bytes, once (with the first configuration); our ratio to it in each.
  if (PEERS.includes('verdaccio') && verdaccio === undefined) verdaccio = await measureVerdaccio(seed);
  if (verdaccio) {
    record('packument_auth_vs_verdaccio', pk.result.rps / verdaccio.packumentRps, '×', config);
    record('tarball_auth_vs_verdaccio', tb.result.rps / verdaccio.tarballRps, '×', config);
  }

  // 7b. Refusals, which must cost what hits cost: each against the packument ceiling.
  const refusals: Array<[string, number, string, Record<string, string>]> = [
    ['refusal_anon_rps', 401, seed.packumentPath, {}],
    ['refusal_nonmember_rps', 403, seed.packumentPath, { authorization: `Bearer ${seed.outsiderAer}` }],
    ['notfound_rps', 404, '/@acme/no-such-skill', auth],
    ['badtoken_rps', 401, seed.packumentPath, { authorization: `Bearer aer_${'0'.repeat(43)}` }],
  ];
  for (const [name, status, urlPath, headers] of refusals) {
    const run = await loadRun(name, { url: base + urlPath, headers, expectStatus: status });
    recordThroughput(name, run, config, ceiling.packumentRps);
  }

  // 8. Search over 100k skills: one request at a time, rotating through a handful of words.
  const searchUrls = SEARCH_WORDS.map((w) => `${base}/-/v1/search?text=${encodeURIComponent(w)}`);
  // Three warm-up rounds: the registry was just restarted, and its first searches also fill the
  // database's buffer pool (PGlite's in particular); the figure is the steady state.
  const s = await measured('search', () =>
    sequentialLatency(searchUrls, auth, T.searchS, { warmupRounds: 3, minRounds: T.searchRounds }),
  );
  record(`search_p99_ms_${SKILLS_LABEL}`, s.p99, 'ms', config, SEQ);
  record(`search_p50_ms_${SKILLS_LABEL}`, s.p50, 'ms', config, SEQ);
  notes.push(
    `${config}: search (member token, ${s.samples} requests) per word p50/p99 ms: ` +
      s.perUrl
        .map((u) => `${new URL(u.url).searchParams.get('text')} ${u.p50.toFixed(1)}/${u.p99.toFixed(1)}`)
        .join(', '),
  );
  const sa = await sequentialLatency(searchUrls, {}, Math.max(2, Math.round(T.searchS / 2)), {
    minRounds: Math.ceil(T.searchRounds / 2),
  });
  record(`search_anon_p99_ms_${SKILLS_LABEL}`, sa.p99, 'ms', config, SEQ);

  const rssAfter = rssOf(child.pid) ?? (await child.call<{ rss: number }>('rss')).rss;
  record('rss_after_load_mb', rssAfter / MB, 'MB', config);

  await child.stop();

  // 8b. The same packument run with AEROSTACK_METRICS=1: every request counted (route, status,
  //     latency histogram) and every cache lookup tallied. Hot paths must stay within the target.
  const withMetrics = await measureWithMetrics(config, backend, seed.packumentPath, auth, packumentBytes.length);
  recordThroughput('packument_auth_rps_metrics', withMetrics, config, ceiling.packumentRps);
  // On a busy machine req/s move with the neighbours; the registry's CPU per request moves less.
  const cpuPerRead = (run: { result: Throughput; cpu: CpuShares }) =>
    (((run.cpu.shares.registry ?? 0) / 100) * 1e6) / Math.max(1, run.result.rps);
  notes.push(
    `${config}: registry CPU per packument read: ${cpuPerRead(pk).toFixed(1)} µs, ${cpuPerRead(withMetrics).toFixed(1)} µs with AEROSTACK_METRICS=1`,
  );

  // 9. All cores: the same packument read from `aerostack-registry serve` with AEROSTACK_WORKERS=2.
  if (config === 'postgres+s3') {
    const workers = await measureWorkers(backend, seed.packumentPath, auth, packumentBytes.length);
    recordThroughput('packument_auth_rps_workers_2', workers, config, ceiling.packumentRps);
  }
  return ceiling;
}

// ---------------------------------------------------------------------------------------------

function printTable(): void {
  const rows = results.map((r) => {
    const t = TARGETS[r.name];
    return [
      r.name,
      r.config,
      `${r.value} ${r.unit}`,
      r.ceiling !== undefined ? `${r.ceiling} ${r.unit}` : '',
      r.ratio !== undefined ? r.ratio.toFixed(3) : '',
      t ? `${typeof t.text === 'string' ? t.text : t.text(r)} ${t.ok(r) ? '✓' : '✗'}` : '',
      r.generator,
      r.cpu ? `${r.cpu.generator}% / ${r.cpu.registry}%` : '',
    ];
  });
  const head = ['metric', 'config', 'value', 'ceiling', 'ratio', 'target', 'generator', 'CPU gen / server'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 2 || i === 3 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const out = [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
  process.stdout.write('\n' + out.join('\n') + '\n');
  if (notes.length) process.stdout.write('\n' + notes.map((n) => `· ${n}`).join('\n') + '\n');
}

async function cleanup(): Promise<void> {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    await fn().catch((err: Error) => log(`cleanup: ${err.message}`));
  }
  if (tmpRoot && !KEEP) await rm(tmpRoot, { recursive: true, force: true });
  else if (tmpRoot) log(`kept ${tmpRoot}`);
}

async function main(): Promise<number> {
  const started = performance.now();
  tmpRoot = await mkdtemp(path.join(os.tmpdir(), 'aerostack-bench-'));
  if (PROFILE) {
    profileDir = await mkdtemp(path.join(os.tmpdir(), 'aerostack-bench-profiles-'));
    log(`CPU profiles go to ${profileDir} (figures are perturbed by the profiler)`);
  }
  const load1 = os.loadavg()[0]!;
  log(
    `${QUICK ? 'quick' : 'full'} run: ${CONFIGS.join(', ')}; ${os.cpus().length} CPUs, load average ${load1.toFixed(2)}; ${CONNECTIONS} connections, ${T.loadS} s per load run`,
  );
  if (generatorName() !== 'wrk') {
    const warning =
      'wrk is not installed (apt-get install wrk): throughputs are measured with autocannon, which runs in Node and may be what bounds them (generator: autocannon)';
    log(warning);
    notes.push(warning);
  }
  if (load1 > 0.5)
    notes.push(
      `the machine was not idle at the start (1-min load average ${load1.toFixed(2)} on ${os.cpus().length} CPUs): figures are noisy`,
    );
  let failed = false;
  try {
    measureCli();
    let ceiling: Ceiling | null = null;
    for (const config of CONFIGS) {
      if (config !== 'embedded' && config !== 'postgres+s3')
        throw new Error(`unknown configuration "${String(config)}" in BENCH_CONFIGS`);
      if (config === 'embedded' && SKILLS > 100_000) {
        // PGlite is one process with the whole index in WASM memory: past 100k it measures that.
        notes.push(`embedded: skipped: BENCH_SKILLS=${SKILLS} runs against Postgres only`);
        continue;
      }
      ceiling = await runConfig(config, ceiling);
    }
  } catch (err) {
    failed = true;
    process.stderr.write(`✗ bench failed: ${(err as Error).stack ?? String(err)}\n`);
  } finally {
    await cleanup();
  }
  notes.push(
    `total ${((performance.now() - started) / 1000).toFixed(0)} s; 1-min load average at the end ${os.loadavg()[0]!.toFixed(2)}`,
  );
  printTable();
  await writeFile(RESULTS_FILE, JSON.stringify(results, null, 2) + '\n');
  log(`wrote ${RESULTS_FILE}`);
  return failed ? 1 : 0;
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log('interrupted: cleaning up (Ctrl-C again to quit at once)');
  void cleanup().finally(() => process.exit(130));
});

process.exitCode = await main();
