import { parseSkillName, type SkillName } from '@aerostack/contract/names.js';
import { pickVersion } from '@aerostack/contract/versions.js';
import { UsageError } from './errors.js';
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
  return { ...parseSkillName(namePart), spec };
}

/** The version `spec` names in `doc`, by npm's rules (the registry picks with the same function). */
export function resolveVersion(doc: Packument, spec: string | null): string {
  return pickVersion(doc, spec);
}
