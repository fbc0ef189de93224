import path from 'node:path';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import type { Db, Database } from './schema.js';

export interface DatabaseOptions {
  /** `postgres://…` selects a pg pool; null selects embedded PGlite. */
  url: string | null;
  /** Where PGlite keeps its files; null keeps it in memory (tests). */
  pgliteDir: string | null;
  /** pg only: confine every table to this schema (tests isolate instances this way). */
  schema?: string;
  poolSize?: number;
  onPoolError?: (err: Error) => void;
}

/** Opens the database and returns a Kysely instance; the caller owns it and must `destroy()` it. */
export async function openDatabase(opts: DatabaseOptions): Promise<Db> {
  if (opts.url) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // A backend killed under us (restart, pg_terminate_backend) must not crash the process;
    // the pool drops that client and the next query gets a fresh one.
    pool.on('error', (err) => opts.onPoolError?.(err));
    // pg-pool listens for 'error' on idle clients only. A client checked out when its backend dies
    // emits 'error' too, and with no listener that crashes the process; the query in flight fails on
    // its own (→ 503) and the pool drops the broken client when it is released.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pgPools.set(db, pool);
    if (opts.schema) await sql`create schema if not exists ${sql.id(opts.schema)}`.execute(db);
    return db;
  }
  const { PGlite } = await import('@electric-sql/pglite');
  let dataDir: string | undefined;
  if (opts.pgliteDir) {
    await mkdir(path.dirname(opts.pgliteDir), { recursive: true });
    await createPgliteDir(opts.pgliteDir);
    dataDir = opts.pgliteDir;
  }
  return kyselyOnPglite(await PGlite.create(dataDir, await pgliteOptions()));
}

/**
 * A new data folder is made by a short-lived process (./pglite-initdb.ts): PGlite's initdb peaks
 * near 800 MB, and the process that ran it keeps ~100 MB of that (allocator arenas, V8 pages) for
 * as long as it lives. A folder PGlite already knows (it has PG_VERSION) is left alone.
 */
async function createPgliteDir(dir: string): Promise<void> {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return;
  const script = fileURLToPath(new URL('./pglite-initdb.js', import.meta.url));
  try {
    await promisify(execFile)(process.execPath, [script, dir], { timeout: 300_000 });
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`Could not create the embedded database in ${dir}: ${stderr?.trim() || (err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Postgres' shared buffers live in PGlite's WASM heap, touched in full at start and never given
 * back: initdb's default of 128 MB was a third of an idle registry's memory. Pages that do not fit
 * are read again from the data files (which the OS page cache holds), one syscall each. With 100k
 * skills a search costs the same CPU with 32 MB as with 128 MB; with 16 MB it costs ~45% more.
 * Given on the command line, not written to postgresql.conf: the data folder stays as initdb made
 * it, and a change here applies on the next start.
 */
const PGLITE_SHARED_BUFFERS = '32MB';

/** How every PGlite is opened (the registry's and the tests' copies alike): extensions and settings. */
export async function pgliteOptions(): Promise<PGliteOptions> {
  const { PGlite } = await import('@electric-sql/pglite');
  return {
    extensions: await pgliteExtensions(),
    // Its pages are read from memory (shared buffers or the OS page cache), never from a disk that
    // seeks: at Postgres' default random_page_cost of 4 the planner would rather read all 100k skills
    // than visit the few thousand pages a trigram index points at (search: 50 ms instead of 10).
    startParams: [
      ...PGlite.defaultStartParams,
      '-c',
      `shared_buffers=${PGLITE_SHARED_BUFFERS}`,
      '-c',
      'random_page_cost=1.1',
    ],
  };
}

/** The Postgres extensions the schema uses, as PGlite needs them loaded (pg ships them). */
async function pgliteExtensions() {
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  return { pg_trgm };
}

// Which PGlite backs a Kysely instance: the change epoch listens on it instead of polling
// (registry/db/change-epoch.ts). Weak, so it holds nothing alive; it is a lookup, not shared state.
const pglites = new WeakMap<Db, PGlite>();

/** Wraps an already-open PGlite (tests open theirs from a pre-migrated template). */
export function kyselyOnPglite(pglite: PGlite): Db {
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  pglites.set(db, pglite);
  return db;
}

/** The embedded database behind `db`, or undefined when it is a Postgres server. */
export function embeddedPglite(db: Db): PGlite | undefined {
  return pglites.get(db);
}

// Which pg pool backs a Kysely instance: /metrics reports its connections (registry/metrics).
const pgPools = new WeakMap<Db, import('pg').Pool>();

/** The pg pool behind `db`, or undefined when it is the embedded PGlite. */
export function pgPool(db: Db): import('pg').Pool | undefined {
  return pgPools.get(db);
}
