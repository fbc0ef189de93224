import type { Db, Role, Workspace } from '../../db/schema.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import { workspaceMayHold } from '../access/workspace-rules.js';
import type { AuditLog } from '../audit/audit-log.js';
import { isUniqueViolation } from '../accounts/accounts.js';
import type { Clock } from '../clock.js';
import { badRequest, conflict, forbidden, notFound, unauthorized } from '@aerostack/contract/errors.js';
import { parseSkillName } from '@aerostack/contract/names.js';
import { parseManifest } from '@aerostack/contract/manifest.js';
import type { SkillReads } from '../packages/skill-reads.js';

export const WORKSPACE_SLUG_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface InstalledSkill {
  name: string;
  version: string;
  visibility: string;
  installedBy: string;
  installedAt: string;
}

export interface WorkspaceSummary {
  slug: string;
  namespace: string;
  role: Role;
  skills: number;
  createdAt: string;
}

/** Who an audit row names: `alice@acme` (a user in the workspace's namespace). */
export const actorLabel = (username: string, namespace: string): string => `${username}@${namespace}`;

/**
 * Workspaces put a set of installed skills behind one gateway URL. The owner and admins of the
 * namespace create, delete and uninstall; every member may install (what members may read).
 */
export class Workspaces {
  constructor(
    private readonly db: Db,
    private readonly access: AccessControl,
    private readonly reads: SkillReads,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** The workspace and the viewer's role in its namespace; 404 when it does not exist or the viewer is not in it. */
  async open(viewer: Viewer, slug: string, need: 'member' | 'manager'): Promise<{ ws: Workspace; role: Role }> {
    if (!viewer.user) throw unauthorized('Sign in first (aerostack login)');
    const ws = await this.db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
    const role = ws ? await this.access.roleIn(viewer, ws.namespace) : null;
    // Outsiders cannot tell a workspace they may not see from one that does not exist.
    if (!ws || !role) throw notFound(`No workspace "${slug}"`);
    if (need === 'manager' && role === 'member') throw forbidden(`Only the owner and admins of @${ws.namespace} can do that in workspace ${slug}`);
    if (need === 'manager' && viewer.token?.readonly) throw forbidden('This token is read-only');
    return { ws, role };
  }

  async create(viewer: Viewer, slug: string, namespace?: string): Promise<Workspace> {
    const user = viewer.user;
    if (!user) throw unauthorized('Sign in first (aerostack login)');
    if (!WORKSPACE_SLUG_RE.test(slug)) throw badRequest(`Invalid workspace name "${slug}": use lowercase letters, digits and "-" (at most 63)`);
    const ns = namespace ?? user.username;
    const role = await this.access.roleIn(viewer, ns);
    if (role !== 'owner' && role !== 'admin') throw forbidden(`Only the owner and admins of @${ns} can create its workspaces`);
    if (viewer.token?.readonly) throw forbidden('This token is read-only');
    try {
      const ws = await this.db
        .insertInto('workspaces')
        .values({ slug, namespace: ns, created_by: user.id, created_at: this.clock.now() })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record({ workspaceId: ws.id, workspace: slug, namespace: ns, actorUserId: user.id, actor: actorLabel(user.username, ns), action: 'workspace_created' });
      return ws;
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`The workspace name "${slug}" is taken`);
      throw err;
    }
  }

  async list(viewer: Viewer): Promise<WorkspaceSummary[]> {
    const user = viewer.user;
    if (!user) throw unauthorized('Sign in first (aerostack login)');
    const rows = await this.db
      .selectFrom('workspaces as w')
      .innerJoin('memberships as m', (j) => j.onRef('m.namespace', '=', 'w.namespace').on('m.user_id', '=', user.id))
      .select(['w.slug', 'w.namespace', 'm.role', 'w.created_at'])
      .select((eb) => eb.selectFrom('workspace_skills').select(eb.fn.countAll<number>().as('n')).whereRef('workspace_skills.workspace_id', '=', 'w.id').as('skills'))
      .orderBy('w.slug')
      .execute();
    return rows.map((r) => ({ slug: r.slug, namespace: r.namespace, role: r.role, skills: Number(r.skills ?? 0), createdAt: r.created_at.toISOString() }));
  }

  async remove(viewer: Viewer, slug: string): Promise<void> {
    const { ws } = await this.open(viewer, slug, 'manager');
    await this.db.deleteFrom('workspaces').where('id', '=', ws.id).execute();
    const user = viewer.user!;
    // The log outlives the workspace: its rows keep the slug and namespace.
    await this.audit.record({ workspaceId: ws.id, workspace: slug, namespace: ws.namespace, actorUserId: user.id, actor: actorLabel(user.username, ws.namespace), action: 'workspace_deleted' });
  }

  async skills(viewer: Viewer, slug: string): Promise<InstalledSkill[]> {
    const { ws } = await this.open(viewer, slug, 'member');
    return this.installed(ws.id);
  }

  async installed(workspaceId: number): Promise<InstalledSkill[]> {
    const rows = await this.db
      .selectFrom('workspace_skills as ws')
      .innerJoin('skills as s', 's.id', 'ws.skill_id')
      .innerJoin('users as u', 'u.id', 'ws.installed_by')
      .select(['s.name', 's.visibility', 'ws.version', 'u.username', 'ws.installed_at'])
      .where('ws.workspace_id', '=', workspaceId)
      .orderBy('s.name')
      .execute();
    return rows.map((r) => ({ name: r.name, version: r.version, visibility: r.visibility, installedBy: r.username, installedAt: r.installed_at.toISOString() }));
  }

  /** Installs (or moves to) an exact version. Installing what is installed succeeds and is recorded. */
  async install(viewer: Viewer, slug: string, rawName: string, version: string): Promise<{ name: string; version: string; changed: boolean }> {
    const { ws } = await this.open(viewer, slug, 'member');
    const user = viewer.user!;
    const name = parseSkillName(rawName);
    // The installer must be able to read the skill (the visibility table's 401/403/404 otherwise)…
    const skill = await this.reads.findReadable(viewer, name.full);
    // …and every member of the workspace's namespace must be able to read it too.
    if (!workspaceMayHold(skill, ws.namespace)) {
      throw forbidden(
        skill.visibility === 'private'
          ? `${skill.name} is private; a workspace can hold only skills its team may read`
          : `${skill.name} is shared with the @${skill.namespace} team only; workspace ${slug} belongs to @${ws.namespace}`,
      );
    }
    const row = await this.db.selectFrom('skill_versions').select(['id', 'aerostack']).where('skill_id', '=', skill.id).where('version', '=', version).where('unpublished_at', 'is', null).executeTakeFirst();
    if (!row) throw notFound(`${skill.name}@${version} not found`);
    // A manifest stored before the gateway's rules were tightened (a non-node command, Node options
    // in args) is refused here, where the installer sees why, not later in a gateway log.
    parseManifest(row.aerostack);
    const previous = await this.db.selectFrom('workspace_skills').select('version').where('workspace_id', '=', ws.id).where('skill_id', '=', skill.id).executeTakeFirst();
    await this.db
      .insertInto('workspace_skills')
      .values({ workspace_id: ws.id, skill_id: skill.id, version, installed_by: user.id, installed_at: this.clock.now() })
      .onConflict((oc) => oc.columns(['workspace_id', 'skill_id']).doUpdateSet({ version, installed_by: user.id, installed_at: this.clock.now() }))
      .execute();
    await this.audit.record({
      workspaceId: ws.id,
      workspace: slug,
      namespace: ws.namespace,
      actorUserId: user.id,
      actor: actorLabel(user.username, ws.namespace),
      action: 'install',
      skill: skill.name,
      detail: `${skill.name}@${version}`,
    });
    return { name: skill.name, version, changed: previous?.version !== version };
  }

  async uninstall(viewer: Viewer, slug: string, rawName: string): Promise<void> {
    const { ws } = await this.open(viewer, slug, 'manager');
    const name = parseSkillName(rawName);
    const res = await this.db
      .deleteFrom('workspace_skills')
      .where('workspace_id', '=', ws.id)
      .where('skill_id', '=', (eb) => eb.selectFrom('skills').select('id').where('name', '=', name.full))
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound(`${name.full} is not installed in workspace ${slug}`);
    const user = viewer.user!;
    await this.audit.record({ workspaceId: ws.id, workspace: slug, namespace: ws.namespace, actorUserId: user.id, actor: actorLabel(user.username, ws.namespace), action: 'uninstall', skill: name.full });
  }
}
