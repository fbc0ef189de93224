import path from 'node:path';
import type { RuntimeLimits } from './limits.js';

// Node 20 names the permission model --experimental-permission; Node 22+ calls it --permission.
const PERMISSION_FLAG = Number(process.versions.node.split('.')[0]) >= 22 ? '--permission' : '--experimental-permission';

/**
 * Flags for a sandboxed skill child: Node's permission model allows reading only the skill's own
 * unpacked folder (and the runner script), no writes, no child processes, no workers, no addons;
 * the heap is capped. The environment is empty: no server secret can leak into a skill.
 */
export function sandboxExecArgv(skillDir: string, limits: RuntimeLimits, extraReadable: string[] = []): string[] {
  return [
    PERMISSION_FLAG,
    `--allow-fs-read=${path.resolve(skillDir)}${path.sep}`,
    ...extraReadable.map((p) => `--allow-fs-read=${p}`),
    `--max-old-space-size=${limits.memoryMb}`,
    '--no-warnings',
    '--disable-proto=throw',
  ];
}

/** The whole environment a skill sees. */
export function sandboxEnv(): NodeJS.ProcessEnv {
  return { NODE_ENV: 'production', LANG: 'C.UTF-8', TZ: 'UTC' };
}
