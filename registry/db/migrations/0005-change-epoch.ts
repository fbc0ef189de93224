import { sql, type Kysely } from 'kysely';

/**
 * A change epoch for read caches: one counter row, bumped in the same transaction as any change to
 * what a read depends on (accounts, tokens, namespaces, memberships, skills, versions, dist-tags,
 * workspaces and their tokens and installs), so it becomes visible exactly when the change does.
 * A cached answer is reused only while the epoch is the one it was computed under
 * (registry/db/change-epoch.ts). Writes that reads do not depend on (a token's last_used_at, the
 * audit log, invitations) leave it alone.
 *
 * The triggers are deferred constraint triggers: the counter row is locked at commit, after the
 * transaction holds everything else it will lock, so two writers can never deadlock on it; a
 * transaction-local flag makes a bulk change bump it once rather than once per row.
 */
const WATCHED: Array<{ table: string; columns?: string[] }> = [
  { table: 'users' },
  { table: 'tokens', columns: ['user_id', 'token_hash', 'kind', 'readonly', 'expires_at', 'revoked_at'] },
  { table: 'namespaces' },
  { table: 'memberships' },
  { table: 'skills' },
  { table: 'skill_versions' },
  { table: 'dist_tags' },
  { table: 'workspaces' },
  { table: 'workspace_skills' },
  {
    table: 'workspace_tokens',
    columns: ['workspace_id', 'token_hash', 'user_id', 'expires_at', 'revoked_at', 'rate_limit_per_minute'],
  },
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table change_epoch (id int primary key check (id = 1), n bigint not null)`.execute(db);
  await sql`insert into change_epoch (id, n) values (1, 0)`.execute(db);
  await sql`
    create function bump_change_epoch() returns trigger language plpgsql as $$
    begin
      if current_setting('aerostack.change_epoch_bumped', true) = 'on' then return null; end if;
      perform set_config('aerostack.change_epoch_bumped', 'on', true);
      update change_epoch set n = n + 1 where id = 1;
      -- Same-process listeners (the embedded database) learn of the change without polling.
      perform pg_notify('aerostack_changes', '');
      return null;
    end $$`.execute(db);
  for (const { table, columns } of WATCHED) {
    const events = columns
      ? sql.raw(`insert or delete or update of ${columns.join(', ')}`)
      : sql.raw('insert or delete or update');
    await sql`
      create constraint trigger ${sql.id(`${table}_change_epoch`)} after ${events} on ${sql.id(table)}
      deferrable initially deferred for each row execute function bump_change_epoch()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const { table } of WATCHED)
    await sql`drop trigger if exists ${sql.id(`${table}_change_epoch`)} on ${sql.id(table)}`.execute(db);
  await sql`drop function if exists bump_change_epoch()`.execute(db);
  await sql`drop table if exists change_epoch`.execute(db);
}
