import { type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, Db, Role } from '../../db/schema.js';
import { forbidden, unauthorized } from '@aerostack/contract/errors.js';
import type { Viewer } from './viewer.js';
import { assertRead, decideRead, type Relation } from './visibility.js';

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

  async relationTo(viewer: Viewer, namespace: string): Promise<{ relation: Relation; role: Role | null }> {
    if (!viewer.user) return { relation: 'anonymous', role: null };
    const role = await this.roleIn(viewer, namespace);
    if (role === 'owner') return { relation: 'owner', role };
    if (role) return { relation: 'member', role };
    return { relation: 'other', role: null };
  }

  /**
   * The viewer's relation to each of `namespaces`, in one query (lists that check many skills at
   * once — the gateway's catalogue — would otherwise ask once per skill).
   */
  async relationsTo(viewer: Viewer, namespaces: string[]): Promise<Map<string, Relation>> {
    const out = new Map<string, Relation>();
    const unique = [...new Set(namespaces)];
    if (!viewer.user) {
      for (const ns of unique) out.set(ns, 'anonymous');
      return out;
    }
    if (!unique.length) return out;
    const rows = await this.db
      .selectFrom('namespaces as n')
      .leftJoin('memberships as m', (j) => j.onRef('m.namespace', '=', 'n.name').on('m.user_id', '=', viewer.user!.id))
      .select(['n.name', 'n.owner_id', 'm.role'])
      .where('n.name', 'in', unique)
      .execute();
    for (const ns of unique) out.set(ns, 'other');
    for (const r of rows) out.set(r.name, r.owner_id === viewer.user.id ? 'owner' : r.role ? 'member' : 'other');
    return out;
  }

  /** Throws the table's 401/403/404 when the viewer may not read the skill. */
  async assertCanRead(viewer: Viewer, skill: { name: string; namespace: string; visibility: Database['skills']['visibility'] }) {
    if (skill.visibility === 'public') return;
    const { relation } = await this.relationTo(viewer, skill.namespace);
    assertRead(decideRead(skill.visibility, relation, skill));
  }

  /** Publishing into, and changing skills of, a namespace: its owner and admins, with a token that may write. */
  async assertCanPublish(viewer: Viewer, namespace: string): Promise<void> {
    if (!viewer.user) throw unauthorized('Sign in to publish (aerostack login, or npm adduser)');
    if (viewer.token?.readonly) throw forbidden('This token is read-only; create a publish token to publish');
    const role = await this.roleIn(viewer, namespace);
    if (role !== 'owner' && role !== 'admin') throw forbidden(`You do not have permission to publish to @${namespace}`);
  }

  /** Changing an existing skill: the viewer must be able to see it first (private stays 404), then publish. */
  async assertCanManage(viewer: Viewer, skill: { name: string; namespace: string; visibility: Database['skills']['visibility'] }) {
    await this.assertCanRead(viewer, skill);
    await this.assertCanPublish(viewer, skill.namespace);
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

