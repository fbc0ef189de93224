/**
 * Agent Skills (agentskills.io/specification): a folder with `SKILL.md` at its root, whose YAML
 * frontmatter names and describes the skill, plus `scripts/`, `references/` and `assets/`. The
 * registry checks the frontmatter at publish (contract/tarball/inspect.ts, which `aerostack skill
 * publish` also runs before uploading); the CLI unpacks the skill into an agent's skills folder.
 */
import { FAILSAFE_SCHEMA, load } from 'js-yaml';
import { badRequest } from './errors.js';

/** The file every Agent Skill carries at its root, spelled as the spec spells it. */
export const SKILL_MD = 'SKILL.md';

/**
 * The frontmatter is read before anything else of SKILL.md, and YAML is parsed only within this
 * bound: the spec's fields fit in a few KiB (name 64, description 1,024, compatibility 500).
 */
export const MAX_FRONTMATTER_CHARS = 16 * 1024;

/** Spec limits. */
export const AGENT_SKILL_NAME_MAX = 64;
export const AGENT_SKILL_DESCRIPTION_MAX = 1024;
export const AGENT_SKILL_COMPATIBILITY_MAX = 500;

/** Lower-case letters, digits and single hyphens, neither first nor last: `pdf-forms`, never `-pdf` or `pdf--forms`. */
export const AGENT_SKILL_NAME_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The frontmatter keys the spec defines; its reference validator (skills-ref) refuses any other. */
export const FRONTMATTER_FIELDS = ['name', 'description', 'license', 'compatibility', 'metadata', 'allowed-tools'];

export interface SkillFrontmatter {
  name: string;
  description: string;
  license?: string;
  compatibility?: string;
  metadata?: Record<string, string>;
  /** Space-delimited string or list, as written (experimental in the spec). */
  'allowed-tools'?: string | string[];
}

/**
 * The agents `aerostack skill install --agent` knows, and where each loads a user's skills from,
 * relative to the home folder. Claude Code: personal skills in `~/.claude/skills/<name>/`. Codex:
 * the USER scope of its skills docs, `$HOME/.agents/skills` (the cross-agent folder; older Codex
 * releases read `$CODEX_HOME/skills`).
 */
export const AGENT_SKILL_FOLDERS = {
  'claude-code': ['.claude', 'skills'],
  codex: ['.agents', 'skills'],
} as const satisfies Record<string, readonly string[]>;

export type SkillAgent = keyof typeof AGENT_SKILL_FOLDERS;
export const SKILL_AGENTS = Object.keys(AGENT_SKILL_FOLDERS) as SkillAgent[];

const invalid = (problems: string[]) =>
  badRequest(
    `Invalid SKILL.md: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
    'invalid_skill_md',
  );

/** Characters as a reader counts them (code points), as the spec's reference validator does. */
const length = (s: string) => [...s].length;

/** SKILL.md cut at its frontmatter: the YAML between the opening `---` line and the next, and the body after. */
export type FrontmatterSplit = { yaml: string; body: string } | { problem: string };

/** Finds the frontmatter within MAX_FRONTMATTER_CHARS (a leading BOM is skipped); never parses it. */
export function splitFrontmatter(skillMd: string): FrontmatterSplit {
  const text = skillMd.replace(/^\uFEFF/, '');
  const head = text.slice(0, MAX_FRONTMATTER_CHARS + 8);
  const open = /^---[ \t]*\r?\n/.exec(head);
  if (!open) return { problem: 'must start with YAML frontmatter: a "---" line, the fields, then a "---" line' };
  const close = /^---[ \t]*(?:\r?\n|$)/m.exec(head.slice(open[0].length));
  if (!close) {
    return {
      problem:
        text.length > head.length
          ? `frontmatter must end with a "---" line within ${MAX_FRONTMATTER_CHARS} characters`
          : 'frontmatter must end with a "---" line',
    };
  }
  const yamlEnd = open[0].length + close.index;
  return { yaml: text.slice(open[0].length, yamlEnd), body: text.slice(yamlEnd + close[0].length) };
}

/**
 * The frontmatter's fields, parsed with the FAILSAFE schema: every scalar is a string (as the
 * reference parser, strictyaml, reads them), no tags, no aliases. Throws a 400 `invalid_skill_md`.
 */
export function parseFrontmatter(skillMd: string): Record<string, unknown> {
  const split = splitFrontmatter(skillMd);
  if ('problem' in split) throw invalid([split.problem]);
  return parseFrontmatterYaml(split.yaml);
}

export function parseFrontmatterYaml(yaml: string): Record<string, unknown> {
  let data: unknown = {};
  try {
    if (yaml.trim() !== '') data = load(yaml, { schema: FAILSAFE_SCHEMA, maxAliases: 0, maxDepth: 8 });
  } catch (err) {
    // js-yaml's message names the line and column; the first line is enough.
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw invalid([`frontmatter is not valid YAML (${why})`]);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalid(['frontmatter must be a YAML mapping such as "name: pdf-forms"']);
  }
  return data as Record<string, unknown>;
}

/**
 * Checks SKILL.md against the spec and the package's aerostack.json `name` (the folder name the
 * skill is installed under, which the spec requires to equal the frontmatter name). Throws a 400
 * `invalid_skill_md` naming each bad field.
 */
export function checkSkillMd(skillMd: string, manifestName: string): SkillFrontmatter {
  const fm = parseFrontmatter(skillMd);
  const problems: string[] = [];
  const has = (k: string) => Object.hasOwn(fm, k);

  const unknown = Object.keys(fm).filter((k) => !FRONTMATTER_FIELDS.includes(k));
  if (unknown.length) {
    problems.push(
      `${unknown.map((k) => JSON.stringify(k.slice(0, 64))).join(', ')} ${unknown.length === 1 ? 'is not a' : 'are not'} frontmatter field${unknown.length === 1 ? '' : 's'} of the Agent Skills spec (${FRONTMATTER_FIELDS.join(', ')}); put your own properties under metadata`,
    );
  }

  const name = fm.name;
  if (!has('name')) problems.push('name is required');
  else if (typeof name !== 'string') problems.push('name must be a string');
  else if (length(name) < 1 || length(name) > AGENT_SKILL_NAME_MAX || !AGENT_SKILL_NAME_RE.test(name))
    problems.push(
      `name must be 1-${AGENT_SKILL_NAME_MAX} of a-z 0-9 -, not starting or ending with "-" and without "--" (got ${JSON.stringify(name.slice(0, 80))})`,
    );
  else if (name !== manifestName)
    problems.push(
      /[._]/.test(manifestName)
        ? `name "${name}" must equal the aerostack.json name "${manifestName}", which an Agent Skill cannot use: its name allows only a-z 0-9 - (rename the skill, say "${manifestName.replace(/[._]+/g, '-')}")`
        : `name "${name}" must equal the aerostack.json name "${manifestName}"`,
    );

  const description = fm.description;
  if (!has('description')) problems.push('description is required');
  else if (typeof description !== 'string') problems.push('description must be a string');
  else if (description.trim() === '') problems.push('description must not be empty');
  else if (length(description) > AGENT_SKILL_DESCRIPTION_MAX)
    problems.push(
      `description must be at most ${AGENT_SKILL_DESCRIPTION_MAX} characters (it has ${length(description)})`,
    );

  if (has('license') && (typeof fm.license !== 'string' || fm.license.trim() === ''))
    problems.push('license must be a non-empty string, such as "Apache-2.0" or "LICENSE.txt has the terms"');

  const compatibility = fm.compatibility;
  if (has('compatibility')) {
    if (typeof compatibility !== 'string' || compatibility.trim() === '')
      problems.push('compatibility must be a non-empty string');
    else if (length(compatibility) > AGENT_SKILL_COMPATIBILITY_MAX)
      problems.push(
        `compatibility must be at most ${AGENT_SKILL_COMPATIBILITY_MAX} characters (it has ${length(compatibility)})`,
      );
  }

  const metadata = fm.metadata;
  if (has('metadata')) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
      problems.push('metadata must be a mapping from string keys to string values');
    else
      for (const [k, v] of Object.entries(metadata))
        if (typeof v !== 'string') problems.push(`metadata.${k.slice(0, 64)} must be a string`);
  }

  const tools = fm['allowed-tools'];
  if (
    has('allowed-tools') &&
    typeof tools !== 'string' &&
    !(Array.isArray(tools) && tools.every((t) => typeof t === 'string'))
  )
    problems.push('allowed-tools must be a space-delimited string or a list of strings');

  if (problems.length) throw invalid(problems);
  return fm as unknown as SkillFrontmatter;
}
