import { sql, type Kysely } from 'kysely';

/**
 * What each version provides, for the skill page and `aerostack skill info` (issue 17), kept apart
 * from `skill_versions` so npm's package document, which reads every version row, never carries it.
 *
 * - `files`: the tarball's file list (bounded, see PROVIDES_LIMITS in contract/limits.ts), and
 *   `skill_md`: an Agent Skill's SKILL.md, both written at publish, in the publish's transaction.
 * - `tools`: a `type: "skill"`'s tool, written at publish; the tools a `type: "mcp"` server listed the
 *   first time the version ran in a workspace's sandbox, with `tools_captured_at`, written once (the
 *   first capture stays). Bounded. `json`, not `jsonb`: an input schema's properties keep the order
 *   their author gave them, which is the order the arguments table shows.
 *
 * Versions published before this migration have no row until their server first runs; their file
 * list is unknown (null). Nothing here changes what reads may see, so the change epoch is left alone.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('skill_version_provides')
    .addColumn('version_id', 'integer', (c) => c.primaryKey().references('skill_versions.id').onDelete('cascade'))
    .addColumn('files', 'jsonb')
    .addColumn('skill_md', 'text')
    .addColumn('tools', 'json')
    .addColumn('tools_truncated', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('tools_captured_at', 'timestamptz')
    .addCheckConstraint('tools_is_list', sql`tools is null or json_typeof(tools) = 'array'`)
    .addCheckConstraint('files_is_list', sql`files is null or jsonb_typeof(files) = 'array'`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('skill_version_provides').ifExists().execute();
}
