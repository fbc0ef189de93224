import type { Readable } from 'node:stream';
import semver from 'semver';
import type { Db, Skill } from '../../db/schema.js';
import type { BlobStore } from '@aerostack/storage/blob-store.js';
import { BlobStoreUnavailableError } from '@aerostack/storage/blob-store.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import { notFoundMessage } from '../access/visibility.js';
import { notFound, unavailable } from '@aerostack/contract/errors.js';
import { parseSkillName, tarballFileName } from '@aerostack/contract/names.js';
import type { PackumentInput } from './packument.js';

/** A published version's stored tarball. */
export interface TarballRef {
  version: string;
  blobKey: string;
  integrity: string;
  shasum: string;
}

/** Every read of a skill goes through `findReadable`, which asks the access module first. */
export class SkillReads {
  constructor(
    private readonly db: Db,
    private readonly access: AccessControl,
    private readonly blobs: BlobStore,
    private readonly publicUrl: string,
  ) {}

  /** The skill, if it exists and the viewer may read it; otherwise the visibility table's 401/403/404. */
  async findReadable(viewer: Viewer, rawName: string): Promise<Skill> {
    const name = parseSkillName(rawName);
    const skill = await this.db.selectFrom('skills').selectAll().where('name', '=', name.full).executeTakeFirst();
    if (!skill) throw notFound(notFoundMessage(name.full));
    await this.access.assertCanRead(viewer, skill);
    return skill;
  }

  /**
   * The exact version a spec names, by npm's rules (as the CLI resolves it): an exact version, a
   * dist-tag, or a range (empty means `latest`); a range takes `latest` when it satisfies and is not
   * deprecated, else the highest satisfying version, non-deprecated first.
   */
  async resolveVersion(viewer: Viewer, rawName: string, rawSpec: string): Promise<{ skill: Skill; version: string }> {
    const skill = await this.findReadable(viewer, rawName);
    const [rows, tags] = await Promise.all([
      this.db.selectFrom('skill_versions').select(['version', 'deprecated']).where('skill_id', '=', skill.id).where('unpublished_at', 'is', null).execute(),
      this.tagsOf(skill.id),
    ]);
    if (!rows.length) throw notFound(`${skill.name} has no published versions`);
    const deprecated = new Map(rows.map((r) => [r.version, r.deprecated !== null]));
    const spec = rawSpec.trim() || 'latest';
    const noMatch = () => notFound(`No version of ${skill.name} matches "${spec}"`);
    const exact = semver.valid(spec, { loose: true });
    if (exact) {
      if (deprecated.has(exact)) return { skill, version: exact };
      throw notFound(`${skill.name}@${spec} not found`);
    }
    if (!semver.validRange(spec, { loose: true })) {
      const tagged = tags[spec];
      if (tagged && deprecated.has(tagged)) return { skill, version: tagged };
      throw noMatch();
    }
    const latest = tags.latest;
    if (latest && deprecated.get(latest) === false && semver.satisfies(latest, spec, { loose: true })) return { skill, version: latest };
    const best = [...deprecated.keys()]
      .filter((v) => semver.satisfies(v, spec, { loose: true }))
      .sort((a, b) => Number(deprecated.get(a)) - Number(deprecated.get(b)) || semver.rcompare(a, b, { loose: true }))[0];
    if (!best) throw noMatch();
    return { skill, version: best };
  }

  async distTags(viewer: Viewer, rawName: string): Promise<Record<string, string>> {
    const skill = await this.findReadable(viewer, rawName);
    return this.tagsOf(skill.id);
  }

  /**
   * Which stored blob `fileName` (`<slug>-<version>.tgz`) names for a skill the caller may read;
   * unpublished versions are gone. (npm's reads go through ../cache/cached-reads.ts.)
   */
  async tarballRef(skill: Skill, fileName: string): Promise<TarballRef> {
    const prefix = `${skill.slug}-`;
    const version = fileName.startsWith(prefix) && fileName.endsWith('.tgz') ? fileName.slice(prefix.length, -4) : null;
    const row = version
      ? await this.db
          .selectFrom('skill_versions')
          .select(['version', 'blob_key', 'integrity', 'shasum'])
          .where('skill_id', '=', skill.id)
          .where('version', '=', version)
          .where('unpublished_at', 'is', null)
          .executeTakeFirst()
      : undefined;
    if (!row || fileName !== tarballFileName(skill.slug, version!)) throw notFound(`Tarball ${fileName} not found for ${skill.name}`);
    return { version: row.version, blobKey: row.blob_key, integrity: row.integrity, shasum: row.shasum };
  }

  /** A stream of the version's bytes from the blob store; 503 when the store is down or lost them. */
  async openTarball(skill: Skill, ref: TarballRef): Promise<{ stream: Readable; size: number }> {
    try {
      const blob = await this.blobs.get(ref.blobKey);
      if (!blob) throw unavailable(`The tarball of ${skill.name}@${ref.version} is missing from storage`);
      return blob;
    } catch (err) {
      if (err instanceof BlobStoreUnavailableError) throw unavailable(`Object storage is unavailable; try again shortly`);
      throw err;
    }
  }

  async packumentInput(skill: Skill): Promise<PackumentInput> {
    const [versions, tags] = await Promise.all([
      this.db.selectFrom('skill_versions').selectAll().where('skill_id', '=', skill.id).orderBy('id').execute(),
      this.tagsOf(skill.id),
    ]);
    return { skill, versions, tags, publicUrl: this.publicUrl };
  }

  async tagsOf(skillId: number): Promise<Record<string, string>> {
    const rows = await this.db.selectFrom('dist_tags').select(['tag', 'version']).where('skill_id', '=', skillId).orderBy('tag').execute();
    return Object.fromEntries(rows.map((r) => [r.tag, r.version]));
  }
}
