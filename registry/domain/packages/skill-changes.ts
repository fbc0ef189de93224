import semver from 'semver';
import type { Db, Skill, Visibility } from '../../db/schema.js';
import type { BlobStore } from '@aerostack/storage/blob-store.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import type { Clock } from '../clock.js';
import { badRequest, forbidden, notFound } from '@aerostack/contract/errors.js';
import type { PackageBody } from './publish-body.js';
import type { SkillReads } from './skill-reads.js';
import { recomputeLatest, setTag } from './dist-tags.js';
import { DIST_TAG_RE } from '@aerostack/contract/names.js';

export interface SkillChangesDeps {
  db: Db;
  blobs: BlobStore;
  access: AccessControl;
  reads: SkillReads;
  clock: Clock;
  unpublishWindowMs: number;
  onBlobOrphaned?: (key: string, err: unknown) => void;
}

/** Changes to an existing skill other than publishing: tags, deprecation, unpublish, visibility. */
export class SkillChanges {
  constructor(private readonly deps: SkillChangesDeps) {}

  private async manageable(viewer: Viewer, rawName: string): Promise<Skill> {
    const skill = await this.deps.reads.findReadable(viewer, rawName);
    await this.deps.access.assertCan(viewer, 'skill.manage', skill);
    return skill;
  }

  async setDistTag(viewer: Viewer, rawName: string, tag: string, version: unknown): Promise<Record<string, string>> {
    const skill = await this.manageable(viewer, rawName);
    if (!DIST_TAG_RE.test(tag) || semver.validRange(tag))
      throw badRequest(`Invalid dist-tag "${tag}": tags are names like "beta", not versions or ranges`);
    if (typeof version !== 'string' || !semver.valid(version))
      throw badRequest('The body must be a JSON string holding a version, e.g. "1.2.0"');
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('skill_versions')
        .select('id')
        .where('skill_id', '=', skill.id)
        .where('version', '=', version)
        .where('unpublished_at', 'is', null)
        .executeTakeFirst();
      if (!row) throw notFound(`${skill.name}@${version} not found`);
      await setTag(trx, skill.id, tag, version);
      await touch(trx, skill.id, this.deps.clock.now());
    });
    return this.deps.reads.tagsOf(skill.id);
  }

  async removeDistTag(viewer: Viewer, rawName: string, tag: string): Promise<Record<string, string>> {
    const skill = await this.manageable(viewer, rawName);
    if (tag === 'latest') throw badRequest('The latest tag cannot be removed; point it at another version instead');
    const tags = await this.deps.reads.tagsOf(skill.id);
    if (!(tag in tags)) throw notFound(`${skill.name} has no dist-tag "${tag}"`);
    await this.deps.db.transaction().execute(async (trx) => {
      await setTag(trx, skill.id, tag, null);
      await touch(trx, skill.id, this.deps.clock.now());
    });
    return this.deps.reads.tagsOf(skill.id);
  }

  /**
   * npm's metadata-only PUT: `npm deprecate` sends the document back with `deprecated` set (or "" to
   * undeprecate). With `removeMissing` (npm unpublish's `PUT /:name/-rev/:rev`), versions left out
   * of the body are unpublished.
   */
  async updateMetadata(
    viewer: Viewer,
    rawName: string,
    body: PackageBody,
    opts: { removeMissing: boolean },
  ): Promise<void> {
    const skill = await this.manageable(viewer, rawName);
    const rows = await this.deps.db
      .selectFrom('skill_versions')
      .select(['version', 'deprecated'])
      .where('skill_id', '=', skill.id)
      .where('unpublished_at', 'is', null)
      .execute();
    const changes = rows.flatMap((r) => {
      const sent = body.versions[r.version];
      if (!sent || sent.deprecated === undefined) return [];
      const next = sent.deprecated.trim() === '' ? null : sent.deprecated.slice(0, 1024);
      return next === r.deprecated ? [] : [{ version: r.version, deprecated: next }];
    });
    const removed = opts.removeMissing ? rows.filter((r) => !(r.version in body.versions)).map((r) => r.version) : [];
    if (removed.length) await this.unpublish(viewer, rawName, removed);
    if (!changes.length) return;
    await this.deps.db.transaction().execute(async (trx) => {
      for (const c of changes) {
        await trx
          .updateTable('skill_versions')
          .set({ deprecated: c.deprecated })
          .where('skill_id', '=', skill.id)
          .where('version', '=', c.version)
          .execute();
      }
      await touch(trx, skill.id, this.deps.clock.now());
    });
  }

  /**
   * Unpublishes versions (all live ones when `versions` is 'all') published within the window. The rows
   * stay, marked, so the numbers are never reused; their bytes are removed once nothing else uses them.
   */
  async unpublish(viewer: Viewer, rawName: string, versions: string[] | 'all'): Promise<string[]> {
    const skill = await this.manageable(viewer, rawName);
    const now = this.deps.clock.now();
    const done = await this.deps.db.transaction().execute(async (trx) => {
      await trx.selectFrom('skills').select('id').where('id', '=', skill.id).forUpdate().execute();
      const live = await trx
        .selectFrom('skill_versions')
        .select(['version', 'published_at', 'blob_key'])
        .where('skill_id', '=', skill.id)
        .where('unpublished_at', 'is', null)
        .execute();
      const targets = versions === 'all' ? live : live.filter((v) => versions.includes(v.version));
      if (versions !== 'all') {
        const missing = versions.filter((v) => !live.some((l) => l.version === v));
        if (missing.length) throw notFound(`${skill.name}@${missing[0]} not found`);
      }
      if (!targets.length) throw notFound(`${skill.name} has no published versions`);
      const tooOld = targets.find((v) => now.getTime() - v.published_at.getTime() > this.deps.unpublishWindowMs);
      if (tooOld) {
        const hours = Math.round(this.deps.unpublishWindowMs / 3_600_000);
        throw forbidden(
          `${skill.name}@${tooOld.version} was published more than ${hours} hours ago and cannot be unpublished; deprecate it instead`,
        );
      }
      const names = targets.map((t) => t.version);
      await trx
        .updateTable('skill_versions')
        .set({ unpublished_at: now })
        .where('skill_id', '=', skill.id)
        .where('version', 'in', names)
        .execute();
      await trx.deleteFrom('dist_tags').where('skill_id', '=', skill.id).where('version', 'in', names).execute();
      await recomputeLatest(trx, skill.id);
      await touch(trx, skill.id, now);
      return targets;
    });
    for (const t of done) await this.dropBlobIfUnused(t.blob_key);
    return done.map((t) => t.version);
  }

  async setVisibility(viewer: Viewer, rawName: string, visibility: Visibility): Promise<Skill> {
    const skill = await this.manageable(viewer, rawName);
    return this.deps.db
      .updateTable('skills')
      .set({ visibility, updated_at: this.deps.clock.now() })
      .where('id', '=', skill.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  private async dropBlobIfUnused(key: string): Promise<void> {
    const inUse = await this.deps.db
      .selectFrom('skill_versions')
      .select('id')
      .where('blob_key', '=', key)
      .where('unpublished_at', 'is', null)
      .executeTakeFirst();
    if (inUse) return;
    try {
      await this.deps.blobs.delete(key);
    } catch (err) {
      // The version is already gone from every read; `aerostack-registry gc` retries the bytes later.
      this.deps.onBlobOrphaned?.(key, err);
    }
  }
}

const touch = (trx: Db, skillId: number, now: Date) =>
  trx.updateTable('skills').set({ updated_at: now }).where('id', '=', skillId).execute();
