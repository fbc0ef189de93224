import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './schema.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-invitations.js';
import * as m0003 from './migrations/0003-workspaces.js';

/** Migrations are listed here (not read from disk) so the same list runs from source, dist or a bundle. */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-invitations': m0002,
  '0003-workspaces': m0003,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; the same migrations run on pg and PGlite. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
