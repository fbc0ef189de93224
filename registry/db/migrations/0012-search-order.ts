import { sql, type Kysely } from 'kysely';

/**
 * Search without reading every match of a common word (registry/domain/packages/search.ts):
 * - the marketplace's listed skills by most recently updated, then name: a tier of the results is
 *   looked for among the most recent, and `ORDER BY updated_at DESC, name LIMIT n` stops early;
 * - skills by slug, for the exact-name matches that come first (`crm-sync` in any namespace);
 * - a trigram index on names, for the names containing the first word (the next tier), with the
 *   short pending list of 0006.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // pg_trgm's operator class, named with its schema as in 0004.
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(
    db,
  );
  const trgmSchema = rows[0]!.schema;
  await sql`create index skills_public_recent on skills (updated_at desc, name)
    where visibility = 'public' and latest_version is not null`.execute(db);
  await db.schema.createIndex('skills_slug_idx').on('skills').column('slug').execute();
  await sql`create index skills_name_trgm on skills using gin (name ${sql.id(trgmSchema)}.gin_trgm_ops)
    with (gin_pending_list_limit = 256)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('skills_name_trgm').ifExists().execute();
  await db.schema.dropIndex('skills_slug_idx').ifExists().execute();
  await db.schema.dropIndex('skills_public_recent').ifExists().execute();
}
