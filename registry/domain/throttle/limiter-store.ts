import { CompiledQuery } from 'kysely';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { embeddedPglite } from '../../db/connect.js';
import type { Db } from '../../db/schema.js';

/** What a counter is: `points` per `duration` seconds for each key under `keyPrefix`. */
export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  duration: number;
}

/** Where rate-limiter-flexible keeps its counters; every limiter of one registry comes from here. */
export interface LimiterStore {
  /** `postgres`: one set of counters for every instance on the database; `memory`: this process's. */
  readonly kind: 'postgres' | 'memory';
  limiter(opts: LimiterOptions): RateLimiterAbstract;
}

/** The table migration 0008 makes. */
const TABLE = 'rate_limits';

/**
 * Counters in Postgres when the registry runs on a Postgres server, so N instances enforce one limit;
 * in memory with the embedded PGlite, which only one process can open anyway (no write per attempt on
 * a database that runs in the same event loop).
 */
export function limiterStore(db: Db): LimiterStore {
  if (embeddedPglite(db)) return memoryLimiterStore();
  const storeClient = kyselyStoreClient(db);
  // The library deletes long-expired rows every five minutes from each limiter that asks; one is enough.
  let sweeping = false;
  return {
    kind: 'postgres',
    limiter: (opts) => {
      const limiter = new RateLimiterPostgres({
        ...opts,
        storeClient,
        storeType: 'client',
        tableName: TABLE,
        tableCreated: true,
        clearExpiredByTimeout: !sweeping,
      });
      sweeping = true;
      return limiter;
    },
  };
}

/** Counters in this process only. */
export function memoryLimiterStore(): LimiterStore {
  return { kind: 'memory', limiter: (opts) => new RateLimiterMemory(opts) };
}

/**
 * `store`, with every refusal — a `consume` past a counter's points, or of a key locked out — told to
 * `onRefused` with the counter's name (its keyPrefix: `gw_token`, `signin_address`…), for /metrics.
 * One place sees every limit and throttle the registry has, gateway and sign-in alike.
 */
export function countingRefusals(store: LimiterStore, onRefused: (limit: string) => void): LimiterStore {
  return {
    kind: store.kind,
    limiter: (opts) => {
      const limiter = store.limiter(opts);
      const consume = limiter.consume.bind(limiter);
      limiter.consume = (key, points, options) =>
        consume(key, points, options).catch((err: unknown) => {
          if (err instanceof RateLimiterRes) onRefused(opts.keyPrefix);
          throw err;
        });
      return limiter;
    },
  };
}

/**
 * RateLimiterPostgres' `storeType: 'client'` needs only `query({ text, values })` answering
 * `{ rows, rowCount }`. Served by the registry's own Kysely instance: the same pool (no second set of
 * connections to size and close), the same search_path (the tests' per-run schemas), the same
 * 503 when the database is down. Every statement the library sends is a single atomic one (an upsert
 * with RETURNING, a select, a delete), so no transaction is needed across instances.
 */
function kyselyStoreClient(db: Db) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const result = await db.executeQuery(CompiledQuery.raw(q.text, q.values ?? []));
      const affected = result.numAffectedRows;
      return { rows: result.rows, rowCount: affected !== undefined ? Number(affected) : result.rows.length };
    },
  };
}
