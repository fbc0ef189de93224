import type { Db, Workspace } from '../../db/schema.js';
import type { Viewer } from '../access/viewer.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { notFound, unavailable } from '@aerostack/contract/errors.js';
import { declaredSecrets, parseManifest } from '@aerostack/contract/manifest.js';
import { checkEnvName } from '@aerostack/contract/names.js';
import type { SecretList, SecretSummary } from '@aerostack/contract/api.js';
import { SecretKeyMismatchError, type SecretBox } from './secret-box.js';
import type { Workspaces } from './workspaces.js';

/**
 * The secrets a workspace gives its skills (`CRM_API_KEY`), sealed at rest by a SecretBox. Owners
 * and admins set and delete them; members see their names. A value leaves this class only through
 * `valuesFor`, which the gateway calls to start a skill process: no answer, log line or audit row
 * ever carries one.
 */
export class WorkspaceSecrets {
  constructor(
    private readonly db: Db,
    private readonly workspaces: Workspaces,
    /** The registry's key, loaded on first use (a key file is read, or made, in the data dir). */
    private readonly box: () => Promise<SecretBox>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async set(viewer: Viewer, slug: string, rawName: string, value: string): Promise<SecretSummary> {
    const { ws } = await this.workspaces.open(viewer, slug, 'workspace.secret.manage');
    const name = checkEnvName(rawName);
    const sealed = (await this.key()).seal(value, sealContext(ws.id, name));
    const user = viewer.user!;
    const now = this.clock.now();
    await this.db
      .insertInto('workspace_secrets')
      .values({ workspace_id: ws.id, name, sealed, set_by: user.id, set_at: now })
      .onConflict((oc) => oc.columns(['workspace_id', 'name']).doUpdateSet({ sealed, set_by: user.id, set_at: now }))
      .execute();
    // The name only: the audit log is read by every admin, and is never where a value goes.
    await this.audit.recordUserAction(ws, user, 'secret_set', { detail: name });
    return {
      name,
      setBy: user.username,
      setAt: now.toISOString(),
      usedBy: (await this.declaredBy(ws)).all.get(name) ?? [],
    };
  }

  async list(viewer: Viewer, slug: string): Promise<SecretList> {
    const { ws } = await this.workspaces.open(viewer, slug, 'workspace.secret.list');
    const rows = await this.db
      .selectFrom('workspace_secrets as s')
      .innerJoin('users as u', 'u.id', 's.set_by')
      .select(['s.name', 'u.username', 's.set_at'])
      .where('s.workspace_id', '=', ws.id)
      .orderBy('s.name')
      .execute();
    const { all: declared, required } = await this.declaredBy(ws);
    const set = new Set(rows.map((r) => r.name));
    return {
      workspace: ws.slug,
      secrets: rows.map((r) => ({
        name: r.name,
        setBy: r.username,
        setAt: r.set_at.toISOString(),
        usedBy: declared.get(r.name) ?? [],
      })),
      missing: [...required]
        .filter(([name]) => !set.has(name))
        .map(([name, usedBy]) => ({ name, usedBy }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  async remove(viewer: Viewer, slug: string, rawName: string): Promise<void> {
    const { ws } = await this.workspaces.open(viewer, slug, 'workspace.secret.manage');
    const name = checkEnvName(rawName);
    const res = await this.db
      .deleteFrom('workspace_secrets')
      .where('workspace_id', '=', ws.id)
      .where('name', '=', name)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound(`No secret ${name} in workspace ${slug}`);
    await this.audit.recordUserAction(ws, viewer.user!, 'secret_deleted', { detail: name });
  }

  /**
   * The values of `names` that are set in the workspace, for the skill process that declares them
   * (the gateway's only way to a value), and why any that is set cannot be opened (sealed under
   * another key, say): said without quoting it.
   */
  async valuesFor(
    workspaceId: number,
    names: readonly string[],
  ): Promise<{ values: Map<string, string>; unreadable: Map<string, string> }> {
    const values = new Map<string, string>();
    const unreadable = new Map<string, string>();
    if (names.length === 0) return { values, unreadable };
    const rows = await this.db
      .selectFrom('workspace_secrets')
      .select(['name', 'sealed'])
      .where('workspace_id', '=', workspaceId)
      .where('name', 'in', names)
      .execute();
    if (rows.length === 0) return { values, unreadable };
    let box: SecretBox;
    try {
      box = await this.box();
    } catch (err) {
      for (const r of rows) unreadable.set(r.name, `the registry's key is unavailable (${(err as Error).message})`);
      return { values, unreadable };
    }
    for (const r of rows) {
      try {
        values.set(r.name, box.open(r.sealed, sealContext(workspaceId, r.name)));
      } catch (err) {
        unreadable.set(r.name, err instanceof SecretKeyMismatchError ? err.message : 'it does not decrypt');
      }
    }
    return { values, unreadable };
  }

  /** Resolves once the registry's key is loaded (made, for an embedded install); rejects with why not. */
  async ready(): Promise<void> {
    await this.box();
  }

  private async key(): Promise<SecretBox> {
    try {
      return await this.box();
    } catch (err) {
      throw unavailable(`Workspace secrets are unavailable on this registry: ${(err as Error).message}`);
    }
  }

  /** Secret name → the installed skills whose manifest declares it: all, and those that require it. */
  private async declaredBy(ws: Workspace): Promise<{ all: Map<string, string[]>; required: Map<string, string[]> }> {
    const rows = await this.db
      .selectFrom('workspace_skills as w')
      .innerJoin('skills as s', 's.id', 'w.skill_id')
      .innerJoin('skill_versions as v', (j) => j.onRef('v.skill_id', '=', 's.id').onRef('v.version', '=', 'w.version'))
      .select(['s.name', 'v.aerostack'])
      .where('w.workspace_id', '=', ws.id)
      .orderBy('s.name')
      .execute();
    const all = new Map<string, string[]>();
    const required = new Map<string, string[]>();
    const add = (map: Map<string, string[]>, name: string, skill: string) =>
      map.set(name, [...(map.get(name) ?? []), skill]);
    for (const r of rows) {
      let secrets: ReturnType<typeof declaredSecrets>;
      try {
        secrets = declaredSecrets(parseManifest(r.aerostack));
      } catch {
        continue; // A stored manifest the rules no longer accept runs nowhere: it needs nothing.
      }
      for (const s of secrets) {
        add(all, s.name, r.name);
        if (s.required) add(required, s.name, r.name);
      }
    }
    return { all, required };
  }
}

/** What a sealed value is bound to: a value copied to another workspace or name does not open. */
const sealContext = (workspaceId: number, name: string) => `workspace:${workspaceId}:${name}`;
