import { sql, type Kysely } from 'kysely';

/**
 * A short pending list for the search trigram index (0004). New entries of a GIN index wait in a
 * pending list that every search reads in full until it is merged; Postgres merges it on autovacuum,
 * but the embedded database has no autovacuum and merges it only when it outgrows the limit (4 MB by
 * default: ~1.5 ms more on every search at 100k skills). 256 kB keeps bulk inserts batched and
 * searches quick.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter index skills_search_trgm set (gin_pending_list_limit = 256)`.execute(db);
  await sql`select gin_clean_pending_list('skills_search_trgm'::regclass)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter index skills_search_trgm reset (gin_pending_list_limit)`.execute(db);
}
