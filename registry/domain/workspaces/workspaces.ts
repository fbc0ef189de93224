import type { Db, Skill, Workspace } from '../../db/schema.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import { assertCan, can, type Actor, type Resources } from '../access/policy.js';
import type { AuditLog } from '../audit/audit-log.js';
import { isUniqueViolation } from '../accounts/accounts.js';
import type { Clock } from '../clock.js';
import { DomainError, conflict, notFound, unauthorized } from '@aerostack/contract/errors.js';
import { checkWorkspaceSlug, parseSkillName } from '@aerostack/contract/names.js';
import { declaredNetwork, parseManifest } from '@aerostack/contract/manifest.js';
import type { SkillReads } from '../packages/skill-reads.js';
import type { Installed, InstalledSkill, WorkspaceInfo } from '@aerostack/contract/api.js';
import type { GatewayPrincipal } from './workspace-tokens.js';

/** A workspace as its list shows it (the route adds the gateway URL). */
export type WorkspaceSummary = Omit<WorkspaceInfo, 'url'>;

/** What opening a workspace may be for. */
type WorkspaceAction = {
  [A in keyof Resources]: Resources[A] extends { namespace: string; slug: string }
    ? keyof Resources[A] extends 'namespace' | 'slug'
      ? A
      : never
    : never;
}[keyof Resources];

/** A skill version installed in a workspace, as the gateway runs it. */
export interface RunnableSkill {
  name: string;
  namespace: string;
  slug: string;
  visibility: Skill['visibility'];
  version_id: number;
  version: string;
  integrity: string;
  blob_key: string;
  aerostack: unknown;
  /** The `network` entries approved at install: the most its egress proxy lets through. */
  approved_network: string[];
}

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

  /**
   * The workspace and the viewer as the policy sees it there, once `action` is allowed: 404 when it
   * does not exist or the viewer is not in its namespace (outsiders cannot tell the two apart).
   */
  async open(viewer: Viewer, slug: string, action: WorkspaceAction): Promise<{ ws: Workspace; actor: Actor }> {
    const ws = await this.db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
    const actor = await this.access.actorIn(viewer, ws?.namespace ?? null);
    assertCan(actor, action, { namespace: ws?.namespace ?? '', slug });
    return { ws: ws!, actor };
  }

  async create(viewer: Viewer, slug: string, namespace?: string): Promise<Workspace> {
    const ns = namespace ?? viewer.user?.username ?? '';
    await this.access.assertCan(viewer, 'workspace.create', { namespace: ns });
    const user = viewer.user!;
    checkWorkspaceSlug(slug);
    try {
      const ws = await this.db
        .insertInto('workspaces')
        .values({ slug, namespace: ns, created_by: user.id, created_at: this.clock.now() })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.recordUserAction(ws, user, 'workspace_created');
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
      .select((eb) =>
        eb
          .selectFrom('workspace_skills')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('workspace_skills.workspace_id', '=', 'w.id')
          .as('skills'),
      )
      .orderBy('w.slug')
      .execute();
    const readonly = viewer.token?.readonly ?? false;
    return rows.map((r) => ({
      slug: r.slug,
      namespace: r.namespace,
      role: r.role,
      canManage: can({ user, readonly, role: r.role }, 'workspace.manage', { namespace: r.namespace, slug: r.slug })
        .allowed,
      skills: Number(r.skills ?? 0),
      createdAt: r.created_at.toISOString(),
    }));
  }

  /**
   * The installed versions a gateway caller may run, by the policy: the workspace may hold the skill,
   * and a token bound to a member runs only what that member may read.
   */
  async runnableSkills(p: GatewayPrincipal): Promise<RunnableSkill[]> {
    const rows = await this.db
      .selectFrom('workspace_skills as w')
      .innerJoin('skills as s', 's.id', 'w.skill_id')
      .innerJoin('skill_versions as v', (j) => j.onRef('v.skill_id', '=', 's.id').onRef('v.version', '=', 'w.version'))
      .select([
        's.name',
        's.namespace',
        's.slug',
        's.visibility',
        'v.id as version_id',
        'v.version',
        'v.integrity',
        'v.blob_key',
        'v.aerostack',
        'w.approved_network',
      ])
      .where('w.workspace_id', '=', p.workspace.id)
      .where('v.unpublished_at', 'is', null)
      .orderBy('s.name')
      .execute();
    // One query for the caller's role in every namespace involved, then the policy per skill.
    const member = p.user ? { user: p.user, token: null } : null;
    const roles = member
      ? await this.access.rolesIn(
          member,
          rows.map((r) => r.namespace),
        )
      : null;
    const ws = { namespace: p.workspace.namespace, slug: p.workspace.slug };
    const caller: Actor = { user: p.user, readonly: true, role: null };
    return rows.filter((r) => {
      if (!can(caller, 'workspace.hold', { ...ws, skill: r }).allowed) return false;
      if (!member || !roles) return true;
      return can({ user: member.user, readonly: false, role: roles.get(r.namespace) ?? null }, 'skill.read', r).allowed;
    });
  }

  async remove(viewer: Viewer, slug: string): Promise<void> {
    const { ws } = await this.open(viewer, slug, 'workspace.manage');
    await this.db.deleteFrom('workspaces').where('id', '=', ws.id).execute();
    const user = viewer.user!;
    // The log outlives the workspace: its rows keep the slug and namespace.
    await this.audit.recordUserAction(ws, user, 'workspace_deleted');
  }

  async skills(viewer: Viewer, slug: string): Promise<InstalledSkill[]> {
    const { ws } = await this.open(viewer, slug, 'workspace.read');
    return this.installed(ws.id);
  }

  async installed(workspaceId: number): Promise<InstalledSkill[]> {
    const rows = await this.db
      .selectFrom('workspace_skills as ws')
      .innerJoin('skills as s', 's.id', 'ws.skill_id')
      .innerJoin('users as u', 'u.id', 'ws.installed_by')
      .innerJoin('skill_versions as v', (j) => j.onRef('v.skill_id', '=', 's.id').onRef('v.version', '=', 'ws.version'))
      .select([
        's.name',
        's.visibility',
        'ws.version',
        'v.aerostack',
        'u.username',
        'ws.installed_at',
        'ws.approved_network',
      ])
      .where('ws.workspace_id', '=', workspaceId)
      .orderBy('s.name')
      .execute();
    return rows.map((r) => ({
      name: r.name,
      version: r.version,
      // Validated at publish; the onboarding script unpacks an `agent-skill` into the member's agent.
      type: parseManifest(r.aerostack).type,
      visibility: r.visibility,
      installedBy: r.username,
      installedAt: r.installed_at.toISOString(),
      network: r.approved_network,
    }));
  }

  /**
   * Installs (or moves to) an exact version. Installing what is installed succeeds and is recorded.
   * A version that declares `network` hosts not yet approved for this skill here is refused (403
   * `network_approval_required`, naming them) unless the installer consents with `allowNetwork`;
   * the approved hosts are then exactly the version's.
   */
  async install(
    viewer: Viewer,
    slug: string,
    rawName: string,
    version: string,
    opts: { allowNetwork: boolean } = { allowNetwork: false },
  ): Promise<Installed> {
    const { ws, actor } = await this.open(viewer, slug, 'workspace.manage');
    const user = viewer.user!;
    const name = parseSkillName(rawName);
    // The installer must be able to read the skill (the visibility table's 401/403/404 otherwise)…
    const skill = await this.reads.findReadable(viewer, name.full);
    // …and every member of the workspace's namespace must be able to read it too.
    assertCan(actor, 'workspace.hold', { namespace: ws.namespace, slug, skill });
    const row = await this.db
      .selectFrom('skill_versions')
      .select(['id', 'aerostack'])
      .where('skill_id', '=', skill.id)
      .where('version', '=', version)
      .where('unpublished_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound(`${skill.name}@${version} not found`);
    // A manifest stored before the gateway's rules were tightened (a non-node command, Node options
    // in args) is refused here, where the installer sees why, not later in a gateway log.
    const network = declaredNetwork(parseManifest(row.aerostack));
    const previous = await this.db
      .selectFrom('workspace_skills')
      .select(['version', 'approved_network'])
      .where('workspace_id', '=', ws.id)
      .where('skill_id', '=', skill.id)
      .executeTakeFirst();
    const approved = new Set(previous?.approved_network ?? []);
    const unapproved = network.filter((h) => !approved.has(h));
    if (unapproved.length > 0 && !opts.allowNetwork)
      throw new DomainError(
        403,
        `${skill.name}@${version} asks to reach ${unapproved.join(', ')}${previous ? ', which this workspace has not approved' : ''}. ` +
          `Install it with --allow-network to approve ${unapproved.length === 1 ? 'this host' : 'these hosts'}`,
        'network_approval_required',
        { network: unapproved },
      );
    await this.db
      .insertInto('workspace_skills')
      .values({
        workspace_id: ws.id,
        skill_id: skill.id,
        version,
        installed_by: user.id,
        installed_at: this.clock.now(),
        approved_network: JSON.stringify(network),
      })
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'skill_id']).doUpdateSet({
          version,
          installed_by: user.id,
          installed_at: this.clock.now(),
          approved_network: JSON.stringify(network),
        }),
      )
      .execute();
    const consent = network.length ? ` (network: ${network.join(', ')})` : '';
    await this.audit.recordUserAction(ws, user, 'install', {
      skill: skill.name,
      detail: `${skill.name}@${version}${consent}`,
    });
    return { name: skill.name, version, changed: previous?.version !== version, network };
  }

  async uninstall(viewer: Viewer, slug: string, rawName: string): Promise<void> {
    const { ws } = await this.open(viewer, slug, 'workspace.manage');
    const name = parseSkillName(rawName);
    const res = await this.db
      .deleteFrom('workspace_skills')
      .where('workspace_id', '=', ws.id)
      .where('skill_id', '=', (eb) => eb.selectFrom('skills').select('id').where('name', '=', name.full))
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound(`${name.full} is not installed in workspace ${slug}`);
    const user = viewer.user!;
    await this.audit.recordUserAction(ws, user, 'uninstall', { skill: name.full });
  }
}
