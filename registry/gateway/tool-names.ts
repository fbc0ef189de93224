import { createHash } from 'node:crypto';

const clean = (s: string) => s.replace(/[^a-zA-Z0-9_-]/g, '_');

/** Fits a name into 64 characters, keeping it unique with a short hash of the full name. */
function fit(name: string): string {
  if (name.length <= 64) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 55)}_${hash}`;
}

export interface ToolSource {
  /** `@ns/slug` */
  skill: string;
  namespace: string;
  slug: string;
  tool: string;
}

/**
 * Gateway tool names: `<skill>__<tool>`. Sources are named in a stable order (by skill, then tool);
 * when a name is taken — two namespaces with a skill of the same name — the later one becomes
 * `<namespace>_<skill>__<tool>`, and a numeric suffix settles anything left. Nothing is dropped.
 */
export function assignToolNames(sources: ToolSource[]): Map<ToolSource, string> {
  const sorted = [...sources].sort((a, b) => a.skill.localeCompare(b.skill) || a.tool.localeCompare(b.tool));
  const used = new Set<string>();
  const names = new Map<ToolSource, string>();
  for (const s of sorted) {
    const candidates = [fit(clean(`${s.slug}__${s.tool}`)), fit(clean(`${s.namespace}_${s.slug}__${s.tool}`))];
    let name = candidates.find((c) => !used.has(c));
    for (let i = 2; !name; i++) {
      const c = fit(`${candidates[1]!.slice(0, 60)}_${i}`);
      if (!used.has(c)) name = c;
    }
    used.add(name);
    names.set(s, name);
  }
  return names;
}
