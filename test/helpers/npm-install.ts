/**
 * `npm install` in a skill folder, as its author would run it before `aerostack skill publish`: the
 * real npm client against the real npm registry, preferring the local cache (which already holds the
 * MCP SDK and zod once the repository itself is installed), with none of the outer `npm test`'s
 * `npm_*` variables leaking in.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const LEAKY = /^(npm_|node_options$)/i;

export async function npmInstall(dir: string): Promise<void> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !LEAKY.test(k)));
  try {
    await promisify(execFile)('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: dir,
      env,
      timeout: 170_000,
    });
  } catch (err) {
    const e = err as { message: string; stderr?: string };
    throw new Error(`npm install in ${dir} failed: ${e.message}\n${e.stderr ?? ''}`, { cause: err });
  }
}
