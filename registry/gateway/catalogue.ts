import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Db } from '../db/schema.js';
import type { AccessControl } from '../domain/access/access-control.js';
import { decideRead } from '../domain/access/visibility.js';
import { workspaceMayHold } from '../domain/access/workspace-rules.js';
import type { GatewayPrincipal } from '../domain/workspaces/workspace-tokens.js';
import type { RunnableVersion, RuntimePool } from './runtime/runtime-pool.js';
import { assignToolNames, type ToolSource } from './tool-names.js';

export interface CatalogueEntry {
  name: string;
  tool: Tool;
  source: ToolSource;
  version: RunnableVersion;
}

/**
 * The tools a gateway caller sees right now: read fresh from the database on every request (so a
 * newly installed skill appears on the next tools/list, and an uninstalled or hidden one is gone),
 * filtered by the same visibility rules as every other read.
 */
export async function workspaceCatalogue(db: Db, access: AccessControl, pool: RuntimePool, p: GatewayPrincipal, logger: Logger): Promise<CatalogueEntry[]> {
  const rows = await db
    .selectFrom('workspace_skills as w')
    .innerJoin('skills as s', 's.id', 'w.skill_id')
    .innerJoin('skill_versions as v', (j) => j.onRef('v.skill_id', '=', 's.id').onRef('v.version', '=', 'w.version'))
    .select(['s.name', 's.namespace', 's.slug', 's.visibility', 'v.id as version_id', 'v.version', 'v.integrity', 'v.blob_key', 'v.aerostack'])
    .where('w.workspace_id', '=', p.workspace.id)
    .where('v.unpublished_at', 'is', null)
    .orderBy('s.name')
    .execute();

  // One query for the caller's standing in every namespace involved, then the pure table per skill.
  const relations = p.user ? await access.relationsTo({ user: p.user, token: null }, rows.map((r) => r.namespace)) : null;
  const readable = rows.map((r) => {
    if (!workspaceMayHold(r, p.workspace.namespace)) return false;
    if (!relations) return true;
    return decideRead(r.visibility, relations.get(r.namespace) ?? 'other', r).allowed;
  });

  const perSkill = await Promise.all(
    rows
      .filter((_, i) => readable[i])
      .map(async (r) => {
        const version: RunnableVersion = {
          versionId: r.version_id,
          name: r.name,
          version: r.version,
          integrity: r.integrity,
          blobKey: r.blob_key,
          manifest: pool.manifestOf(r.version_id, r.aerostack),
        };
        try {
          const tools = await pool.tools(p.workspace.id, version);
          return tools.map((tool) => ({ tool, version, source: { skill: r.name, namespace: r.namespace, slug: r.slug, tool: tool.name } }));
        } catch (err) {
          // One broken skill must not hide the others.
          logger.warn({ skill: r.name, version: r.version, err: (err as Error).message }, 'skill tools unavailable');
          return [];
        }
      }),
  );
  const flat = perSkill.flat();
  const names = assignToolNames(flat.map((f) => f.source));
  return flat.map((f) => {
    const name = names.get(f.source)!;
    return { name, source: f.source, version: f.version, tool: { ...f.tool, name, description: `${f.tool.description ?? ''} (${f.source.skill})`.trim() } };
  });
}
