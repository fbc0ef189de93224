import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built `aerostack` binary, run exactly as users run it. */
export const AEROSTACK_BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../cli/bin/aerostack.js',
);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliUser {
  /** Its own config folder (AEROSTACK_CONFIG_DIR): login, skill cache, lockfile. */
  configDir: string;
  run(
    args: string[],
    opts?: { input?: string; env?: Record<string, string | undefined>; cwd?: string },
  ): Promise<CliResult>;
  /** Parses stdout of a `--json` run. */
  json<T = any>(
    args: string[],
    opts?: { input?: string; env?: Record<string, string | undefined>; cwd?: string },
  ): Promise<{ code: number; body: T; stderr: string }>;
  cleanup(): Promise<void>;
}

/**
 * A person at a terminal (or a CI job): their own config folder, the registry in AEROSTACK_REGISTRY,
 * a clean environment (no inherited AEROSTACK_* or CI variables), stdin closed unless `input` is given.
 */
export async function cliUser(registryUrl: string): Promise<CliUser> {
  const configDir = await mkdtemp(path.join(tmpdir(), 'aerostack-cli-'));
  const baseEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('AEROSTACK_') && k !== 'CI' && !k.startsWith('npm_')),
  );
  const run: CliUser['run'] = (args, opts = {}) =>
    new Promise((resolve, reject) => {
      const env: Record<string, string> = {
        ...baseEnv,
        AEROSTACK_CONFIG_DIR: configDir,
        AEROSTACK_REGISTRY: registryUrl,
      };
      for (const [k, v] of Object.entries(opts.env ?? {})) {
        if (v === undefined) delete env[k];
        else env[k] = v;
      }
      const child = spawn(process.execPath, [AEROSTACK_BIN, ...args], {
        env,
        cwd: opts.cwd ?? configDir,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (signal) return reject(new Error(`aerostack ${args.join(' ')} was killed (${signal}); stderr: ${stderr}`));
        resolve({ code: code ?? -1, stdout, stderr });
      });
      child.stdin.end(opts.input ?? '');
    });
  return {
    configDir,
    run,
    json: async (args, opts) => {
      const res = await run([...args, '--json'], opts);
      try {
        return { code: res.code, body: JSON.parse(res.stdout), stderr: res.stderr };
      } catch {
        throw new Error(
          `aerostack ${args.join(' ')} --json printed no JSON (exit ${res.code}):\n${res.stdout}\n${res.stderr}`,
        );
      }
    },
    cleanup: () => rm(configDir, { recursive: true, force: true }),
  };
}

/** Signs `u` in as `username` with `token` by writing the login the way `aerostack login` saves it. */
export async function signInAs(u: CliUser, registryUrl: string, username: string, token: string): Promise<void> {
  await writeFile(
    path.join(u.configDir, 'config.json'),
    JSON.stringify({ auth: { [new URL(registryUrl).origin]: { token, username } } }, null, 2),
  );
}
