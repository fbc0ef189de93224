import type { Db } from '../../db/schema.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import { unauthorized } from '@aerostack/contract/errors.js';
import type { ListedSkill } from '@aerostack/contract/api.js';

/**
 * The skills of every namespace the viewer belongs to (its own, and its teams'), as far as the
 * visibility table lets it read them: members see a team's public and team skills, never its private ones.
 */
export class MemberSkills {
  constructor(
    private readonly db: Db,
    private readonly access: AccessControl,
  ) {}

  async list(viewer: Viewer): Promise<ListedSkill[]> {
    const { db, access } = this;
    const user = viewer.user;
    if (!user) throw unauthorized('Sign in to list your skills (aerostack login)');
    const rows = await db
      .selectFrom('skills')
      .select(['name', 'namespace', 'visibility', 'latest_version', 'description', 'updated_at'])
      .where('namespace', 'in', db.selectFrom('memberships').select('namespace').where('user_id', '=', user.id))
      .where(access.visibleSkills(viewer))
      .where('latest_version', 'is not', null)
      .orderBy('namespace')
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      name: r.name,
      namespace: r.namespace,
      visibility: r.visibility,
      latest: r.latest_version,
      description: r.description,
      updated: r.updated_at.toISOString(),
    }));
  }
}
