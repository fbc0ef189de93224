import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RuntimeLimits } from '../limits.js';

// Node 20 names the permission model --experimental-permission; Node 22+ calls it --permission.
const PERMISSION_FLAG =
  Number(process.versions.node.split('.')[0]) >= 22 ? '--permission' : '--experimental-permission';

/**
 * Node's own flags for a skill process: the permission model (read only `readable`, no writes, no
 * child processes, no workers, no addons) as a second wall inside the OS sandbox, and the heap cap.
 * They end with `--`, so nothing after them is ever read as a Node option.
 */
export function nodeFlags(limits: RuntimeLimits, readable: string[], imports: string[] = []): string[] {
  return [
    PERMISSION_FLAG,
    ...imports.map((f) => `--import=${f}`),
    ...readable.map((p) => `--allow-fs-read=${p}`),
    `--max-old-space-size=${limits.memoryMb}`,
    '--no-addons',
    '--no-warnings',
    '--disable-proto=throw',
    '--',
  ];
}

/**
 * The runner of `type: "skill"` skills: one file, bundled with the parts of the MCP SDK it uses by
 * scripts/bundle-runner.mjs, in a folder of its own (the sandbox shows that folder and nothing else
 * of the registry's code).
 */
export const RUNNER_DIR = fileURLToPath(new URL('../runner/bundle/', import.meta.url));
export const RUNNER_ENTRY = 'skill-server.mjs';

/** A host file to make visible, at `target` inside the sandbox. */
export interface RuntimeFile {
  source: string;
  target: string;
}

/** Where the Node binary is inside the sandbox. */
export const NODE_IN_SANDBOX = '/usr/bin/node';

/**
 * The Node binary and the shared libraries it loads (from `ldd`), each at the path the dynamic
 * loader looks for it: the sandbox shows these and nothing else of the host's system.
 */
export async function nodeRuntimeFiles(execPath: string = process.execPath): Promise<RuntimeFile[]> {
  const { stdout } = await promisify(execFile)('ldd', [execPath], { env: {}, timeout: 5000 });
  const files: RuntimeFile[] = [{ source: await realpath(execPath), target: NODE_IN_SANDBOX }];
  for (const line of stdout.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)", or the loader: "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m) files.push({ source: await realpath(m[1]!), target: m[1]! });
  }
  if (files.length < 2) throw new Error(`ldd found no libraries for ${execPath}`);
  return files;
}
