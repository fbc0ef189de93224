/**
 * `npm run bench`: Aerostack's benchmarks, on loopback.
 *
 * The registry runs twice, each time in a child process: `embedded` (PGlite + filesystem store in a
 * temporary data directory) and `postgres+s3` (a fresh database on DATABASE_URL's server, dropped at
 * the end, and s3rver in another child). Each is seeded (100,000 skills by SQL, the rest through the
 * HTTP API) and measured with autocannon and sequential latency loops; a bare node:http server (also a
 * child) serving the very same bytes gives the ceiling that throughputs are divided by.
 *
 * Environment:
 *   BENCH_QUICK=1            shorter runs (the whole thing in under 5 minutes)
 *   BENCH_CONFIGS=…          comma-separated subset of `embedded,postgres+s3`
 *   BENCH_DATABASE_URL       the Postgres server to use (default: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_SKILLS=100000      skills seeded for the search benchmark
 *   BENCH_CONNECTIONS=16     autocannon connections for the throughput runs
 *   BENCH_PROFILE=1          CPU-profile the registry child during each measured phase (figures are then perturbed)
 *   BENCH_KEEP=1             keep the temporary data directories and the Postgres database
 * Output: a table on stdout, progress on stderr, and bench-results.json in the package folder.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { cpuDuring, formatShares } from './cpu.js';
import { measureBundledMcp } from './bundled-mcp.js';
import { measureGateway } from './gateway.js';
import { load, sequentialLatency } from './load.js';
import { forkChild, rssOf, type Child } from './proc.js';
import { summarize } from './profile-summary.js';
import { CALL_TOOL, GATEWAY_SKILLS, publish, seedThroughApi, skillTgz, WORKSPACE, type ApiSeed } from './seed-api.js';
import { SEARCH_WORDS, seedStatements } from './seed-sql.js';
import { freePort, log, median, round, sleep, timedGet, type BenchConfig, type BenchResult } from './util.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PROFILE = process.env.BENCH_PROFILE === '1';
const KEEP = process.env.BENCH_KEEP === '1';
const SKILLS = Number(process.env.BENCH_SKILLS ?? 100_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
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

/** Targets from the issue: printed next to the figures, never asserted. */
const TARGETS: Record<string, { text: string; ok(r: BenchResult): boolean }> = {
  packument_auth_rps: { text: '≥ 0.4 × ceiling', ok: (r) => (r.ratio ?? 0) >= 0.4 },
  tarball_auth_rps: { text: '≥ 0.5 × ceiling', ok: (r) => (r.ratio ?? 0) >= 0.5 },
  search_p99_ms_100k: { text: '< 25 ms', ok: (r) => r.value < 25 },
  gateway_call_overhead_p50_ms: { text: '< 2 ms', ok: (r) => r.value < 2 },
  cli_cold_start_ms: { text: '< 300 ms', ok: (r) => r.value < 300 },
  skill_cold_start_ms: { text: '< 300 ms', ok: (r) => r.value < 300 },
  bundled_mcp_cold_start_ms: { text: '< 1000 ms', ok: (r) => r.value < 1000 },
  idle_rss_mb: { text: '< 120 MB', ok: (r) => r.value < 120 },
};

const results: BenchResult[] = [];
const notes: string[] = [];
function record(name: string, value: number, unit: string, config: BenchConfig, ceiling?: number): BenchResult {
  const r: BenchResult = { name, value: round(value, unit === 'rps' ? 0 : 2), unit, config };
  if (ceiling !== undefined) {
    r.ceiling = round(ceiling, 0);
    r.ratio = round(value / ceiling, 3);
  }
  results.push(r);
  log(
    `${config.padEnd(11)} ${name} = ${r.value} ${unit}${r.ratio !== undefined ? ` (${r.ratio} of ${r.ceiling})` : ''}`,
  );
  return r;
}

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
  record('cli_cold_start_ms', median(Array.from({ length: T.cliRuns }, () => time(['--version']))), 'ms', 'n/a');
  // For scale: a command that loads oclif (help for one topic).
  time(['skill', '--help']);
  record(
    'cli_help_cold_start_ms',
    median(Array.from({ length: Math.min(5, T.cliRuns) }, () => time(['skill', '--help']))),
    'ms',
    'n/a',
  );
}

interface Ceiling {
  packumentRps: number;
  tarballRps: number;
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
    const common = { connections: CONNECTIONS, durationS: T.loadS, warmupS: T.warmupS };
    const pids = { ceiling: child.pid };
    const { result: p, cpu: pc } = await cpuDuring(pids, {}, () =>
      load({ ...common, url: `${child.ready.url}/packument`, expectBytes: packument.length }),
    );
    const { result: t, cpu: tc } = await cpuDuring(pids, {}, () =>
      load({ ...common, url: `${child.ready.url}/tarball`, expectBytes: tarball.length }),
    );
    notes.push(`ceiling: CPU during the packument run (% of one core): ${formatShares(pc)}`);
    notes.push(`ceiling: CPU during the tarball run (% of one core): ${formatShares(tc)}`);
    record('ceiling_packument_rps', p.rps, 'rps', 'n/a');
    record('ceiling_tarball_rps', t.rps, 'rps', 'n/a');
    return { packumentRps: p.rps, tarballRps: t.rps };
  } finally {
    await child.stop();
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
  record('publish_p50_ms', median(publishTimes), 'ms', config);

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
  record('gateway_list_ms_20', g.listP50, 'ms', config);
  record('gateway_call_overhead_p50_ms', g.callP50 - g.directP50Ms, 'ms', config);
  // A first call's extra time over a warm one: starting the skill's sandboxed process.
  if (g.coldCallP50 !== null) record('skill_cold_start_ms', g.coldCallP50 - g.callP50, 'ms', config);
  record('gateway_call_p50_ms', g.callP50, 'ms', config);
  record('gateway_ping_p50_ms', g.pingP50, 'ms', config);
  const gm = await measureGateway(base, WORKSPACE, seed.memberMwt, {
    n: Math.ceil(T.gatewayN / 2),
    callTool: CALL_TOOL,
    callSkillFiles: seed.callSkillFiles,
    expectTools: GATEWAY_SKILLS,
  });
  record('gateway_list_ms_20_member_token', gm.listP50, 'ms', config);
  notes.push(
    `${config}: gateway direct in-process call p50 ${(g.directP50Ms * 1000).toFixed(1)} µs; tools/call p99 ${g.callP99.toFixed(2)} ms; tools/list p99 ${g.listP99.toFixed(2)} ms; ` +
      `member-bound token: tools/call p50 ${gm.callP50.toFixed(2)} ms`,
  );

  // 5b. An MCP server on the SDK with its node_modules bundled: the cold start of its sandboxed process.
  const bundled = await measured('bundled-mcp', () => measureBundledMcp(base, seed.ownerToken, QUICK ? 3 : 7));
  record('bundled_mcp_cold_start_ms', bundled.coldStartMs, 'ms', config);
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
  const common = { connections: CONNECTIONS, durationS: T.loadS, warmupS: T.warmupS, headers: auth };
  const pk = await measured('packument', () =>
    load({ ...common, url: base + seed.packumentPath, expectBytes: packumentBytes.length }),
  );
  record('packument_auth_rps', pk.rps, 'rps', config, ceiling.packumentRps);
  notes.push(`${config}: packument under ${CONNECTIONS} connections: p50 ${pk.p50Ms} ms, p99 ${pk.p99Ms} ms`);
  const tb = await measured('tarball', () =>
    load({ ...common, url: base + seed.tarballPath, expectBytes: tarballBytes.length }),
  );
  record('tarball_auth_rps', tb.rps, 'rps', config, ceiling.tarballRps);
  notes.push(
    `${config}: tarball under ${CONNECTIONS} connections: p50 ${tb.p50Ms} ms, p99 ${tb.p99Ms} ms, ${(tb.bytesPerSec / MB).toFixed(0)} MB/s`,
  );

  // 8. Search over 100k skills: one request at a time, rotating through a handful of words.
  const searchUrls = SEARCH_WORDS.map((w) => `${base}/-/v1/search?text=${encodeURIComponent(w)}`);
  // Three warm-up rounds: the registry was just restarted, and its first searches also fill the
  // database's buffer pool (PGlite's in particular); the figure is the steady state.
  const s = await measured('search', () =>
    sequentialLatency(searchUrls, auth, T.searchS, { warmupRounds: 3, minRounds: T.searchRounds }),
  );
  record(`search_p99_ms_${SKILLS === 100_000 ? '100k' : SKILLS}`, s.p99, 'ms', config);
  record(`search_p50_ms_${SKILLS === 100_000 ? '100k' : SKILLS}`, s.p50, 'ms', config);
  notes.push(
    `${config}: search (member token, ${s.samples} requests) per word p50/p99 ms: ` +
      s.perUrl
        .map((u) => `${new URL(u.url).searchParams.get('text')} ${u.p50.toFixed(1)}/${u.p99.toFixed(1)}`)
        .join(', '),
  );
  const sa = await sequentialLatency(searchUrls, {}, Math.max(2, Math.round(T.searchS / 2)), {
    minRounds: Math.ceil(T.searchRounds / 2),
  });
  record(`search_anon_p99_ms_${SKILLS === 100_000 ? '100k' : SKILLS}`, sa.p99, 'ms', config);

  const rssAfter = rssOf(child.pid) ?? (await child.call<{ rss: number }>('rss')).rss;
  record('rss_after_load_mb', rssAfter / MB, 'MB', config);

  await child.stop();
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
      t ? `${t.text} ${t.ok(r) ? '✓' : '✗'}` : '',
    ];
  });
  const head = ['metric', 'config', 'value', 'ceiling', 'ratio', 'target'];
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
