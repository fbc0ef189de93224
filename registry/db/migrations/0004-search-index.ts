import { sql, type Kysely } from 'kysely';

/**
 * Search at 100k skills: one lowercased `search_text` per skill (name, description, keywords), kept
 * by a trigger so every writer gets it right, with a trigram GIN index that serves `ILIKE '%term%'`.
 * Also an index for "namespaces this user owns", used by every signed-in visibility filter.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // New installs go to `public`; an existing install (a DBA's `extensions` schema, say) is used
  // where it is, so the operator class is named with its schema and found whatever the search_path.
  await sql`create extension if not exists pg_trgm with schema public`.execute(db);
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(
    db,
  );
  const trgmSchema = rows[0]!.schema;
  await sql`alter table skills add column search_text text not null default ''`.execute(db);
  await sql`
    create function skills_search_text() returns trigger language plpgsql as $$
    begin
      new.search_text := lower(new.name || ' ' || new.description || ' ' || array_to_string(new.keywords, ' '));
      return new;
    end $$`.execute(db);
  await sql`
    create trigger skills_search_text before insert or update of name, description, keywords on skills
    for each row execute function skills_search_text()`.execute(db);
  await sql`update skills set search_text = lower(name || ' ' || description || ' ' || array_to_string(keywords, ' '))`.execute(
    db,
  );
  await sql`create index skills_search_trgm on skills using gin (search_text ${sql.id(trgmSchema)}.gin_trgm_ops)`.execute(
    db,
  );
  await db.schema.createIndex('namespaces_owner_idx').on('namespaces').column('owner_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('namespaces_owner_idx').ifExists().execute();
  await sql`drop index if exists skills_search_trgm`.execute(db);
  await sql`drop trigger if exists skills_search_text on skills`.execute(db);
  await sql`drop function if exists skills_search_text()`.execute(db);
  await sql`alter table skills drop column if exists search_text`.execute(db);
}
