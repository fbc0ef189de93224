import { sql, type Kysely } from 'kysely';

/**
 * What a workspace grants the skills it runs (issue 13): its secrets, sealed with the registry's key
 * (registry/domain/workspaces/secret-box.ts; the value never reaches a column in clear), and, per
 * installed skill, the hosts its installer approved. Both change what a running skill process is
 * given, so both bump the change epoch (0005) and the gateway starts it afresh.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspace_secrets')
    .addColumn('workspace_id', 'integer', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`name ~ '^[A-Z][A-Z0-9_]{0,63}$'`))
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('set_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('set_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('workspace_secrets_pkey', ['workspace_id', 'name'])
    .execute();
  await sql`
    create constraint trigger workspace_secrets_change_epoch after insert or delete or update on workspace_secrets
    deferrable initially deferred for each row execute function bump_change_epoch()`.execute(db);

  // The `network` entries the installer consented to; a version asking for more is not installed.
  await db.schema
    .alterTable('workspace_skills')
    .addColumn('approved_network', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('workspace_skills').dropColumn('approved_network').execute();
  await db.schema.dropTable('workspace_secrets').execute();
}
