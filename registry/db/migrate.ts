import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './schema.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-invitations.js';
import * as m0003 from './migrations/0003-workspaces.js';
import * as m0004 from './migrations/0004-search-index.js';
import * as m0005 from './migrations/0005-change-epoch.js';
import * as m0006 from './migrations/0006-search-pending-list.js';
import * as m0007 from './migrations/0007-workspace-secrets.js';
import * as m0008 from './migrations/0008-rate-limits.js';
import * as m0009 from './migrations/0009-account-codes.js';
import * as m0010 from './migrations/0010-skill-provides.js';
import * as m0011 from './migrations/0011-rate-limits-unlogged.js';
import * as m0012 from './migrations/0012-search-order.js';
import * as m0013 from './migrations/0013-tarball-sha256.js';

/** Migrations are listed here (not read from disk) so the same list runs from source, dist or a bundle. */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-invitations': m0002,
  '0003-workspaces': m0003,
  '0004-search-index': m0004,
  '0005-change-epoch': m0005,
  '0006-search-pending-list': m0006,
  '0007-workspace-secrets': m0007,
  '0008-rate-limits': m0008,
  '0009-account-codes': m0009,
  '0010-skill-provides': m0010,
  '0011-rate-limits-unlogged': m0011,
  '0012-search-order': m0012,
  '0013-tarball-sha256': m0013,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/** Brings the schema up to date; the same migrations run on pg and PGlite. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // Unless told the schema, Kysely takes a kysely_migration_lock table in *any* schema for its own,
  // skips creating ours and then fails: another schema of the same database (a second instance set up
  // with its own search_path, a test run's schema) must not stop this one from migrating.
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const migrator = new Migrator({ db, provider, ...(rows[0]?.schema ? { migrationTableSchema: rows[0].schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('The migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
