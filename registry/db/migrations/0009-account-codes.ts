import { sql, type Kysely } from 'kysely';

/**
 * Verified emails and mailed account codes (issue 14).
 *
 * - `users.email_verified_at`: null until the address is proved by a mailed link. Accounts made
 *   before this migration start unverified (their address was never checked): they keep every
 *   membership they have, and verify once before they accept another email-bound invitation.
 * - An address is unique among *verified* accounts only. Sign-up no longer says whether an address
 *   is taken, so a second, unverified account may name it; only one account can ever prove it.
 * - `account_codes`: the email-verification (24 h) and password-reset (1 h) codes, single use,
 *   stored as SHA-256 (the code itself exists only in the mail), each bound to the address it was
 *   mailed to. Reads do not depend on them, so they leave the change epoch alone.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email_verified_at', 'timestamptz').execute();
  await db.schema.dropIndex('users_email_lower_key').execute();
  await db.schema
    .createIndex('users_email_lower_idx')
    .on('users')
    .expression(sql`lower(email)`)
    .execute();
  await sql`create unique index users_verified_email_key on users (lower(email)) where email_verified_at is not null`.execute(
    db,
  );

  await db.schema
    .createTable('account_codes')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('verify_email', 'reset_password')`))
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('account_codes_user_idx').on('account_codes').columns(['user_id', 'purpose']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('account_codes').ifExists().execute();
  await sql`drop index if exists users_verified_email_key`.execute(db);
  await sql`drop index if exists users_email_lower_idx`.execute(db);
  await db.schema
    .createIndex('users_email_lower_key')
    .on('users')
    .unique()
    .expression(sql`lower(email)`)
    .execute();
  await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
}
