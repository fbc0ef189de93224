import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { EpochCache } from '../domain/cache/epoch-cache.js';
import type { GatewayPrincipal } from '../domain/workspaces/workspace-tokens.js';
import type { Workspaces } from '../domain/workspaces/workspaces.js';
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
  private readonly cache = new EpochCache<Catalogue>({
    max: 2_000,
    maxSize: 200_000,
    sizeOf: (c) => c.tools.length + 1,
  });

  constructor(private readonly deps: { workspaces: Workspaces; pool: RuntimePool; logger: Logger }) {}

  async get(p: GatewayPrincipal, epoch: number): Promise<Catalogue> {
    // What a caller may see depends on the workspace and, for a member-bound token, on that member.
    const key = `${p.workspace.id}|${p.user?.id ?? ''}`;
    const hit = this.cache.get(key, epoch);
    if (hit) return hit;
    const { workspaces, pool, logger } = this.deps;
    const { entries, complete } = await workspaceCatalogue(workspaces, pool, p, logger);
    const catalogue: Catalogue = {
      tools: entries.map((e) => e.tool),
      byName: new Map(entries.map((e) => [e.name, e])),
    };
    if (complete) this.cache.set(key, catalogue, epoch);
    return catalogue;
  }
}

/**
 * The tools a gateway caller sees right now: the skills Workspaces.runnableSkills reads afresh (so a
 * newly installed skill appears on the next tools/list, and an uninstalled or hidden one is gone),
 * each asking its process or manifest for its tools. `complete` is false when some skill's tools
 * could not be listed (it is left out, the others are not).
 */
export async function workspaceCatalogue(
  workspaces: Workspaces,
  pool: RuntimePool,
  p: GatewayPrincipal,
  logger: Logger,
): Promise<{ entries: CatalogueEntry[]; complete: boolean }> {
  const rows = await workspaces.runnableSkills(p);
  let complete = true;
  const perSkill = await Promise.all(
    rows.map(async (r) => {
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
        return tools.map((tool) => ({
          tool,
          version,
          source: { skill: r.name, namespace: r.namespace, slug: r.slug, tool: tool.name },
        }));
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
    return {
      name,
      source: f.source,
      version: f.version,
      tool: { ...f.tool, name, description: `${f.tool.description ?? ''} (${f.source.skill})`.trim() },
    };
  });
  return { entries, complete };
}
