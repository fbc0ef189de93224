import type { Readable } from 'node:stream';
import type { Db, Skill } from '../../db/schema.js';
import type { BlobStore } from '@aerostack/storage/blob-store.js';
import { BlobStoreUnavailableError } from '@aerostack/storage/blob-store.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import { notFoundMessage } from '../access/visibility.js';
import { notFound, unavailable } from '@aerostack/contract/errors.js';
import { parseSkillName, tarballFileName } from '@aerostack/contract/names.js';
import { pickVersion } from '@aerostack/contract/versions.js';
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
    await this.access.assertCan(viewer, 'skill.read', skill);
    return skill;
  }

  /** The exact version a spec names, by npm's rules (contract/versions.ts, the same pick as the CLI's). */
  async resolveVersion(viewer: Viewer, rawName: string, rawSpec: string): Promise<{ skill: Skill; version: string }> {
    const skill = await this.findReadable(viewer, rawName);
    const [rows, tags] = await Promise.all([
      this.db
        .selectFrom('skill_versions')
        .select(['version', 'deprecated'])
        .where('skill_id', '=', skill.id)
        .where('unpublished_at', 'is', null)
        .execute(),
      this.tagsOf(skill.id),
    ]);
    const versions = Object.fromEntries(rows.map((r) => [r.version, { deprecated: r.deprecated }]));
    return { skill, version: pickVersion({ name: skill.name, 'dist-tags': tags, versions }, rawSpec) };
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
    if (!row || fileName !== tarballFileName(skill.slug, version!))
      throw notFound(`Tarball ${fileName} not found for ${skill.name}`);
    return { version: row.version, blobKey: row.blob_key, integrity: row.integrity, shasum: row.shasum };
  }

  /** A stream of the version's bytes from the blob store; 503 when the store is down or lost them. */
  async openTarball(skill: Skill, ref: TarballRef): Promise<{ stream: Readable; size: number }> {
    try {
      const blob = await this.blobs.get(ref.blobKey);
      if (!blob) throw unavailable(`The tarball of ${skill.name}@${ref.version} is missing from storage`);
      return blob;
    } catch (err) {
      if (err instanceof BlobStoreUnavailableError)
        throw unavailable(`Object storage is unavailable; try again shortly`);
      throw err;
    }
  }

  async packumentInput(skill: Skill): Promise<PackumentInput> {
    const [versions, tags, owner] = await Promise.all([
      this.db.selectFrom('skill_versions').selectAll().where('skill_id', '=', skill.id).orderBy('id').execute(),
      this.tagsOf(skill.id),
      this.db
        .selectFrom('namespaces as n')
        .innerJoin('users as u', 'u.id', 'n.owner_id')
        .select(['u.username', 'u.email'])
        .where('n.name', '=', skill.namespace)
        .executeTakeFirstOrThrow(),
    ]);
    return {
      skill,
      versions,
      tags,
      publicUrl: this.publicUrl,
      maintainer: { name: owner.username, email: owner.email },
    };
  }

  async tagsOf(skillId: number): Promise<Record<string, string>> {
    const rows = await this.db
      .selectFrom('dist_tags')
      .select(['tag', 'version'])
      .where('skill_id', '=', skillId)
      .orderBy('tag')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.tag, r.version]));
  }
}
