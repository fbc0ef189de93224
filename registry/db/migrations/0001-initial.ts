import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any>: they must keep working when the Database interface moves on.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`username ~ '^[a-z0-9][a-z0-9-]{0,38}$'`),
    )
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('users_email_lower_key')
    .on('users')
    .unique()
    .expression(sql`lower(email)`)
    .execute();

  await db.schema
    .createTable('namespaces')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('namespace', 'text', (c) => c.notNull().references('namespaces.name').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'admin', 'member')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('memberships_pkey', ['namespace', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_user_idx').on('memberships').column('user_id').execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('session', 'automation')`))
    .addColumn('readonly', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('tokens_user_idx').on('tokens').column('user_id').execute();

  await db.schema
    .createTable('skills')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('namespace', 'text', (c) => c.notNull().references('namespaces.name').onDelete('cascade'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('public', 'team', 'private')`))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('keywords', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    // Denormalised from dist_tags so search and lists need no join; kept in step by the publish service.
    .addColumn('latest_version', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('skills_name_matches', sql`name = '@' || namespace || '/' || slug`)
    .execute();
  await db.schema.createIndex('skills_namespace_idx').on('skills').columns(['namespace', 'visibility']).execute();

  await db.schema
    .createTable('skill_versions')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('skill_id', 'integer', (c) => c.notNull().references('skills.id').onDelete('cascade'))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('manifest', 'jsonb', (c) => c.notNull())
    .addColumn('aerostack', 'jsonb', (c) => c.notNull())
    .addColumn('readme', 'text')
    .addColumn('integrity', 'text', (c) => c.notNull())
    .addColumn('shasum', 'text', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('file_count', 'integer', (c) => c.notNull())
    .addColumn('unpacked_size', 'integer', (c) => c.notNull())
    .addColumn('deprecated', 'text')
    .addColumn('published_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('unpublished_at', 'timestamptz')
    // A published name@version is never replaced, and an unpublished number is never reused.
    .addUniqueConstraint('skill_versions_skill_version_key', ['skill_id', 'version'])
    .execute();
  await db.schema.createIndex('skill_versions_blob_idx').on('skill_versions').column('blob_key').execute();

  await db.schema
    .createTable('dist_tags')
    .addColumn('skill_id', 'integer', (c) => c.notNull().references('skills.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dist_tags_pkey', ['skill_id', 'tag'])
    .addForeignKeyConstraint(
      'dist_tags_version_fkey',
      ['skill_id', 'version'],
      'skill_versions',
      ['skill_id', 'version'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['dist_tags', 'skill_versions', 'skills', 'tokens', 'memberships', 'namespaces', 'users']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
