import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { PGlite } from '@electric-sql/pglite';
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
    if (opts.schema) await sql`create schema if not exists ${sql.id(opts.schema)}`.execute(db);
    return db;
  }
  const { PGlite } = await import('@electric-sql/pglite');
  let dataDir: string | undefined;
  if (opts.pgliteDir) {
    await mkdir(path.dirname(opts.pgliteDir), { recursive: true });
    dataDir = opts.pgliteDir;
  }
  return kyselyOnPglite(await PGlite.create(dataDir, { extensions: await pgliteExtensions() }));
}

/** The Postgres extensions the schema uses, as PGlite needs them loaded (pg ships them). */
export async function pgliteExtensions() {
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
