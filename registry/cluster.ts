import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { RegistryConfig } from './config.js';
import { openDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { ConfigError } from './config.js';
import { loadSecretKey } from './domain/workspaces/secret-box.js';
import { serveClusterMetrics } from './metrics/cluster-metrics.js';

/** A worker that dies sooner than this after its start is not restarted again at once. */
const CRASH_WINDOW_MS = 10_000;

/**
 * `AEROSTACK_WORKERS=N`: N `node:cluster` workers, each a whole registry (registry/server.ts) on the
 * one port the primary holds; the primary hands out connections and serves nothing itself. What
 * must hold across workers already holds across instances, and workers are instances: every cache
 * is checked against the change epoch in Postgres (a revoked token is refused by every worker on its
 * next request), and the gateway and sign-in limits are counted in Postgres (rate_limits).
 *
 * The primary does what must happen once before any worker starts: the migrations, and the secret
 * key file when AEROSTACK_SECRET_KEY is unset (two workers would otherwise each make a different one).
 */
export async function runPrimary(config: RegistryConfig, logger: Logger): Promise<void> {
  const db = await openDatabase({ url: config.databaseUrl, pgliteDir: null });
  try {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  } finally {
    await db.destroy();
  }
  await loadSecretKey({ fromEnv: config.secretKey ?? undefined, dataDir: config.dataDir }).catch((err: Error) => {
    throw new ConfigError(err.message);
  });

  let stopping = false;
  const started = new Map<number, number>();
  const fork = () => {
    const worker = cluster.fork();
    started.set(worker.id, Date.now());
    return worker;
  };
  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping) return;
    const lived = Date.now() - (started.get(worker.id) ?? 0);
    logger.error({ worker: worker.id, code, signal }, 'registry worker exited');
    // A worker that cannot even start (a bad database URL, the port taken) would crash-loop: wait.
    setTimeout(() => !stopping && fork(), lived < CRASH_WINDOW_MS ? CRASH_WINDOW_MS : 0).unref();
  });
  let listening = 0;
  cluster.on('listening', (worker, address) => {
    if (++listening !== config.workers) return;
    const host = address.address && address.address !== '::' ? address.address : config.host;
    logger.info(
      { url: `http://${host}:${address.port}`, workers: config.workers, publicUrl: config.publicUrl },
      `Aerostack registry listening on http://${host}:${address.port} (${config.workers} workers)`,
    );
  });
  // Each worker counts for itself; a scrape of any of them is answered with all of them summed.
  if (config.metrics.enabled) serveClusterMetrics();
  for (let i = 0; i < config.workers; i++) fork();

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down the workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    let left = workers.length;
    if (!left) process.exit(0);
    for (const w of workers) {
      w.once('exit', () => --left === 0 && process.exit(0));
      w.process.kill('SIGTERM');
    }
    // Each worker ends its own requests within 10 s (registry/server.ts); this is past that.
    setTimeout(() => process.exit(1), 20_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** Whether this process should start workers rather than serve, and a warning when it cannot. */
export function clusterPlan(config: RegistryConfig): { primary: boolean; warning: string | null } {
  if (config.workers <= 1 || !cluster.isPrimary) return { primary: false, warning: null };
  if (!config.databaseUrl)
    return {
      primary: false,
      warning: `AEROSTACK_WORKERS=${config.workers} is ignored: the embedded PGlite database lives in one process; set DATABASE_URL to run ${config.workers} workers`,
    };
  return { primary: true, warning: null };
}

/** This worker's number (1…N) under AEROSTACK_WORKERS, or null when not clustered. */
export const workerId = (): number | null => (cluster.isWorker ? (cluster.worker?.id ?? null) : null);
