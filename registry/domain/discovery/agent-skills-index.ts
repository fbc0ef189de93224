import type { Readable } from 'node:stream';
import { sql, type SqlBool } from 'kysely';
import type { Db } from '../../db/schema.js';
import type { AccessControl } from '../access/access-control.js';
import { anonymousViewer } from '../access/viewer.js';
import type { SkillReads } from '../packages/skill-reads.js';
import type { GatewayPrincipal } from '../workspaces/workspace-tokens.js';
import type { TarballDigests } from './tarball-digests.js';
import { notFound } from '@aerostack/contract/errors.js';
import {
  AGENT_SKILLS_INDEX_SCHEMA,
  AGENT_SKILL_DESCRIPTION_MAX,
  cutText,
  type AgentSkillsIndex,
} from '@aerostack/contract/mcp-registry.js';

/** Where an archive is, under an index's `.well-known/agent-skills/` folder. */
export const archivePath = (namespace: string, slug: string, version: string): string =>
  `@${namespace}/${slug}/${slug}-${encodeURIComponent(version)}.tar.gz`;

/** The version an archive's file name (`<slug>-<version>.tar.gz`) names, or null. */
export function archiveVersion(slug: string, file: string): string | null {
  const prefix = `${slug}-`;
  const suffix = '.tar.gz';
  if (!file.startsWith(prefix) || !file.endsWith(suffix) || file.length <= prefix.length + suffix.length) return null;
  return file.slice(prefix.length, -suffix.length);
}

interface IndexRow {
  name: string;
  namespace: string;
  slug: string;
  version: string;
  aerostack: Record<string, unknown>;
  blob_key: string;
  sha256: string | null;
}

/** A stored archive, ready to stream. */
export interface Archive {
  stream: Readable;
  size: number;
}

/**
 * The Agent Skills discovery index (agentskills.io's well-known URI, v0.2.0): the registry's public
 * Agent Skills at their latest version, and a workspace's installed ones at the installed version.
 * Each entry is an `archive`: the published tarball, byte for byte, so its `digest` is the SHA-256
 * of exactly the bytes the archive URL serves.
 */
export class AgentSkillsIndexes {
  constructor(
    private readonly db: Db,
    private readonly access: AccessControl,
    private readonly reads: SkillReads,
    private readonly digests: TarballDigests,
    private readonly publicUrl: string,
  ) {}

  /** Public skills whose latest version is an Agent Skill, whoever asks. */
  async registryIndex(): Promise<AgentSkillsIndex> {
    const rows = await this.db
      .selectFrom('skills')
      .innerJoin('skill_versions', (j) =>
        j
          .onRef('skill_versions.skill_id', '=', 'skills.id')
          .onRef('skill_versions.version', '=', 'skills.latest_version'),
      )
      .select(['skills.name', 'skills.namespace', 'skills.slug', 'skill_versions.version'])
      .select(['skill_versions.aerostack', 'skill_versions.blob_key', 'skill_versions.sha256'])
      .where('skills.visibility', '=', 'public')
      .where('skill_versions.unpublished_at', 'is', null)
      .where(sql<SqlBool>`skill_versions.aerostack->>'type' = 'agent-skill'`)
      .orderBy('skills.name')
      .execute();
    return this.index(rows, `${this.publicUrl}/.well-known/agent-skills/`);
  }

  /** The workspace's installed Agent Skills, at the installed version. */
  async workspaceIndex(principal: GatewayPrincipal): Promise<AgentSkillsIndex> {
    const rows = await this.installed(principal.workspace.id).orderBy('skills.name').execute();
    return this.index(rows, `${this.publicUrl}/ws/${principal.workspace.slug}/.well-known/agent-skills/`);
  }

  /** A public Agent Skill's archive (any of its published versions); 404 for anything else. */
  async publicArchive(scope: string, slug: string, file: string): Promise<Archive> {
    const { name, version } = this.archiveName(scope, slug, file);
    const skill = await this.db.selectFrom('skills').selectAll().where('name', '=', name).executeTakeFirst();
    // The anonymous reader's decision: this index is the same for everyone, signed in or not.
    if (!skill || !(await this.access.can(anonymousViewer, 'skill.read', skill)).allowed) throw notArchive();
    const row = await this.db
      .selectFrom('skill_versions')
      .select(['version', 'blob_key', 'integrity', 'shasum'])
      .where('skill_id', '=', skill.id)
      .where('version', '=', version)
      .where('unpublished_at', 'is', null)
      .where(sql<SqlBool>`aerostack->>'type' = 'agent-skill'`)
      .executeTakeFirst();
    if (!row) throw notArchive();
    return this.reads.openTarball(skill, {
      version: row.version,
      blobKey: row.blob_key,
      integrity: row.integrity,
      shasum: row.shasum,
    });
  }

  /** The archive of an Agent Skill installed in the principal's workspace, at the installed version only. */
  async workspaceArchive(principal: GatewayPrincipal, scope: string, slug: string, file: string): Promise<Archive> {
    const { name, version } = this.archiveName(scope, slug, file);
    const row = await this.installed(principal.workspace.id)
      .select(['skills.id', 'skills.visibility', 'skill_versions.integrity', 'skill_versions.shasum'])
      .where('skills.name', '=', name)
      .where('skill_versions.version', '=', version)
      .executeTakeFirst();
    if (!row) throw notArchive();
    const skill = await this.db.selectFrom('skills').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    return this.reads.openTarball(skill, {
      version: row.version,
      blobKey: row.blob_key,
      integrity: row.integrity,
      shasum: row.shasum,
    });
  }

  private installed(workspaceId: number) {
    return this.db
      .selectFrom('workspace_skills')
      .innerJoin('skills', 'skills.id', 'workspace_skills.skill_id')
      .innerJoin('skill_versions', (j) =>
        j
          .onRef('skill_versions.skill_id', '=', 'workspace_skills.skill_id')
          .onRef('skill_versions.version', '=', 'workspace_skills.version'),
      )
      .select(['skills.name', 'skills.namespace', 'skills.slug', 'skill_versions.version'])
      .select(['skill_versions.aerostack', 'skill_versions.blob_key', 'skill_versions.sha256'])
      .where('workspace_skills.workspace_id', '=', workspaceId)
      .where('skill_versions.unpublished_at', 'is', null)
      .where(sql<SqlBool>`skill_versions.aerostack->>'type' = 'agent-skill'`);
  }

  private archiveName(scope: string, slug: string, file: string): { name: string; version: string } {
    const version = scope.startsWith('@') ? archiveVersion(slug, file) : null;
    if (version === null) throw notArchive();
    return { name: `${scope}/${slug}`, version };
  }

  private async index(rows: IndexRow[], base: string): Promise<AgentSkillsIndex> {
    const shas = await this.digests.of(rows);
    return {
      $schema: AGENT_SKILLS_INDEX_SCHEMA,
      skills: rows.map((r) => ({
        // The Agent Skills name: SKILL.md's `name`, which is the aerostack.json name (the slug).
        name: r.slug,
        type: 'archive',
        description: cutText(
          typeof r.aerostack.description === 'string' && r.aerostack.description ? r.aerostack.description : r.name,
          AGENT_SKILL_DESCRIPTION_MAX,
        ),
        url: base + archivePath(r.namespace, r.slug, r.version),
        digest: `sha256:${shas.get(r.blob_key)!}`,
      })),
    };
  }
}

const notArchive = () => notFound('No such Agent Skill archive');
