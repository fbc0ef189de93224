import { sql, type Kysely } from 'kysely';

/**
 * The counters of rate-limiter-flexible's RateLimiterPostgres (registry/domain/throttle/), shared by
 * every instance on this database: sign-in attempts per account and per client address, the gateway's
 * per-token, per-workspace and failed-authentication counts. The layout is the library's own (`key`,
 * `points`, `expire` in ms since the epoch); it is made here rather than by the library at start-up so
 * no instance runs DDL while serving, and `key` is text rather than its varchar(255): a key holds an
 * email address. Counters are not something reads depend on, so no change-epoch trigger.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expire', 'bigint')
    .execute();
  // The library deletes rows that expired over an hour ago every five minutes.
  await sql`create index rate_limits_expire on rate_limits (expire)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
}
