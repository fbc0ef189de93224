import type { Counter, Histogram, Registry } from 'prom-client';
import { workerClusterScrape } from './cluster-metrics.js';
import { loadPromClient } from './load-prom-client.js';
import {
  noMetrics,
  type CacheName,
  type CacheStats,
  type Metrics,
  type RouteClass,
  type SkillProcessEnd,
} from './metrics.js';

/** What the pg pool says of itself (pg.Pool's own counters). */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max?: number };
}

export interface PromMetricsOptions {
  /** The database's pg pool; null for the embedded PGlite, which has none. */
  pool: PoolCounts | null;
  /** A worker under AEROSTACK_WORKERS: a scrape answers every worker's figures summed (./cluster-metrics.ts). */
  clusterWorker: boolean;
}

/** Latency buckets, seconds: a cached read takes well under a millisecond, a publish or a tool call far more. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus implementation, with prom-client, in a registry of its own (never prom-client's
 * global one: tests build many apps in one process, each counts apart). Cache lookups are tallied as
 * plain numbers and handed to prom-client only when scraped: a packument read does four lookups, and
 * a labelled counter's `inc` costs more than the lookup it counts.
 */
export class PromMetrics implements Metrics {
  readonly enabled = true;
  readonly registry: Registry;
  private readonly duration: Histogram<'route' | 'status'>;
  /** Histogram children by `route status`: prom-client validates the label names only once per child. */
  private readonly durationChildren = new Map<string, { observe(v: number): void }>();
  private readonly caches = new Map<CacheName, { hits: number; misses: number }>();
  private readonly calls: Counter<'workspace' | 'skill' | 'outcome'>;
  private readonly starts: Counter<'kind'>;
  private readonly ends: Counter<'reason'>;
  private readonly refusals: Counter<'limit'>;
  private liveProcesses: () => number = () => 0;
  private readonly clusterScrape: (() => Promise<string>) | null;

  constructor(private readonly opts: PromMetricsOptions) {
    const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = loadPromClient();
    this.registry = new Registry();
    const register = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.duration = new Histogram({
      name: 'aerostack_http_request_duration_seconds',
      help: 'HTTP requests answered, by route class and status: the _count is the number of requests',
      labelNames: ['route', 'status'],
      buckets: BUCKETS,
      registers: register,
    });
    const caches = this.caches;
    new Counter({
      name: 'aerostack_cache_lookups_total',
      help: 'Cache lookups by cache and result (hit or miss); hit ratio = hits / (hits + misses)',
      labelNames: ['cache', 'result'],
      registers: register,
      collect() {
        this.reset();
        for (const [cache, t] of caches) {
          this.inc({ cache, result: 'hit' }, t.hits);
          this.inc({ cache, result: 'miss' }, t.misses);
        }
      },
    });
    this.calls = new Counter({
      name: 'aerostack_gateway_tool_calls_total',
      help: 'Gateway tools/call requests by workspace, skill and outcome (as the audit log records them)',
      labelNames: ['workspace', 'skill', 'outcome'],
      registers: register,
    });
    const live = () => this.liveProcesses();
    new Gauge({
      name: 'aerostack_skill_processes',
      help: 'Sandboxed skill processes alive now',
      registers: register,
      collect() {
        this.set(live());
      },
    });
    this.starts = new Counter({
      name: 'aerostack_skill_process_starts_total',
      help: 'Skill processes started: first (for its workspace and version), restart (after a kill or a crash), failed',
      labelNames: ['kind'],
      registers: register,
    });
    this.ends = new Counter({
      name: 'aerostack_skill_process_ends_total',
      help: 'Skill processes ended, by reason: killed (timeout, limit, protocol), exited on their own, or stopped (idle, retired, shutdown)',
      labelNames: ['reason'],
      registers: register,
    });
    this.refusals = new Counter({
      name: 'aerostack_rate_limit_refusals_total',
      help: 'Requests refused by a rate limit or sign-in throttle, by counter (gw_token, gw_workspace, gw_auth_failures, signin_account…)',
      labelNames: ['limit'],
      registers: register,
    });
    this.databaseGauges();
    this.clusterScrape = opts.clusterWorker ? workerClusterScrape(this.registry) : null;
  }

  request(route: RouteClass, status: number, seconds: number): void {
    const key = `${route} ${status}`;
    let child = this.durationChildren.get(key);
    if (!child) {
      child = this.duration.labels(route, String(status));
      this.durationChildren.set(key, child);
    }
    child.observe(seconds);
  }

  cache(name: CacheName): CacheStats {
    let t = this.caches.get(name);
    if (!t) {
      t = { hits: 0, misses: 0 };
      this.caches.set(name, t);
    }
    const tally = t;
    return {
      hit: () => void tally.hits++,
      miss: () => void tally.misses++,
    };
  }

  gatewayCall(workspace: string, skill: string, outcome: string): void {
    this.calls.inc({ workspace, skill, outcome });
  }

  skillProcessStarted(kind: 'first' | 'restart' | 'failed'): void {
    this.starts.inc({ kind });
  }

  skillProcessEnded(reason: SkillProcessEnd): void {
    this.ends.inc({ reason });
  }

  watchSkillProcesses(live: () => number): void {
    this.liveProcesses = live;
  }

  rateLimited(limit: string): void {
    this.refusals.inc({ limit });
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    const body = this.clusterScrape ? await this.clusterScrape() : await this.registry.metrics();
    return { contentType: this.registry.contentType, body };
  }

  /**
   * The pg pool's connections as it reports them. The embedded PGlite has no pool (one in-process
   * database, queries one at a time): only `aerostack_database_info{kind="pglite"}` is reported.
   */
  private databaseGauges(): void {
    const { Gauge } = loadPromClient();
    const { pool } = this.opts;
    new Gauge({
      name: 'aerostack_database_info',
      help: 'The database in use: kind="postgres" (a pg pool, whose gauges follow) or kind="pglite" (embedded, no pool)',
      labelNames: ['kind'],
      registers: [this.registry],
      // Workers each report it; summed it would count them, not the databases.
      aggregator: 'max',
    }).set({ kind: pool ? 'postgres' : 'pglite' }, 1);
    if (!pool) return;
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('aerostack_db_pool_connections', 'Connections the pg pool holds (busy and idle)', () => pool.totalCount);
    gauge('aerostack_db_pool_idle_connections', 'Connections of the pg pool not in use', () => pool.idleCount);
    gauge('aerostack_db_pool_waiting_queries', 'Queries waiting for a pg pool connection', () => pool.waitingCount);
    gauge('aerostack_db_pool_max_connections', 'The pg pool size', () => pool.options.max ?? 10);
  }
}

/** The app's metrics: Prometheus under AEROSTACK_METRICS=1, else the no-op (hot paths pay nothing). */
export function createMetrics(enabled: boolean, opts: PromMetricsOptions): Metrics {
  return enabled ? new PromMetrics(opts) : noMetrics;
}
