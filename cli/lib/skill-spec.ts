import semver from 'semver';
import { parseSkillName, type SkillName } from '@aerostack/contract/names.js';
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

/**
 * npm's resolution (npm-pick-manifest): after `@`, an exact version means that version and a tag means
 * what it points at. A range (no spec at all means `*`) takes the `latest` tag when it satisfies the
 * range and is not deprecated; otherwise the highest satisfying version, non-deprecated ones first.
 * Prereleases match only ranges that name them (`*` still takes a prerelease `latest`).
 */
export function resolveVersion(doc: Packument, spec: string | null): string {
  const versions = Object.keys(doc.versions);
  if (!versions.length) throw new ApiError(404, `${doc.name} has no published versions`);
  const tags = doc['dist-tags'];
  const noMatch = () => new ApiError(404, `No version of ${doc.name} matches "${spec ?? 'latest'}"`);
  if (spec !== null) {
    const exact = semver.valid(spec, { loose: true });
    if (exact) {
      if (doc.versions[exact]) return exact;
      throw new ApiError(404, `${doc.name}@${spec} not found`);
    }
    if (!semver.validRange(spec, { loose: true })) {
      const tagged = tags[spec];
      if (tagged && doc.versions[tagged]) return tagged;
      throw noMatch();
    }
  }
  const range = spec ?? '*';
  const latest = tags.latest;
  const latestDoc = latest ? doc.versions[latest] : undefined;
  if (latest && latestDoc && !latestDoc.deprecated && (range === '*' || semver.satisfies(latest, range, { loose: true }))) return latest;
  const live = (v: string) => (doc.versions[v]!.deprecated ? 0 : 1);
  const best = versions.filter((v) => semver.satisfies(v, range, { loose: true })).sort((a, b) => live(b) - live(a) || semver.rcompare(a, b, { loose: true }))[0];
  if (best) return best;
  // Nothing stable to fall back on (say, only a deprecated prerelease): a bare name still gets `latest`.
  if (spec === null && latest && latestDoc) return latest;
  throw noMatch();
}
