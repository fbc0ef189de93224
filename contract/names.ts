import { badRequest } from './errors.js';

/** Username = namespace (SPEC "Accounts"). */
export const USERNAME_RE = /^[a-z0-9][a-z0-9-]{0,38}$/;
/** The part after `@ns/` (same rule as aerostack.json `name`). */
export const SLUG_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface SkillName {
  /** `@ns/slug` */
  full: string;
  namespace: string;
  slug: string;
}

/** Parses `@ns/slug` (or `ns/slug`, as the seed's onboarding script writes public skills). */
export function parseSkillName(raw: string): SkillName {
  const m = /^@?([^/@]+)\/([^/@]+)$/.exec(raw);
  if (!m) throw badRequest(`Invalid skill name "${shown(raw)}": skill names look like @<username>/<skill>`);
  const [, namespace, slug] = m as unknown as [string, string, string];
  if (!USERNAME_RE.test(namespace)) throw badRequest(`Invalid skill name "${shown(raw)}": "${shown(namespace)}" is not a valid namespace`);
  if (!SLUG_RE.test(slug)) {
    throw badRequest(`Invalid skill name "${shown(raw)}": use lowercase letters, digits, ".", "_" and "-" (at most 64) after the namespace`);
  }
  return { full: `@${namespace}/${slug}`, namespace, slug };
}

/** Untrusted input echoed in a message: capped, so a 5000-character name does not come back whole. */
const shown = (s: string): string => (s.length > 100 ? `${s.slice(0, 100)}…` : s);

/** The tarball file name npm expects for a scoped package: `slug-1.2.3.tgz`. */
export const tarballFileName = (slug: string, version: string): string => `${slug}-${version}.tgz`;
