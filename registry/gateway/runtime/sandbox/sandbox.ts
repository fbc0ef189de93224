import type { ChildProcessByStdio } from 'node:child_process';
import type { PlatformPath } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { SkillCallError } from '../limits.js';

/** What to run in a skill process. */
export interface LaunchRequest {
  /** The unpacked skill: the process's working directory, visible read-only and nothing beside it. */
  skillDir: string;
  /** The gateway's runner for `type: "skill"`, or a file inside `skillDir` (a `type: "mcp"` server). */
  entry: { runner: true } | { file: string };
  /** Arguments after the entry file: the program reads them, Node and the sandbox never do. */
  args: string[];
  /** The workspace's secrets the skill declares, by name: its environment variables, and nothing else of ours. */
  secrets: Readonly<Record<string, string>>;
  /**
   * The folder of this process's egress proxy socket (EgressProxy.open), bound in at /run/egress;
   * null: the skill reaches no network.
   */
  egressDir: string | null;
}

/** A started skill process. Its stdin/stdout carry MCP; stderr is the author's own output. */
export interface SandboxedProcess {
  readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  /**
   * Why the process ended, when a limit of the sandbox ended it ("it exceeded its memory limit of
   * 128 MB"), else null. Read after the exit.
   */
  limitHit(): Promise<string | null>;
  /** Kills every process of the sandbox and frees what it held. Safe to call more than once. */
  dispose(): Promise<void>;
}

/** How skills are isolated on this instance, for the start-up log, /readyz and the gateway's errors. */
export interface SandboxReport {
  mode: 'bwrap' | 'none';
  /** `unconfined`: AEROSTACK_SANDBOX=none, skills run with Node's permission model only. */
  status: 'ok' | 'unavailable' | 'unconfined';
  /** Why skills cannot run (status `unavailable`), or the warning for `unconfined`. */
  reason?: string;
  /** Each limit in force and what enforces it, e.g. memory: "128 MB per skill (cgroup v1 memory)". */
  limits: Record<string, string>;
}

export interface Sandbox {
  /** The check made when the sandbox was built (it runs once, in the background). */
  report(): Promise<SandboxReport>;
  /** Starts a skill process; a SkillCallError with status `unavailable` when skills cannot run here. */
  launch(req: LaunchRequest): Promise<SandboxedProcess>;
  /** Removes what the sandbox set up on the host (cgroups). Running processes are disposed first. */
  close(): Promise<void>;
}

/** The whole environment of a skill process: no server secret can reach a skill. */
export const SKILL_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_ENV: 'production',
  LANG: 'C.UTF-8',
  TZ: 'UTC',
  HOME: '/tmp',
  PATH: '/usr/bin',
});

/** `folder`/`file`, refused (a SkillCallError) if it would leave the folder; `file` comes from a manifest. */
export function fileInFolder(folder: string, file: string, p: Pick<PlatformPath, 'resolve' | 'sep'>): string {
  const root = p.resolve(folder);
  const full = p.resolve(root, file);
  if (!full.startsWith(root + p.sep)) throw new SkillCallError(`${file} is outside the skill's folder`, 'error');
  return full;
}
