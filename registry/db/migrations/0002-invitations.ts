import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('invitations')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('namespace', 'text', (c) => c.notNull().references('namespaces.name').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'member')`))
    // SHA-256 of the join code: the code itself only ever exists in the mail.
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    // false: any signed-in account may accept (the inviter allowed it); true: only the invited email.
    .addColumn('bind_email', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('invited_by', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('accepted_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  // At most one open invitation per address and namespace; re-inviting replaces it.
  await sql`create unique index invitations_open_key on invitations (namespace, lower(email)) where accepted_at is null and revoked_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('invitations').ifExists().execute();
}
