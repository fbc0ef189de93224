/**
 * What the registry counts for `/metrics` (README "Metrics"): the small interface the pieces that
 * count are given explicitly. The composition root builds one per app — the Prometheus one
 * (./prom-metrics.ts) under AEROSTACK_METRICS=1, else `noMetrics`, whose calls do nothing, so that
 * hot paths pay nothing when nobody scrapes.
 */

/** The kinds of request the HTTP figures are split by (./route-class.ts decides). */
export const ROUTE_CLASSES = [
  'packument',
  'tarball',
  'publish',
  'api',
  'gateway',
  'dashboard',
  'health',
  'metrics',
  'other',
] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

/** Every cache whose lookups are counted, by the name `/metrics` labels it with. */
export type CacheName =
  /** Rendered package documents (packuments, full and abbreviated). */
  | 'documents'
  /** A viewer may read a skill (the access module's yes). */
  | 'grants'
  /** A viewer may not read a name: the access module's 401, 403 or 404 (negative answers). */
  | 'refusals'
  /** A version's tarball: which blob, with what integrity. */
  | 'tarball_refs'
  /** The bytes of small tarballs, kept in memory (AEROSTACK_TARBALL_CACHE_MB). */
  | 'tarball_bytes'
  /** `aer_` secrets checked and accepted, and those refused (unknown, revoked, expired). */
  | 'user_tokens'
  | 'user_token_refusals'
  /** `mwt_` secrets checked and accepted, and those refused. */
  | 'workspace_tokens'
  | 'workspace_token_refusals'
  /** A gateway caller's tools/list catalogue. */
  | 'gateway_catalogues';

/** One cache's lookups: found or not. */
export interface CacheStats {
  hit(): void;
  miss(): void;
}

/**
 * Why a sandboxed skill process ended. `timeout`, `limit` and `protocol` are kills the gateway
 * decided (a hung call; a memory, CPU or process limit; a flood or an oversized message);
 * `exited` is the process ending on its own (a crash, or an MCP server that quit); the rest are
 * the pool's housekeeping.
 */
export type SkillProcessEnd = 'idle' | 'retired' | 'shutdown' | 'timeout' | 'limit' | 'protocol' | 'exited';

export interface Metrics {
  /** False for `noMetrics`: callers may skip work that only feeds the figures. */
  readonly enabled: boolean;
  /** One HTTP request answered, with how long it took. */
  request(route: RouteClass, status: number, seconds: number): void;
  cache(name: CacheName): CacheStats;
  /** One gateway tools/call, as the audit log records its end (`ok`, `error`, `timeout`…). */
  gatewayCall(workspace: string, skill: string, outcome: string): void;
  /** A skill process started: the first for its (workspace, version), again after a kill or crash, or failed to. */
  skillProcessStarted(kind: 'first' | 'restart' | 'failed'): void;
  skillProcessEnded(reason: SkillProcessEnd): void;
  /** Live skill processes, read at each scrape. */
  watchSkillProcesses(live: () => number): void;
  /** A rate limit or throttle refused a request; `limit` is the counter's name (`gw_token`, `signin_address`…). */
  rateLimited(limit: string): void;
  /** The Prometheus text: this process's, or under AEROSTACK_WORKERS every worker's summed. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

const uncounted: CacheStats = { hit() {}, miss() {} };

/** Metrics off: nothing is counted, and there is nothing to scrape. */
export const noMetrics: Metrics = {
  enabled: false,
  request() {},
  cache: () => uncounted,
  gatewayCall() {},
  skillProcessStarted() {},
  skillProcessEnded() {},
  watchSkillProcesses() {},
  rateLimited() {},
  scrape: () => Promise.reject(new Error('metrics are off (AEROSTACK_METRICS)')),
};
