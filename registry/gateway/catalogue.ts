import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.js';
import { EpochCache } from '../domain/cache/epoch-cache.js';
import type { GatewayPrincipal } from '../domain/workspaces/workspace-tokens.js';
import type { Workspaces } from '../domain/workspaces/workspaces.js';
import type { RunnableVersion, RuntimePool, SkillGrant } from './runtime/runtime-pool.js';
import type { WorkspaceSecrets } from '../domain/workspaces/workspace-secrets.js';
import { declaredNetwork, declaredSecrets, type AerostackManifest } from '@aerostack/contract/manifest.js';
import { assignToolNames, type ToolSource } from './tool-names.js';

export interface CatalogueEntry {
  name: string;
  tool: Tool;
  source: ToolSource;
  version: RunnableVersion;
  /** What the workspace gives the skill's process. */
  grant: SkillGrant;
  /**
   * Why calls fail before the skill runs: a secret the manifest requires is not set (and how to set
   * it), or one that is set cannot be decrypted here. null: nothing is missing.
   */
  secretProblem: string | null;
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
  private readonly cache: EpochCache<Catalogue>;

  constructor(
    private readonly deps: {
      workspaces: Workspaces;
      secrets: WorkspaceSecrets;
      pool: RuntimePool;
      logger: Logger;
      metrics: Metrics;
    },
  ) {
    this.cache = new EpochCache<Catalogue>({
      max: 2_000,
      maxSize: 200_000,
      sizeOf: (c) => c.tools.length + 1,
      stats: deps.metrics.cache('gateway_catalogues'),
    });
  }

  async get(p: GatewayPrincipal, epoch: number): Promise<Catalogue> {
    // What a caller may see depends on the workspace and, for a member-bound token, on that member.
    const key = `${p.workspace.id}|${p.user?.id ?? ''}`;
    const hit = this.cache.get(key, epoch);
    if (hit) return hit;
    const { entries, complete } = await workspaceCatalogue(this.deps, p);
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
  deps: { workspaces: Workspaces; secrets: WorkspaceSecrets; pool: RuntimePool; logger: Logger },
  p: GatewayPrincipal,
): Promise<{ entries: CatalogueEntry[]; complete: boolean }> {
  const { workspaces, secrets, pool, logger } = deps;
  const rows = await workspaces.runnableSkills(p);
  let complete = true;
  // Parsed once; a manifest that fails is reported with its skill below.
  const manifests = new Map<number, AerostackManifest | Error>();
  for (const r of rows) {
    try {
      manifests.set(r.version_id, pool.manifestOf(r.version_id, r.aerostack));
    } catch (err) {
      manifests.set(r.version_id, err instanceof Error ? err : new Error(String(err)));
    }
  }
  // One read for every secret any of these skills declares.
  const parsed = [...manifests.values()].filter((m): m is AerostackManifest => !(m instanceof Error));
  const wanted = [...new Set(parsed.flatMap((m) => declaredSecrets(m).map((s) => s.name)))];
  const { values, unreadable } = await secrets.valuesFor(p.workspace.id, wanted);
  if (unreadable.size > 0)
    logger.error(
      { workspace: p.workspace.slug, secrets: [...unreadable.keys()], reason: [...unreadable.values()][0] },
      'workspace secrets cannot be decrypted',
    );
  const perSkill = await Promise.all(
    rows.map(async (r) => {
      try {
        const manifest = manifests.get(r.version_id);
        if (manifest === undefined || manifest instanceof Error) throw manifest ?? new Error('no manifest');
        const version: RunnableVersion = {
          versionId: r.version_id,
          name: r.name,
          version: r.version,
          integrity: r.integrity,
          blobKey: r.blob_key,
          manifest,
        };
        const declared = declaredSecrets(version.manifest);
        const approved = new Set(r.approved_network);
        const grant: SkillGrant = {
          workspace: p.workspace.slug,
          secrets: Object.fromEntries(
            declared.filter((s) => values.has(s.name)).map((s) => [s.name, values.get(s.name)!]),
          ),
          // Both what this version declares and what was approved for it: never more than either.
          network: declaredNetwork(version.manifest).filter((h) => approved.has(h)),
        };
        const slug = p.workspace.slug;
        const broken = declared.find((s) => unreadable.has(s.name));
        const missing = declared.find((s) => s.required && !values.has(s.name));
        const secretProblem = broken
          ? `The secret ${broken.name} of workspace ${slug} cannot be read on this registry: ${unreadable.get(broken.name)}`
          : missing
            ? `${missing.name} is not set in workspace ${slug}: aerostack workspace secret set ${slug} ${missing.name}`
            : null;
        const tools = await pool.tools(p.workspace.id, version, grant);
        return tools.map((tool) => ({
          tool,
          version,
          grant,
          secretProblem,
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
      grant: f.grant,
      secretProblem: f.secretProblem,
      tool: { ...f.tool, name, description: `${f.tool.description ?? ''} (${f.source.skill})`.trim() },
    };
  });
  return { entries, complete };
}
