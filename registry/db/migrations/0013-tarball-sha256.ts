import type { Kysely } from 'kysely';

/**
 * The tarball's SHA-256, hex, written at publish: server.json's `fileSha256` (/v0.1/servers) and the
 * Agent Skills index's `digest` name it, and npm's own digests (sha512 `integrity`, sha1 `shasum`)
 * are not it. Versions published before this migration have none: their digest is hashed from the
 * blob store on first use (registry/domain/discovery/tarball-digests.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('skill_versions').addColumn('sha256', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('skill_versions').dropColumn('sha256').execute();
}
