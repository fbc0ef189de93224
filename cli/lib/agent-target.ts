import os from 'node:os';
import path from 'node:path';
import { AGENT_SKILL_FOLDERS, SKILL_AGENTS, type SkillAgent } from '@aerostack/contract/agent-skill.js';
import type { ConfigStore } from './config-store.js';
import { UsageError } from './errors.js';

/** Where Agent Skills are unpacked: an agent's skills folder, or any folder (`--dir`), kept absolute. */
export type AgentTarget = { agent: SkillAgent } | { dir: string };

/** The skills folder itself; each skill goes into `<folder>/<name>/`. HOME is read when called (tests set it). */
export function skillsFolder(target: AgentTarget): string {
  return 'agent' in target ? path.join(os.homedir(), ...AGENT_SKILL_FOLDERS[target.agent]) : target.dir;
}

/** `claude-code (~/.claude/skills)`, `/srv/skills`: how the CLI names a target to the user. */
export function describeTarget(target: AgentTarget): string {
  const folder = tildify(skillsFolder(target));
  return 'agent' in target ? `${target.agent} (${folder})` : folder;
}

/** `/home/me/.claude/skills/x` → `~/.claude/skills/x`. */
export function tildify(p: string): string {
  const home = os.homedir();
  return p === home || p.startsWith(home + path.sep) ? `~${p.slice(home.length)}` : p;
}

/** The `--agent` / `--dir` flags as a target, or null when neither was given. */
export function targetFromFlags(flags: { agent?: string; dir?: string }): AgentTarget | null {
  if (flags.agent !== undefined) {
    if (!(SKILL_AGENTS as string[]).includes(flags.agent))
      throw new UsageError(`--agent must be one of ${SKILL_AGENTS.join(', ')} (or use --dir PATH)`);
    return { agent: flags.agent as SkillAgent };
  }
  if (flags.dir !== undefined) {
    if (flags.dir.trim() === '') throw new UsageError('--dir names no folder');
    return { dir: path.resolve(flags.dir) };
  }
  return null;
}

/**
 * The target for this install: the flags, else the default kept in the CLI config. The first
 * `--agent` / `--dir` becomes the default (so does any with `--set-default`): `makeDefault` says so,
 * for saveDefault() once the install succeeded. With neither flag nor default the user is asked to
 * choose, never guessed for.
 */
export async function chooseTarget(
  name: string,
  flags: { agent?: string; dir?: string; 'set-default'?: boolean },
  store: ConfigStore,
): Promise<{ target: AgentTarget; makeDefault: boolean }> {
  const given = targetFromFlags(flags);
  const saved = parseSaved((await store.read()).agentSkills);
  if (!given) {
    if (flags['set-default']) throw new UsageError('--set-default needs --agent or --dir');
    if (saved) return { target: saved, makeDefault: false };
    throw new UsageError(
      `${name} is an Agent Skill: choose where it goes with --agent ${SKILL_AGENTS.join('|')} or --dir PATH (the first choice is kept as your default)`,
    );
  }
  return { target: given, makeDefault: !saved || Boolean(flags['set-default']) };
}

export async function saveDefault(store: ConfigStore, target: AgentTarget): Promise<void> {
  await store.update((c) => {
    c.agentSkills = target;
  });
}

/** The config's `agentSkills`, if it still names a known agent or an absolute folder. */
export function parseSaved(value: unknown): AgentTarget | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { agent?: unknown; dir?: unknown };
  if (typeof v.agent === 'string' && (SKILL_AGENTS as string[]).includes(v.agent))
    return { agent: v.agent as SkillAgent };
  if (typeof v.dir === 'string' && path.isAbsolute(v.dir)) return { dir: v.dir };
  return null;
}
