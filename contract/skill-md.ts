/**
 * An Agent Skill's SKILL.md, split into its YAML frontmatter and the Markdown body, for display (the
 * skill page shows the frontmatter as a short list and renders the body). Display only: a
 * frontmatter that does not parse is shown as its raw text, never thrown on. The frontmatter is
 * found and read as publish reads it (contract/agent-skill.ts).
 */
import { parseFrontmatterYaml, splitFrontmatter } from './agent-skill.js';

export interface SplitSkillMd {
  /** Top-level frontmatter keys with their values as text (objects and lists as JSON); null: none or unreadable. */
  fields: [string, string][] | null;
  /** The frontmatter's raw text when it could not be read as a YAML mapping. */
  rawFrontmatter: string | null;
  body: string;
}

export function splitSkillMd(text: string): SplitSkillMd {
  const split = splitFrontmatter(text);
  if ('problem' in split) return { fields: null, rawFrontmatter: null, body: text };
  let parsed: Record<string, unknown>;
  try {
    parsed = parseFrontmatterYaml(split.yaml);
  } catch {
    return { fields: null, rawFrontmatter: split.yaml, body: split.body };
  }
  const fields = Object.entries(parsed).map(([k, v]): [string, string] => [
    k,
    typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)),
  ]);
  return { fields, rawFrontmatter: null, body: split.body };
}
