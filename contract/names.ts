/**
 * Every name the registry and the CLI accept, and the one parser of skill names. The CLI checks
 * these before it sends anything; the registry checks them again on every request.
 */
import { badRequest } from './errors.js';

/** Username = namespace (SPEC "Accounts"). */
export const USERNAME_RE = /^[a-z0-9][a-z0-9-]{0,38}$/;
/**
 * A skill's slug, the part after `@ns/`, and aerostack.json's `name`: URL-safe, never `.` or `..`
 * (no leading '.', '_' or '-'), so it can name a route or a storage key.
 */
export const SKILL_SLUG_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** A workspace's slug: the last segment of its gateway URL, `PUBLIC_URL/ws/<slug>`. */
export const WORKSPACE_SLUG_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A dist-tag: starts with a letter, so it can never be read as a version or a range. */
export const DIST_TAG_RE = /^[a-zA-Z][a-zA-Z0-9._-]{0,63}$/;
/** Good enough to send mail to; the mail server has the last word. */
export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** A `type: "skill"` tool's name in aerostack.json: snake_case, which every MCP client accepts. */
export const SKILL_TOOL_NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;
/**
 * A secret's name: an environment variable a skill reads (`CRM_API_KEY`). Upper snake case, so it can
 * never be read as a path or a flag, and never one the sandbox sets itself (RESERVED_ENV_NAMES).
 */
export const ENV_NAME_RE = /^[A-Z][A-Z0-9_]{0,63}$/;
/**
 * Names a skill may not declare: the sandbox sets these (PATH, HOME, LANG, TZ, NODE_ENV), or they
 * would change how Node or the dynamic loader start (NODE_OPTIONS, LD_PRELOAD), or where traffic goes
 * (HTTP_PROXY and the like: the egress proxy is the only way out).
 */
export const RESERVED_ENV_NAMES_RE =
  /^(PATH|HOME|LANG|LANGUAGE|TZ|PWD|SHELL|USER|TMPDIR|NODE_.*|LD_.*|LC_.*|.*_PROXY|AEROSTACK_.*)$/;

/** Checks a secret's name; the message is the one both the CLI and the registry show. */
export function checkEnvName(name: string): string {
  if (!ENV_NAME_RE.test(name))
    throw badRequest(
      `Invalid secret name "${shown(name)}": use upper-case letters, digits and "_", starting with a letter (at most 64), such as CRM_API_KEY`,
    );
  if (RESERVED_ENV_NAMES_RE.test(name))
    throw badRequest(`Invalid secret name "${name}": the sandbox sets it, or it changes how Node starts or connects`);
  return name;
}
/** A tool's name as the gateway lists it (`<skill>__<tool>`): what MCP clients accept. */
export const GATEWAY_TOOL_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;

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
  if (!USERNAME_RE.test(namespace))
    throw badRequest(`Invalid skill name "${shown(raw)}": "${shown(namespace)}" is not a valid namespace`);
  if (!SKILL_SLUG_RE.test(slug)) {
    throw badRequest(
      `Invalid skill name "${shown(raw)}": use lowercase letters, digits, ".", "_" and "-" (at most 64) after the namespace`,
    );
  }
  return { full: `@${namespace}/${slug}`, namespace, slug };
}

/** Checks a workspace slug; the message is the one both the CLI and the registry show. */
export function checkWorkspaceSlug(slug: string): string {
  if (!WORKSPACE_SLUG_RE.test(slug))
    throw badRequest(`Invalid workspace name "${shown(slug)}": use lowercase letters, digits and "-" (at most 63)`);
  return slug;
}

/** Untrusted input echoed in a message: capped, so a 5000-character name does not come back whole. */
export const shown = (s: string): string => (s.length > 100 ? `${s.slice(0, 100)}…` : s);

/** The tarball file name npm expects for a scoped package: `slug-1.2.3.tgz`. */
export const tarballFileName = (slug: string, version: string): string => `${slug}-${version}.tgz`;

/**
 * The unscoped npm name under which every registry serves the aerostack CLI itself (built from cli/):
 * `npm install -g aerostack --registry URL`. Nobody may publish, tag or unpublish it there.
 */
export const CLI_PACKAGE_NAME = 'aerostack';
