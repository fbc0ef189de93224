import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * `~/.aerostack/config.json`: the default registry, a login per registry, the workspace in use, and
 * where Agent Skills are unpacked by default (`{ "agent": "claude-code" }` or `{ "dir": "/abs/path" }`,
 * set by the first `skill install --agent/--dir`, or by `--set-default`; see agent-target.ts).
 */
export interface CliConfig {
  registry?: string;
  auth?: Record<string, { token: string; username: string }>;
  workspace?: string;
  agentSkills?: { agent: string } | { dir: string };
}

export const DEFAULT_REGISTRY = 'http://127.0.0.1:4870';

/** `AEROSTACK_CONFIG_DIR` or `~/.aerostack`: the config file, the skill cache and the lockfile live here. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.AEROSTACK_CONFIG_DIR ? path.resolve(env.AEROSTACK_CONFIG_DIR) : path.join(os.homedir(), '.aerostack');
}

export class ConfigStore {
  readonly file: string;
  constructor(readonly dir: string) {
    this.file = path.join(dir, 'config.json');
  }

  async read(): Promise<CliConfig> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      return typeof parsed === 'object' && parsed !== null ? parsed : {};
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`Cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Writes atomically with mode 0600: the file holds tokens. */
  async update(change: (c: CliConfig) => void): Promise<CliConfig> {
    const config = await this.read();
    change(config);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.file);
    return config;
  }
}

/** Logins are kept per registry, keyed by origin, so switching `--registry` never sends a token elsewhere. */
export const registryKey = (url: string): string => new URL(url).origin;
