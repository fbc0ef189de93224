import { sql, type Kysely } from 'kysely';

/**
 * The rate-limit counters (0008) become an unlogged table. Every gateway request and sign-in attempt
 * upserts a counter; logged, each upsert's commit waited for its WAL record to reach the disk
 * (~3 ms of a ~3.1 ms upsert on the bench machine; 0.1 ms unlogged), the largest part of a gateway
 * call on Postgres. A counter is worth nothing after a crash: Postgres empties an unlogged table
 * on crash recovery (and a standby has none), which only restarts the current one-minute windows.
 * Every instance still reads and writes the same rows, so the limits hold across instances.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table rate_limits set unlogged`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table rate_limits set logged`.execute(db);
}
