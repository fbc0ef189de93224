import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Db } from '../db/schema.js';
import type { AccessControl } from '../domain/access/access-control.js';
import { decideRead } from '../domain/access/visibility.js';
import { workspaceMayHold } from '../domain/access/workspace-rules.js';
import { EpochCache } from '../domain/cache/epoch-cache.js';
import type { GatewayPrincipal } from '../domain/workspaces/workspace-tokens.js';
import type { RunnableVersion, RuntimePool } from './runtime/runtime-pool.js';
import { assignToolNames, type ToolSource } from './tool-names.js';

export interface CatalogueEntry {
  name: string;
  tool: Tool;
  source: ToolSource;
  version: RunnableVersion;
}

/** A caller's catalogue as the gateway serves it: the tools/list answer and the tools/call lookup. */
export interface Catalogue {
  tools: Tool[];
  byName: Map<string, CatalogueEntry>;
}

/**
 * Catalogues per (workspace, caller), reused only under the change epoch they were read in: an
 * install, an uninstall, an unpublish, a visibility switch or a membership change anywhere moves
 * the epoch, so the next request reads afresh (a newly installed skill appears on the next
 * tools/list). A catalogue in which some skill could not list its tools is not kept: that skill
 * is tried again on the next request.
 */
export class CatalogueCache {
  private readonly cache = new EpochCache<Catalogue>({ max: 2_000, maxSize: 200_000, sizeOf: (c) => c.tools.length + 1 });

  constructor(private readonly deps: { db: Db; access: AccessControl; pool: RuntimePool; logger: Logger }) {}

  async get(p: GatewayPrincipal, epoch: number): Promise<Catalogue> {
    // What a caller may see depends on the workspace and, for a member-bound token, on that member.
    const key = `${p.workspace.id}|${p.user?.id ?? ''}`;
    const hit = this.cache.get(key, epoch);
    if (hit) return hit;
    const { db, access, pool, logger } = this.deps;
    const { entries, complete } = await workspaceCatalogue(db, access, pool, p, logger);
    const catalogue: Catalogue = { tools: entries.map((e) => e.tool), byName: new Map(entries.map((e) => [e.name, e])) };
    if (complete) this.cache.set(key, catalogue, epoch);
    return catalogue;
  }
}

/**
 * The tools a gateway caller sees right now, read from the database (so a newly installed skill
 * appears on the next tools/list, and an uninstalled or hidden one is gone), filtered by the same
 * visibility rules as every other read. `complete` is false when some skill's tools could not be
 * listed (it is left out, the others are not).
 */
export async function workspaceCatalogue(
  db: Db,
  access: AccessControl,
  pool: RuntimePool,
  p: GatewayPrincipal,
  logger: Logger,
): Promise<{ entries: CatalogueEntry[]; complete: boolean }> {
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

  let complete = true;
  const perSkill = await Promise.all(
    rows
      .filter((_, i) => readable[i])
      .map(async (r) => {
        try {
          const version: RunnableVersion = {
            versionId: r.version_id,
            name: r.name,
            version: r.version,
            integrity: r.integrity,
            blobKey: r.blob_key,
            manifest: pool.manifestOf(r.version_id, r.aerostack),
          };
          const tools = await pool.tools(p.workspace.id, version);
          return tools.map((tool) => ({ tool, version, source: { skill: r.name, namespace: r.namespace, slug: r.slug, tool: tool.name } }));
        } catch (err) {
          // One broken skill must not hide the others.
          complete = false;
          logger.warn({ skill: r.name, version: r.version, err: (err as Error).message }, 'skill tools unavailable');
          return [];
        }
      }),
  );
  const flat = perSkill.flat();
  const names = assignToolNames(flat.map((f) => f.source));
  const entries = flat.map((f) => {
    const name = names.get(f.source)!;
    return { name, source: f.source, version: f.version, tool: { ...f.tool, name, description: `${f.tool.description ?? ''} (${f.source.skill})`.trim() } };
  });
  return { entries, complete };
}
