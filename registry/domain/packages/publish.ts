import semver from 'semver';
import ssri from 'ssri';
import { createHash } from 'node:crypto';
import type { Db } from '../../db/schema.js';
import type { BlobStore } from '@aerostack/storage/blob-store.js';
import { BlobStoreUnavailableError } from '@aerostack/storage/blob-store.js';
import { blobKeyFor } from '@aerostack/storage/blob-key.js';
import type { RegistryLimits } from '../../config.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import type { Clock } from '../clock.js';
import { badRequest, conflict, payloadTooLarge, unavailable } from '@aerostack/contract/errors.js';
import { isUniqueViolation } from '../accounts/accounts.js';
import { parseSkillName, type SkillName } from '@aerostack/contract/names.js';
import { inspectTarball, type InspectedTarball } from '@aerostack/contract/tarball/inspect.js';
import type { SchemaCompiler } from '@aerostack/contract/json-schema.js';
import { decodeAttachment, type PackageBody } from './publish-body.js';
import { recomputeLatest, setTag } from './dist-tags.js';
import { recordPublishedProvides } from './skill-provides.js';
import { DIST_TAG_RE } from '@aerostack/contract/names.js';
import type { PublishResult } from '@aerostack/contract/api.js';

export interface PublishDeps {
  db: Db;
  blobs: BlobStore;
  access: AccessControl;
  clock: Clock;
  limits: RegistryLimits;
  schemas: SchemaCompiler;
}

/**
 * Publishes one version: validate everything first, store the blob, then commit the version in one
 * transaction. Any refusal before the commit leaves nothing visible; the blob is content-addressed,
 * so an orphan from a lost race is harmless and `aerostack-registry gc` removes it.
 */
export async function publishSkill(
  deps: PublishDeps,
  viewer: Viewer,
  urlName: string,
  body: PackageBody,
): Promise<PublishResult> {
  const name = parseSkillName(urlName);
  if (body.name !== undefined && body.name !== name.full)
    throw badRequest(`Body names ${body.name} but the URL names ${name.full}`);
  await deps.access.assertCan(viewer, 'skill.publish', { namespace: name.namespace });

  const { version, bytes } = takeAttachment(body, name, deps.limits);
  const meta = body.versions[version];
  if (!meta) throw badRequest(`The body has a tarball for ${version} but no versions["${version}"] metadata`);
  if (meta.name !== undefined && meta.name !== name.full)
    throw badRequest(`versions["${version}"].name must be ${name.full}`);
  if (meta.version !== undefined && meta.version !== version)
    throw badRequest(`versions["${version}"].version must be ${version}`);

  const integrity = ssri.fromData(bytes, { algorithms: ['sha512'] }).toString();
  const shasum = createHash('sha1').update(bytes).digest('hex');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (meta.dist?.integrity && !ssri.checkData(bytes, meta.dist.integrity)) {
    throw badRequest(
      `Integrity mismatch: the tarball does not match dist.integrity (${meta.dist.integrity.slice(0, 24)}…)`,
    );
  }
  if (meta.dist?.shasum && meta.dist.shasum.toLowerCase() !== shasum) {
    throw badRequest('Integrity mismatch: the tarball does not match dist.shasum');
  }

  const inspected = await inspectTarball(bytes, deps.limits, deps.schemas);
  checkConsistency(inspected, name, version);

  const tags = tagsFor(body, version);
  const requestedVisibility =
    body.visibility ?? (body.access === 'restricted' ? 'team' : body.access === 'public' ? 'public' : undefined);
  const existing = await deps.db.selectFrom('skills').selectAll().where('name', '=', name.full).executeTakeFirst();
  if (existing) await deps.access.assertCan(viewer, 'skill.read', existing);

  const blobKey = blobKeyFor(integrity);
  try {
    await deps.blobs.put(blobKey, bytes, { integrity });
  } catch (err) {
    if (err instanceof BlobStoreUnavailableError) {
      throw unavailable(`Object storage is unavailable, nothing was published; try again shortly (${err.message})`);
    }
    throw err;
  }

  const now = deps.clock.now();
  const description = (
    typeof inspected.packageJson.description === 'string'
      ? inspected.packageJson.description
      : inspected.manifest.description
  ).slice(0, 1024);
  const keywords = [
    ...new Set([...stringArray(inspected.packageJson.keywords), ...(inspected.manifest.tags ?? [])]),
  ].slice(0, 40);
  try {
    const visibility = await deps.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('skills')
        .values({
          name: name.full,
          namespace: name.namespace,
          slug: name.slug,
          visibility: requestedVisibility ?? 'public',
          description,
          keywords,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      // Row lock: publishes of one skill are serialised, so "greater than the last" is checked against a stable set.
      const skill = await trx
        .selectFrom('skills')
        .selectAll()
        .where('name', '=', name.full)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const previous = await trx
        .selectFrom('skill_versions')
        .select(['version', 'unpublished_at'])
        .where('skill_id', '=', skill.id)
        .execute();
      const same = previous.find((p) => p.version === version);
      if (same) {
        throw conflict(
          same.unpublished_at
            ? `Cannot publish ${name.full}@${version}: that version was unpublished and its number cannot be reused`
            : publishConflict(name.full, version),
        );
      }
      const highest = previous.map((p) => p.version).sort(semver.rcompare)[0];
      if (highest && !semver.gt(version, highest)) {
        throw conflict(
          `Version ${version} must be greater than the highest published version of ${name.full} (${highest})`,
        );
      }
      const { id: versionId } = await trx
        .insertInto('skill_versions')
        .values({
          skill_id: skill.id,
          version,
          manifest: JSON.stringify(storedManifest(inspected.packageJson)),
          aerostack: JSON.stringify(inspected.manifest),
          readme: inspected.readme,
          integrity,
          shasum,
          sha256,
          blob_key: blobKey,
          size: bytes.length,
          file_count: inspected.fileCount,
          unpacked_size: inspected.unpackedSize,
          deprecated: null,
          published_by: viewer.user!.id,
          published_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordPublishedProvides(trx, versionId, inspected);
      const visibility = requestedVisibility ?? skill.visibility;
      await trx
        .updateTable('skills')
        .set({ description, keywords, visibility, updated_at: now })
        .where('id', '=', skill.id)
        .execute();
      for (const tag of tags) if (tag !== 'latest') await setTag(trx, skill.id, tag, version);
      // Published as `latest` (the default), or the first version: latest follows the highest stable
      // version. Published under another tag (`--tag beta`), latest stays where it was, as with npm.
      const hasLatest = await trx
        .selectFrom('dist_tags')
        .select('tag')
        .where('skill_id', '=', skill.id)
        .where('tag', '=', 'latest')
        .executeTakeFirst();
      if (tags.includes('latest') || !hasLatest) await recomputeLatest(trx, skill.id);
      return visibility;
    });
    return {
      name: name.full,
      version,
      visibility,
      integrity,
      shasum,
      size: bytes.length,
      fileCount: inspected.fileCount,
      unpackedSize: inspected.unpackedSize,
      tags,
    };
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(publishConflict(name.full, version));
    throw err;
  }
}

/** npm users know this refusal by its old npm error code, so the message carries it. */
const publishConflict = (name: string, version: string) =>
  `Cannot publish over the previously published version ${name}@${version} (EPUBLISHCONFLICT)`;

/** Exactly one attachment, named `<slug>-<version>.tgz` (npm also prefixes the scope). */
function takeAttachment(
  body: PackageBody,
  name: SkillName,
  limits: RegistryLimits,
): { version: string; bytes: Buffer } {
  const entries = Object.entries(body._attachments ?? {});
  if (entries.length !== 1) throw badRequest('A publish must carry exactly one tarball attachment');
  const [file, att] = entries[0]!;
  const base = file.startsWith(`${name.full}-`)
    ? file.slice(name.full.length + 1)
    : file.startsWith(`${name.slug}-`)
      ? file.slice(name.slug.length + 1)
      : null;
  const version = base?.endsWith('.tgz') ? base.slice(0, -'.tgz'.length) : null;
  if (!version || semver.valid(version) !== version) {
    throw badRequest(`Attachment "${file}" must be named ${name.slug}-<version>.tgz with a valid semver version`);
  }
  // Cheap size check before decoding: base64 is 4 characters per 3 bytes.
  if (Math.floor((att.data.length * 3) / 4) > limits.maxTarballBytes + 3) {
    throw payloadTooLarge(`Tarball is larger than the limit of ${limits.maxTarballBytes} bytes`);
  }
  const bytes = decodeAttachment(att.data);
  if (att.length !== undefined && att.length !== bytes.length) {
    throw badRequest(`Attachment length says ${att.length} bytes but ${bytes.length} arrived`);
  }
  return { version, bytes };
}

function checkConsistency(t: InspectedTarball, name: SkillName, version: string): void {
  if (t.packageJson.name !== name.full)
    throw badRequest(`package.json name must be "${name.full}" (found ${JSON.stringify(t.packageJson.name)})`);
  if (t.packageJson.version !== version)
    throw badRequest(`package.json version must be "${version}" (found ${JSON.stringify(t.packageJson.version)})`);
  if (t.manifest.name !== name.slug)
    throw badRequest(
      `aerostack.json name must be "${name.slug}" to publish as ${name.full} (found "${t.manifest.name}")`,
    );
  if (t.manifest.version !== version)
    throw badRequest(`aerostack.json version must be "${version}" (found "${t.manifest.version}")`);
}

function tagsFor(body: PackageBody, version: string): string[] {
  const tags = Object.entries(body['dist-tags'])
    .filter(([, v]) => v === version)
    .map(([t]) => t);
  for (const t of tags) if (!DIST_TAG_RE.test(t) || semver.validRange(t)) throw badRequest(`Invalid dist-tag "${t}"`);
  return tags.length ? tags : ['latest'];
}

/** The version document we serve: the tarball's own package.json, minus private `_` keys and any `dist`. */
function storedManifest(pkg: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(pkg).filter(([k]) => !k.startsWith('_') && k !== 'dist'));
}

const stringArray = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 40) : [];
