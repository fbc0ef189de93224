import semver from 'semver';
import { parseSkillName, type SkillName } from '../../registry/domain/names.js';
import { ApiError, UsageError } from './errors.js';
import type { Packument } from './registry-client.js';

/** `@ns/skill`, `ns/skill`, optionally followed by `@version`, `@range` or `@tag`. */
export interface SkillSpec extends SkillName {
  spec: string | null;
}

export function parseSkillSpec(raw: string): SkillSpec {
  const at = raw.indexOf('@', 1);
  const namePart = at === -1 ? raw : raw.slice(0, at);
  const spec = at === -1 ? null : raw.slice(at + 1);
  if (spec === '') throw new UsageError(`Invalid skill "${raw}": nothing after "@"`);
  try {
    return { ...parseSkillName(namePart), spec };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** npm's resolution: a dist-tag, an exact version, or the highest version in a range. */
export function resolveVersion(doc: Packument, spec: string | null): string {
  const versions = Object.keys(doc.versions);
  if (!versions.length) throw new ApiError(404, `${doc.name} has no published versions`);
  const wanted = spec ?? 'latest';
  const tagged = doc['dist-tags'][wanted];
  if (tagged && doc.versions[tagged]) return tagged;
  if (semver.valid(wanted)) {
    if (doc.versions[wanted]) return wanted;
    throw new ApiError(404, `${doc.name}@${wanted} not found`);
  }
  if (semver.validRange(wanted)) {
    const best = semver.maxSatisfying(versions, wanted);
    if (best) return best;
  }
  throw new ApiError(404, `No version of ${doc.name} matches "${wanted}"`);
}
