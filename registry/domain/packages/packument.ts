import { createHash } from 'node:crypto';
import type { Skill, SkillVersion } from '../../db/schema.js';
import { tarballFileName } from '@aerostack/contract/names.js';

export interface PackumentInput {
  skill: Skill;
  /** Every version row, unpublished ones included (they stay in `time` so their numbers are never reused). */
  versions: SkillVersion[];
  tags: Record<string, string>;
  publicUrl: string;
  /** The namespace's owner, as npm lists maintainers (`npm view` prints `name <email>`). */
  maintainer: { name: string; email: string };
}

export const tarballUrl = (publicUrl: string, skill: Pick<Skill, 'name' | 'slug'>, version: string): string =>
  `${publicUrl}/${skill.name}/-/${tarballFileName(skill.slug, version)}`;

function dist(input: PackumentInput, v: SkillVersion) {
  return {
    tarball: tarballUrl(input.publicUrl, input.skill, v.version),
    integrity: v.integrity,
    shasum: v.shasum,
    fileCount: v.file_count,
    unpackedSize: v.unpacked_size,
  };
}

const live = (versions: SkillVersion[]) => versions.filter((v) => v.unpublished_at === null);

/** A revision string that changes whenever the document does (npm sends it back on unpublish). */
function revision(input: PackumentInput): string {
  const h = createHash('sha1');
  h.update(input.skill.updated_at.toISOString());
  for (const v of input.versions)
    h.update(`${v.version}:${v.deprecated ?? ''}:${v.unpublished_at?.toISOString() ?? ''};`);
  for (const [t, v] of Object.entries(input.tags)) h.update(`${t}=${v};`);
  return `${input.versions.length + 1}-${h.digest('hex').slice(0, 32)}`;
}

/**
 * A skill whose every version was unpublished is gone for npm clients: 404, as npm's registry answers
 * (`npm install` then says E404, not ETARGET), with the same `time.unpublished` stub npm's registry
 * keeps; the version numbers stay taken. Null while any version is live.
 */
export function unpublishedStub(input: PackumentInput) {
  const { skill } = input;
  if (!input.versions.length || live(input.versions).length) return null;
  const at = modified(input).toISOString();
  return {
    message: `${skill.name} was unpublished on ${at}`,
    fields: {
      _id: skill.name,
      name: skill.name,
      time: {
        created: skill.created_at.toISOString(),
        modified: at,
        unpublished: { time: at, versions: input.versions.map((v) => v.version) },
      },
    },
  };
}

/** npm's full package document (`GET /@ns/skill`), plus Aerostack's `visibility`. */
export function fullPackument(input: PackumentInput) {
  const { skill } = input;
  const versions = live(input.versions);
  const latest = versions.find((v) => v.version === input.tags.latest);
  const time: Record<string, string> = {
    created: skill.created_at.toISOString(),
    modified: modified(input).toISOString(),
  };
  for (const v of input.versions) time[v.version] = v.published_at.toISOString();
  return {
    _id: skill.name,
    _rev: revision(input),
    name: skill.name,
    description: skill.description,
    'dist-tags': input.tags,
    versions: Object.fromEntries(
      versions.map((v) => [
        v.version,
        {
          ...v.manifest,
          name: skill.name,
          version: v.version,
          _id: `${skill.name}@${v.version}`,
          dist: dist(input, v),
          aerostack: v.aerostack,
          ...(v.deprecated ? { deprecated: v.deprecated } : {}),
        },
      ]),
    ),
    time,
    maintainers: [input.maintainer],
    keywords: skill.keywords,
    readme: latest?.readme ?? '',
    readmeFilename: latest?.readme ? 'README.md' : '',
    visibility: skill.visibility,
  };
}

/** Fields npm's installer needs (`Accept: application/vnd.npm.install-v1+json`). */
export const INSTALL_FIELDS = [
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
  'directories',
  'engines',
  'os',
  'cpu',
  'bundleDependencies',
];

export function abbreviatedPackument(input: PackumentInput) {
  return {
    name: input.skill.name,
    modified: modified(input).toISOString(),
    'dist-tags': input.tags,
    versions: Object.fromEntries(
      live(input.versions).map((v) => [
        v.version,
        {
          name: input.skill.name,
          version: v.version,
          ...Object.fromEntries(
            INSTALL_FIELDS.filter((f) => v.manifest[f] !== undefined).map((f) => [f, v.manifest[f]]),
          ),
          dist: dist(input, v),
          ...(v.deprecated ? { deprecated: v.deprecated } : {}),
        },
      ]),
    ),
  };
}

function modified(input: PackumentInput): Date {
  let m = input.skill.updated_at;
  for (const v of input.versions) {
    if (v.published_at > m) m = v.published_at;
    if (v.unpublished_at && v.unpublished_at > m) m = v.unpublished_at;
  }
  return m;
}
