import type { Transaction } from 'kysely';
import type { Database, Db, Skill } from '../../db/schema.js';
import type { ProvidedTool, SkillProvides } from '@aerostack/contract/api.js';
import { PROVIDES_LIMITS } from '@aerostack/contract/limits.js';
import { declaredNetwork, declaredSecrets, parseManifest, type SkillManifest } from '@aerostack/contract/manifest.js';
import type { InspectedTarball } from '@aerostack/contract/tarball/inspect.js';
import { notFound } from '@aerostack/contract/errors.js';
import type { Viewer } from '../access/viewer.js';
import type { Clock } from '../clock.js';
import type { SkillReads } from './skill-reads.js';

/**
 * What a version provides (its tools, an Agent Skill's SKILL.md, its files, the secrets and hosts it
 * declares): recorded at publish and, for an MCP server, the first time it runs in a workspace; read
 * by the skill page, `aerostack skill info` and its API. Reads go through SkillReads, so whoever may
 * not read the skill learns nothing here either.
 */
export class SkillProvidesService {
  constructor(
    private readonly db: Db,
    private readonly reads: SkillReads,
    private readonly clock: Clock,
  ) {}

  /** `GET /-/api/v1/skills/:name/provides?version=SPEC` (no spec: the version `install` would pick). */
  async forSpec(viewer: Viewer, rawName: string, spec: string | null): Promise<SkillProvides> {
    const { skill, version } = await this.reads.resolveVersion(viewer, rawName, spec ?? '');
    return this.forVersion(skill, version);
  }

  /** For a skill the caller was already let read (SkillReads.findReadable). */
  async forVersion(skill: Skill, version: string): Promise<SkillProvides> {
    const row = await this.db
      .selectFrom('skill_versions as v')
      .leftJoin('skill_version_provides as p', 'p.version_id', 'v.id')
      .select([
        'v.version',
        'v.aerostack',
        'v.file_count',
        'p.files',
        'p.skill_md',
        'p.tools',
        'p.tools_truncated',
        'p.tools_captured_at',
      ])
      .where('v.skill_id', '=', skill.id)
      .where('v.version', '=', version)
      .where('v.unpublished_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound(`${skill.name}@${version} not found`);
    const m = parseManifest(row.aerostack);
    // A skill published before migration 0010 has its tool from aerostack.json only (jsonb: the
    // properties' order is lost there); an MCP server's are null until it first runs.
    const tools: ProvidedTool[] | null =
      m.type === 'agent-skill' ? [] : (row.tools ?? (m.type === 'skill' ? [toolOf(m)] : null));
    return {
      name: skill.name,
      version: row.version,
      type: m.type,
      tools,
      toolsCapturedAt: m.type === 'mcp' ? (row.tools_captured_at?.toISOString() ?? null) : null,
      toolsTruncated: row.tools_truncated ?? false,
      skillMd: m.type === 'agent-skill' ? (row.skill_md ?? null) : null,
      files: row.files ?? null,
      fileCount: row.file_count,
      env: declaredSecrets(m).map((e) => ({
        name: e.name,
        description: e.description ?? null,
        required: e.required,
      })),
      network: declaredNetwork(m),
    };
  }

  /**
   * The gateway's report of what an MCP server listed: kept for the version the first time only (a
   * later run, or another instance racing this one, leaves the first capture as it is).
   */
  async recordServerTools(versionId: number, listed: readonly unknown[]): Promise<void> {
    const { tools, truncated } = boundTools(listed);
    const json = JSON.stringify(tools);
    await this.db
      .insertInto('skill_version_provides')
      .values({
        version_id: versionId,
        tools: json,
        tools_truncated: truncated,
        tools_captured_at: this.clock.now(),
      })
      .onConflict((oc) =>
        oc
          .column('version_id')
          .doUpdateSet((eb) => ({
            tools: eb.ref('excluded.tools'),
            tools_truncated: eb.ref('excluded.tools_truncated'),
            tools_captured_at: eb.ref('excluded.tools_captured_at'),
          }))
          .where('skill_version_provides.tools', 'is', null),
      )
      .execute();
  }
}

/**
 * At publish, inside its transaction: the file list (every type), a `skill`'s tool as the tarball
 * spelled it (properties in their author's order) and an Agent Skill's SKILL.md.
 */
export async function recordPublishedProvides(
  trx: Transaction<Database>,
  versionId: number,
  inspected: Pick<InspectedTarball, 'files' | 'skillMd' | 'manifest'>,
): Promise<void> {
  const m = inspected.manifest;
  const skillTool = m.type === 'skill' ? boundTools([toolOf(m)]) : null;
  await trx
    .insertInto('skill_version_provides')
    .values({
      version_id: versionId,
      files: JSON.stringify(boundFiles(inspected.files)),
      tools: skillTool ? JSON.stringify(skillTool.tools) : null,
      tools_truncated: skillTool?.truncated ?? false,
      skill_md:
        inspected.manifest.type === 'agent-skill' && inspected.skillMd !== null ? text(inspected.skillMd) : null,
    })
    .execute();
}

const toolOf = (m: SkillManifest): ProvidedTool => ({
  name: m.tool.name,
  description: m.tool.description,
  inputSchema: m.tool.input_schema,
});

/** The first files, by count and by total length (paths may each be 1,024 characters). */
function boundFiles(files: readonly string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const f of files) {
    if (out.length >= PROVIDES_LIMITS.maxFiles || chars + f.length > PROVIDES_LIMITS.maxFilesChars) break;
    out.push(text(f));
    chars += f.length;
  }
  return out;
}

/**
 * An MCP server's tools as the registry keeps them. The server is hostile: the list, each name,
 * description and schema are cut to PROVIDES_LIMITS; a schema too large to keep becomes null. What
 * is kept must also be storable (Postgres refuses NUL and unpaired surrogates in jsonb).
 */
export function boundTools(listed: readonly unknown[]): { tools: ProvidedTool[]; truncated: boolean } {
  const L = PROVIDES_LIMITS;
  const tools: ProvidedTool[] = [];
  let truncated = listed.length > L.maxTools;
  let bytes = 2;
  for (const raw of listed.slice(0, L.maxTools)) {
    if (typeof raw !== 'object' || raw === null) continue;
    const t = raw as { name?: unknown; description?: unknown; inputSchema?: unknown };
    if (typeof t.name !== 'string' || t.name === '') continue;
    let inputSchema = isObject(t.inputSchema) ? (clean(t.inputSchema, 0) as Record<string, unknown>) : null;
    if (inputSchema && Buffer.byteLength(JSON.stringify(inputSchema)) > L.maxSchemaBytes) {
      inputSchema = null;
      truncated = true;
    }
    const tool: ProvidedTool = {
      name: cut(text(t.name), L.maxToolNameChars),
      description: typeof t.description === 'string' ? cut(text(t.description), L.maxToolDescriptionChars) : null,
      inputSchema,
    };
    bytes += Buffer.byteLength(JSON.stringify(tool)) + 1;
    if (bytes > L.maxToolsBytes) {
      truncated = true;
      break;
    }
    tools.push(tool);
  }
  return { tools, truncated };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const MAX_SCHEMA_DEPTH = 32;

/** A JSON value with storable strings (keys included); anything deeper than MAX_SCHEMA_DEPTH is cut to null. */
function clean(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return text(v);
  if (typeof v !== 'object' || v === null) return typeof v === 'number' && !Number.isFinite(v) ? null : v;
  if (depth >= MAX_SCHEMA_DEPTH) return null;
  if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [text(k), clean(x, depth + 1)]));
}

/** NUL is removed and unpaired surrogates become U+FFFD: Postgres text and jsonb refuse both. */
function text(s: string): string {
  return s
    .replace(/\0/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
