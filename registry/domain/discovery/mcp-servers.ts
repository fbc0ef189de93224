import { sql, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, Db, Visibility } from '../../db/schema.js';
import type { AccessControl } from '../access/access-control.js';
import { can } from '../access/policy.js';
import type { Viewer } from '../access/viewer.js';
import type { TarballDigests } from './tarball-digests.js';
import { badRequest, notFound } from '@aerostack/contract/errors.js';
import { declaredSecrets, type AerostackManifest } from '@aerostack/contract/manifest.js';
import {
  MCP_DESCRIPTION_MAX,
  MCP_LIST_DEFAULT_LIMIT,
  MCP_LIST_MAX_LIMIT,
  MCP_OFFICIAL_META,
  MCP_SERVER_SCHEMA_URL,
  MCP_STATUS_MESSAGE_MAX,
  MCP_TITLE_MAX,
  cutText,
  mcpSkillServerName,
  mcpWorkspaceServerName,
  parseMcpServerName,
  reverseDnsPrefix,
  type McpOfficialMeta,
  type McpServerList,
  type McpServerResponse,
} from '@aerostack/contract/mcp-registry.js';

/** Where a page ends: entries are skill versions (by id), then workspaces (by id). */
type Cursor = ['v' | 'w', number];

export interface McpListQuery {
  cursor: Cursor | null;
  limit: number;
  /** Lower-cased; matched anywhere in the server name. */
  search: string | null;
  updatedSince: Date | null;
  /** `latest`, or an exact version. */
  version: string | null;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `/v0.1/servers` query parameters, as the official registry takes them; anything else is a 400. */
export function parseMcpListQuery(q: Record<string, unknown>): McpListQuery {
  const str = (name: string): string | null => {
    const v = q[name];
    if (v === undefined || v === '') return null;
    if (typeof v !== 'string') throw badRequest(`${name} must be given once`);
    return v;
  };
  const rawLimit = str('limit');
  const limit = rawLimit === null ? MCP_LIST_DEFAULT_LIMIT : Number(rawLimit);
  if (!/^\d+$/.test(rawLimit ?? '1') || limit < 1 || limit > MCP_LIST_MAX_LIMIT)
    throw badRequest(`limit must be a whole number from 1 to ${MCP_LIST_MAX_LIMIT}`);
  const since = str('updated_since');
  const updatedSince = since === null ? null : new Date(since);
  if (since !== null && (!RFC3339.test(since) || Number.isNaN(updatedSince!.getTime())))
    throw badRequest('updated_since must be an RFC 3339 timestamp (e.g. 2025-08-07T13:15:04.280Z)');
  const search = str('search');
  const version = str('version');
  if (search !== null && search.length > 200) throw badRequest('search must be at most 200 characters');
  if (version !== null && version.length > 255) throw badRequest('version must be at most 255 characters');
  return { cursor: decodeCursor(str('cursor')), limit, search: search?.toLowerCase() ?? null, updatedSince, version };
}

const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeCursor(raw: string | null): Cursor | null {
  if (raw === null) return null;
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(c) && c.length === 2 && (c[0] === 'v' || c[0] === 'w') && Number.isSafeInteger(c[1]))
      return c as Cursor;
  } catch {
    // answered below
  }
  throw badRequest('Invalid cursor: pass metadata.nextCursor from the previous page as it was given');
}

interface VersionRow {
  id: number;
  version: string;
  aerostack: Record<string, unknown>;
  deprecated: string | null;
  published_at: Date;
  blob_key: string;
  sha256: string | null;
  name: string;
  namespace: string;
  slug: string;
  visibility: Visibility;
  latest_version: string | null;
  skill_updated_at: Date;
}

interface WorkspaceRow {
  id: number;
  slug: string;
  namespace: string;
  created_at: Date;
  skills: number;
  updated_at: Date;
}

/**
 * The MCP Registry read API over this registry: every published version of a `type: "mcp"` skill
 * the caller may read is a server.json with an npm package here, and every workspace the caller may
 * use is a server of its own whose remote is the workspace's gateway URL. Which skills: the same SQL
 * form of the visibility table as search (AccessControl.visibleSkills); which workspaces: the
 * policy's `workspace.read` for the caller's role in each namespace.
 */
export class McpServers {
  private readonly prefix: string;

  constructor(
    private readonly db: Db,
    private readonly access: AccessControl,
    private readonly digests: TarballDigests,
    private readonly publicUrl: string,
    /** The gateway's MCP implementation version: a workspace server's `version`. */
    private readonly gatewayVersion: string,
  ) {
    this.prefix = reverseDnsPrefix(publicUrl);
  }

  async list(viewer: Viewer, q: McpListQuery): Promise<McpServerList> {
    const page: { cursor: Cursor; entry: McpServerResponse }[] = [];
    let more = false;
    if (!q.cursor || q.cursor[0] === 'v') {
      const rows = await this.versionRows(viewer, { ...q, afterId: q.cursor?.[1] ?? 0, take: q.limit + 1 });
      more = rows.length > q.limit;
      const kept = rows.slice(0, q.limit);
      const shas = await this.digests.of(kept);
      for (const r of kept) page.push({ cursor: ['v', r.id], entry: this.skillEntry(r, shas.get(r.blob_key)!) });
    }
    if (!more) {
      const after = q.cursor?.[0] === 'w' ? q.cursor[1] : 0;
      for (const w of await this.workspaceRows(viewer, { ...q, afterId: after })) {
        if (page.length === q.limit) {
          more = true;
          break;
        }
        page.push({ cursor: ['w', w.id], entry: this.workspaceEntry(w) });
      }
    }
    const servers = page.map((p) => p.entry);
    return {
      servers,
      metadata: { count: servers.length, ...(more ? { nextCursor: encodeCursor(page.at(-1)!.cursor) } : {}) },
    };
  }

  /** Every version of one server, newest first; 404 for a name this registry does not give. */
  async versions(viewer: Viewer, serverName: string): Promise<McpServerList> {
    const servers = await this.entriesOf(viewer, serverName);
    return { servers, metadata: { count: servers.length } };
  }

  /** One version (`latest`: the one marked latest). */
  async version(viewer: Viewer, serverName: string, version: string): Promise<McpServerResponse> {
    const all = await this.entriesOf(viewer, serverName);
    const hit = all.find((e) =>
      version === 'latest' ? e._meta[MCP_OFFICIAL_META].isLatest : e.server.version === version,
    );
    if (!hit) throw notFound('Server version not found');
    return hit;
  }

  private async entriesOf(viewer: Viewer, serverName: string): Promise<McpServerResponse[]> {
    const parsed = parseMcpServerName(this.prefix, serverName);
    if (!parsed) throw notFound('Server not found');
    if (parsed.kind === 'workspace') {
      const ws = await this.db
        .selectFrom('workspaces')
        .select(['slug', 'namespace'])
        .where('slug', '=', parsed.slug)
        .where('namespace', '=', parsed.namespace)
        .executeTakeFirst();
      // The policy's answer for outsiders (404) and anonymous callers (401) is the gateway's own.
      await this.access.assertCan(viewer, 'workspace.read', { namespace: ws?.namespace ?? '', slug: parsed.slug });
      if (!ws) throw notFound('Server not found');
      const rows = await this.workspaceRows(viewer, { search: null, updatedSince: null, version: null, afterId: 0 });
      const row = rows.find((w) => w.slug === ws.slug);
      if (!row) throw notFound('Server not found');
      return [this.workspaceEntry(row)];
    }
    const skill = await this.db
      .selectFrom('skills')
      .selectAll()
      .where('name', '=', `@${parsed.namespace}/${parsed.slug}`)
      .executeTakeFirst();
    if (!skill) throw notFound('Server not found');
    await this.access.assertCan(viewer, 'skill.read', skill);
    const rows = (await this.versionRows(viewer, { skillId: skill.id, afterId: 0 })).sort(
      (a, b) => b.published_at.getTime() - a.published_at.getTime() || b.id - a.id,
    );
    if (!rows.length) throw notFound('Server not found');
    const shas = await this.digests.of(rows);
    return rows.map((r) => this.skillEntry(r, shas.get(r.blob_key)!));
  }

  private async versionRows(
    viewer: Viewer,
    f: Partial<McpListQuery> & { afterId: number; take?: number; skillId?: number },
  ): Promise<VersionRow[]> {
    const name = sql<string>`${`${this.prefix}.`} || skills.namespace || '/' || skills.slug`;
    const updated = sql<Date>`greatest(skill_versions.published_at, skills.updated_at)`;
    const rows = await this.db
      .selectFrom('skill_versions')
      .innerJoin('skills', 'skills.id', 'skill_versions.skill_id')
      .select([
        'skill_versions.id',
        'skill_versions.version',
        'skill_versions.aerostack',
        'skill_versions.deprecated',
        'skill_versions.published_at',
        'skill_versions.blob_key',
        'skill_versions.sha256',
        'skills.name',
        'skills.namespace',
        'skills.slug',
        'skills.visibility',
        'skills.latest_version',
        'skills.updated_at as skill_updated_at',
      ])
      .where('skill_versions.unpublished_at', 'is', null)
      .where(sql<SqlBool>`skill_versions.aerostack->>'type' = 'mcp'`)
      .where((eb) => this.access.visibleSkills(viewer)(eb as unknown as ExpressionBuilder<Database, 'skills'>))
      .where('skill_versions.id', '>', f.afterId)
      .$if(f.skillId !== undefined, (qb) => qb.where('skills.id', '=', f.skillId!))
      .$if(!!f.search, (qb) => qb.where(sql<SqlBool>`strpos(lower(${name}), ${f.search!}) > 0`))
      .$if(!!f.updatedSince, (qb) => qb.where(updated, '>', f.updatedSince!))
      .$if(f.version === 'latest', (qb) => qb.whereRef('skill_versions.version', '=', 'skills.latest_version'))
      .$if(!!f.version && f.version !== 'latest', (qb) => qb.where('skill_versions.version', '=', f.version!))
      .orderBy('skill_versions.id')
      .$if(f.take !== undefined, (qb) => qb.limit(f.take!))
      .execute();
    return rows;
  }

  /** The workspaces the viewer may use (policy `workspace.read`), with their skill count and last install. */
  private async workspaceRows(
    viewer: Viewer,
    f: Pick<McpListQuery, 'search' | 'updatedSince' | 'version'> & { afterId: number },
  ): Promise<WorkspaceRow[]> {
    const user = viewer.user;
    if (!user) return [];
    if (f.version && f.version !== 'latest' && f.version !== this.gatewayVersion) return [];
    const rows = await this.db
      .selectFrom('workspaces as w')
      .select(['w.id', 'w.slug', 'w.namespace', 'w.created_at'])
      .select((eb) => [
        eb
          .selectFrom('workspace_skills as k')
          .innerJoin('skill_versions as sv', (j) =>
            j.onRef('sv.skill_id', '=', 'k.skill_id').onRef('sv.version', '=', 'k.version'),
          )
          .whereRef('k.workspace_id', '=', 'w.id')
          // Agent Skills are installed there too, but run in the user's agent: the gateway serves none.
          .where(sql<SqlBool>`sv.aerostack->>'type' <> 'agent-skill'`)
          .select((e) => e.fn.countAll<string>().as('n'))
          .as('skills'),
        eb
          .selectFrom('workspace_skills as k')
          .whereRef('k.workspace_id', '=', 'w.id')
          .select((e) => e.fn.max('k.installed_at').as('m'))
          .as('last_install'),
      ])
      .where((eb) =>
        eb.or([
          eb('w.namespace', 'in', eb.selectFrom('namespaces').select('name').where('owner_id', '=', user.id)),
          eb('w.namespace', 'in', eb.selectFrom('memberships').select('namespace').where('user_id', '=', user.id)),
        ]),
      )
      .where('w.id', '>', f.afterId)
      .orderBy('w.id')
      .execute();
    const roles = await this.access.rolesIn(
      viewer,
      rows.map((r) => r.namespace),
    );
    const readonly = viewer.token?.readonly ?? false;
    return rows
      .filter(
        (r) =>
          can({ user, readonly, role: roles.get(r.namespace) ?? null }, 'workspace.read', {
            namespace: r.namespace,
            slug: r.slug,
          }).allowed,
      )
      .map((r) => {
        const last = r.last_install ? new Date(r.last_install) : null;
        return {
          id: r.id,
          slug: r.slug,
          namespace: r.namespace,
          created_at: r.created_at,
          skills: Number(r.skills ?? 0),
          updated_at: last && last > r.created_at ? last : r.created_at,
        };
      })
      .filter(
        (w) =>
          (!f.search || mcpWorkspaceServerName(this.prefix, w.namespace, w.slug).toLowerCase().includes(f.search)) &&
          (!f.updatedSince || w.updated_at > f.updatedSince),
      );
  }

  private skillEntry(r: VersionRow, sha256: string): McpServerResponse {
    const manifest = r.aerostack as unknown as AerostackManifest;
    const env = declaredSecrets(manifest);
    const deprecated = r.deprecated !== null && r.deprecated !== '';
    const meta: McpOfficialMeta = {
      status: deprecated ? 'deprecated' : 'active',
      ...(deprecated ? { statusMessage: cutText(r.deprecated!, MCP_STATUS_MESSAGE_MAX) } : {}),
      publishedAt: r.published_at.toISOString(),
      updatedAt: (r.skill_updated_at > r.published_at ? r.skill_updated_at : r.published_at).toISOString(),
      isLatest: r.version === r.latest_version,
    };
    return {
      server: {
        $schema: MCP_SERVER_SCHEMA_URL,
        name: mcpSkillServerName(this.prefix, r.namespace, r.slug),
        title: cutText(r.name, MCP_TITLE_MAX),
        description: cutText(manifest.description || r.name, MCP_DESCRIPTION_MAX),
        version: r.version,
        packages: [
          {
            registryType: 'npm',
            registryBaseUrl: this.publicUrl,
            identifier: r.name,
            version: r.version,
            fileSha256: sha256,
            transport: { type: 'stdio' },
            // What the workspace's secrets give it when the gateway runs it; a local run asks for them.
            ...(env.length
              ? {
                  environmentVariables: env.map((e) => ({
                    name: e.name,
                    ...(e.description ? { description: e.description } : {}),
                    isRequired: e.required,
                    isSecret: true,
                  })),
                }
              : {}),
          },
        ],
      },
      _meta: { [MCP_OFFICIAL_META]: meta },
    };
  }

  private workspaceEntry(w: WorkspaceRow): McpServerResponse {
    const skills = `${w.skills} skill${w.skills === 1 ? '' : 's'}`;
    return {
      server: {
        $schema: MCP_SERVER_SCHEMA_URL,
        name: mcpWorkspaceServerName(this.prefix, w.namespace, w.slug),
        title: cutText(`Workspace ${w.slug} (@${w.namespace})`, MCP_TITLE_MAX),
        description: cutText(
          `The @${w.namespace} workspace ${w.slug}: ${skills} behind one MCP gateway`,
          MCP_DESCRIPTION_MAX,
        ),
        version: this.gatewayVersion,
        remotes: [
          {
            type: 'streamable-http',
            url: `${this.publicUrl}/ws/${w.slug}`,
            headers: [
              {
                name: 'Authorization',
                description: `An mwt_ token of workspace ${w.slug}: aerostack workspace token create ${w.slug} --name NAME`,
                value: 'Bearer {workspace_token}',
                isRequired: true,
                isSecret: true,
                variables: {
                  workspace_token: { description: 'The mwt_… token', isRequired: true, isSecret: true },
                },
              },
            ],
          },
        ],
      },
      _meta: {
        [MCP_OFFICIAL_META]: {
          status: 'active',
          publishedAt: w.created_at.toISOString(),
          updatedAt: w.updated_at.toISOString(),
          isLatest: true,
        },
      },
    };
  }
}
