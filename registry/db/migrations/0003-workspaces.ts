import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'`),
    )
    .addColumn('namespace', 'text', (c) => c.notNull().references('namespaces.name').onDelete('cascade'))
    .addColumn('created_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('workspace_skills')
    .addColumn('workspace_id', 'integer', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('skill_id', 'integer', (c) => c.notNull().references('skills.id').onDelete('cascade'))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('installed_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('installed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('workspace_skills_pkey', ['workspace_id', 'skill_id'])
    .execute();

  await db.schema
    .createTable('workspace_tokens')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('workspace_id', 'integer', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    // The member the token acts for; null for a shared team token.
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('created_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('rate_limit_per_minute', 'integer', (c) => c.notNull().defaultTo(120))
    .execute();
  // Names are how people revoke tokens, so an active name is unique within its workspace.
  await sql`create unique index workspace_tokens_active_name_key on workspace_tokens (workspace_id, name) where revoked_at is null`.execute(
    db,
  );

  // Append-only: no foreign keys (rows outlive workspaces, users and skills), and a trigger refuses
  // UPDATE and DELETE, so not even a bug in the application can rewrite history.
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('workspace_id', 'integer')
    .addColumn('workspace', 'text')
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'integer')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('skill', 'text')
    .addColumn('tool', 'text')
    .addColumn('status', 'text')
    .addColumn('duration_ms', 'integer')
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('audit_events_workspace_at_idx')
    .on('audit_events')
    .columns(['workspace_id', 'at'])
    .execute();
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only';
    end $$`.execute(db);
  await sql`
    create trigger audit_events_no_change before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists audit_events`.execute(db);
  await sql`drop function if exists audit_events_append_only()`.execute(db);
  for (const t of ['workspace_tokens', 'workspace_skills', 'workspaces'])
    await db.schema.dropTable(t).ifExists().execute();
}
