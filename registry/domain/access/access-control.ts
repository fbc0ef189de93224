import { type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, Db, Role } from '../../db/schema.js';
import { DomainError } from '@aerostack/contract/errors.js';
import { can, type Action, type Actor, type Decision, type Resources } from './policy.js';
import type { Viewer } from './viewer.js';

/**
 * Every read and write path asks this module, and it always answers from the database. Callers that
 * reuse an answer (registry/domain/cache/) do so only under the change epoch it was given in, so a
 * removed member is still refused on the very next request, on every instance.
 */
export class AccessControl {
  constructor(private readonly db: Db) {}

  /** The viewer's role in `namespace`, or null. The namespace row's owner is authoritative for `owner`. */
  async roleIn(viewer: Viewer, namespace: string): Promise<Role | null> {
    if (!viewer.user) return null;
    const row = await this.db
      .selectFrom('namespaces as n')
      .leftJoin('memberships as m', (j) => j.onRef('m.namespace', '=', 'n.name').on('m.user_id', '=', viewer.user!.id))
      .select(['n.owner_id', 'm.role'])
      .where('n.name', '=', namespace)
      .executeTakeFirst();
    if (!row) return null;
    if (row.owner_id === viewer.user.id) return 'owner';
    return row.role === 'owner' ? 'admin' : (row.role ?? null);
  }

  /** The viewer as the policy sees it in `namespace` (registry/domain/access/policy.ts). */
  async actorIn(viewer: Viewer, namespace: string | null): Promise<Actor> {
    return {
      user: viewer.user,
      readonly: viewer.token?.readonly ?? false,
      role: namespace === null ? null : await this.roleIn(viewer, namespace),
    };
  }

  /** The policy's decision for the viewer, its role read from the database now. */
  async can<A extends Action>(viewer: Viewer, action: A, resource: Resources[A]): Promise<Decision> {
    const namespace = 'namespace' in resource ? resource.namespace : null;
    // Public skills are readable by anyone: no database read for the hottest question.
    if (action === 'skill.read' && (resource as Resources['skill.read']).visibility === 'public')
      return can(this.anonymousActor(viewer), action, resource);
    return can(await this.actorIn(viewer, namespace), action, resource);
  }

  /** `can`, throwing the refusal (401/403/404 with its message). */
  async assertCan<A extends Action>(viewer: Viewer, action: A, resource: Resources[A]): Promise<void> {
    const d = await this.can(viewer, action, resource);
    if (!d.allowed) throw new DomainError(d.status, d.reason);
  }

  private anonymousActor(viewer: Viewer): Actor {
    return { user: viewer.user, readonly: viewer.token?.readonly ?? false, role: null };
  }

  /**
   * The viewer's role in each of `namespaces`, in one query (lists that check many skills at once —
   * the gateway's catalogue — would otherwise ask once per skill).
   */
  async rolesIn(viewer: Viewer, namespaces: string[]): Promise<Map<string, Role | null>> {
    const out = new Map<string, Role | null>();
    const unique = [...new Set(namespaces)];
    for (const ns of unique) out.set(ns, null);
    if (!viewer.user || !unique.length) return out;
    const rows = await this.db
      .selectFrom('namespaces as n')
      .leftJoin('memberships as m', (j) => j.onRef('m.namespace', '=', 'n.name').on('m.user_id', '=', viewer.user!.id))
      .select(['n.name', 'n.owner_id', 'm.role'])
      .where('n.name', 'in', unique)
      .execute();
    for (const r of rows)
      out.set(r.name, r.owner_id === viewer.user.id ? 'owner' : r.role === 'owner' ? 'admin' : (r.role ?? null));
    return out;
  }

  /**
   * The same table as a SQL condition on `skills`, for lists and search: public, or the viewer owns
   * the namespace, or it is a team skill of a namespace the viewer belongs to.
   */
  visibleSkills(viewer: Viewer): (eb: ExpressionBuilder<Database, 'skills'>) => Expression<SqlBool> {
    const userId = viewer.user?.id;
    return (eb) => {
      if (userId === undefined) return eb('skills.visibility', '=', 'public');
      return eb.or([
        eb('skills.visibility', '=', 'public'),
        eb('skills.namespace', 'in', eb.selectFrom('namespaces').select('name').where('owner_id', '=', userId)),
        eb.and([
          eb('skills.visibility', '=', 'team'),
          eb('skills.namespace', 'in', eb.selectFrom('memberships').select('namespace').where('user_id', '=', userId)),
        ]),
      ]);
    };
  }
}
