import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { UsageError } from './errors.js';

/** The editors `workspace connect --client` configures; `print` only prints the block. */
export const CONNECT_CLIENTS = ['cursor', 'vscode', 'claude-code', 'claude-desktop', 'print'] as const;
export type ConnectClient = (typeof CONNECT_CLIENTS)[number];
export type FileClient = Exclude<ConnectClient, 'print'>;

/** How tokens and messages name each editor ("alice-laptop Cursor", as the product page's "Bob VSCode"). */
export const EDITOR_LABEL: Record<ConnectClient, string> = {
  cursor: 'Cursor',
  vscode: 'VSCode',
  'claude-code': 'Claude Code',
  'claude-desktop': 'Claude Desktop',
  print: 'MCP',
};

/** Where an editor keeps its user-wide MCP servers, and under which top-level key. */
export interface ConfigTarget {
  file: string;
  key: 'mcpServers' | 'servers';
}

interface Env {
  home: string;
  platform: NodeJS.Platform;
  appData?: string;
  xdgConfig?: string;
}

const currentEnv = (): Env => ({
  home: homedir(),
  platform: process.platform,
  appData: process.env.APPDATA,
  xdgConfig: process.env.XDG_CONFIG_HOME,
});

/** The per-user application folder Electron apps (VS Code, Claude Desktop) keep their settings in. */
function appConfigDir(env: Env): string {
  if (env.platform === 'darwin') return path.join(env.home, 'Library', 'Application Support');
  if (env.platform === 'win32') return env.appData ?? path.join(env.home, 'AppData', 'Roaming');
  return env.xdgConfig || path.join(env.home, '.config');
}

/**
 * The user config file of each editor: Cursor's `~/.cursor/mcp.json`, VS Code's user `mcp.json`
 * (`servers`), Claude Code's `~/.claude.json` (user scope), Claude Desktop's
 * `claude_desktop_config.json`.
 */
export function configTarget(client: FileClient, env: Env = currentEnv()): ConfigTarget {
  switch (client) {
    case 'cursor':
      return { file: path.join(env.home, '.cursor', 'mcp.json'), key: 'mcpServers' };
    case 'vscode':
      return { file: path.join(appConfigDir(env), 'Code', 'User', 'mcp.json'), key: 'servers' };
    case 'claude-code':
      return { file: path.join(env.home, '.claude.json'), key: 'mcpServers' };
    case 'claude-desktop':
      return { file: path.join(appConfigDir(env), 'Claude', 'claude_desktop_config.json'), key: 'mcpServers' };
  }
}

/** Editors that look installed: their config folder exists (Claude Code: `claude` on the PATH too). */
export function detectClients(claudeOnPath: boolean, env: Env = currentEnv()): FileClient[] {
  const found: FileClient[] = [];
  if (existsSync(path.dirname(configTarget('cursor', env).file))) found.push('cursor');
  if (existsSync(path.dirname(configTarget('vscode', env).file))) found.push('vscode');
  if (claudeOnPath || existsSync(configTarget('claude-code', env).file)) found.push('claude-code');
  if (existsSync(path.dirname(configTarget('claude-desktop', env).file))) found.push('claude-desktop');
  return found;
}

/**
 * The server entry for the workspace. Claude Desktop's config takes no `url`, so it runs the
 * `mcp-remote` stdio bridge; the header comes from `env` (as mcp-remote's README advises, so that
 * no space in an argument trips up Windows).
 */
export function serverEntry(client: ConnectClient, url: string, token: string): Record<string, unknown> {
  const authorization = `Bearer ${token}`;
  switch (client) {
    case 'vscode':
    case 'claude-code':
      return { type: 'http', url, headers: { Authorization: authorization } };
    case 'claude-desktop':
      return {
        command: 'npx',
        args: ['-y', 'mcp-remote', url, '--header', 'Authorization:${AUTH}'],
        env: { AUTH: authorization },
      };
    default:
      return { url, headers: { Authorization: authorization } };
  }
}

/** The URL and `mwt_` token an existing entry holds (any of the shapes serverEntry writes), if any. */
export function entryCredentials(entry: unknown): { url: string | null; token: string | null } {
  if (!isObject(entry)) return { url: null, token: null };
  let url = typeof entry.url === 'string' ? entry.url : null;
  let auth: unknown = isObject(entry.headers) ? (entry.headers.Authorization ?? entry.headers.authorization) : null;
  if (Array.isArray(entry.args)) {
    const args = entry.args.filter((a): a is string => typeof a === 'string');
    url ??= args.find((a) => /^https?:\/\//.test(a)) ?? null;
    if (isObject(entry.env)) auth ??= entry.env.AUTH;
  }
  const token = typeof auth === 'string' ? (/^Bearer\s+(mwt_\S+)$/.exec(auth.trim())?.[1] ?? null) : null;
  return { url, token };
}

/** A parsed config file: its whole content (kept as is) and whether it existed. */
export interface ConfigDoc {
  file: string;
  exists: boolean;
  doc: Record<string, unknown>;
}

/** Reads an editor's config; a file that is not a JSON object is refused, never overwritten. */
export async function readConfig(file: string): Promise<ConfigDoc> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, exists: false, doc: {} };
    throw err;
  }
  if (!text.trim()) return { file, exists: true, doc: {} };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `${tilde(file)} is not valid JSON (${(err as Error).message}); fix it or move it away, then run again`,
    );
  }
  if (!isObject(doc)) throw new UsageError(`${tilde(file)} does not hold a JSON object; fix it or move it away`);
  return { file, exists: true, doc };
}

/** The workspace's entry in a config, if it has one. */
export function existingEntry(config: ConfigDoc, key: ConfigTarget['key'], name: string): unknown {
  const servers = config.doc[key];
  return isObject(servers) ? servers[name] : undefined;
}

/**
 * The config with the workspace's entry set: every other key and every other server kept as they
 * were, in their order.
 */
export function mergeEntry(
  doc: Record<string, unknown>,
  key: ConfigTarget['key'],
  name: string,
  entry: Record<string, unknown>,
  file = 'the config file',
): Record<string, unknown> {
  const servers = doc[key] ?? {};
  if (!isObject(servers)) throw new UsageError(`"${key}" in ${tilde(file)} is not an object; fix it, then run again`);
  return { ...doc, [key]: { ...servers, [name]: entry } };
}

/**
 * Writes the config readable by its owner only (it holds a token), through a temporary file and a
 * rename so a crash never leaves half a file, after copying the previous one to `<file>.bak`.
 * Returns the backup's path, if there was a file to back up.
 */
export async function writeConfig(config: ConfigDoc, doc: Record<string, unknown>): Promise<string | null> {
  await mkdir(path.dirname(config.file), { recursive: true });
  let backup: string | null = null;
  if (config.exists) {
    backup = `${config.file}.bak`;
    await copyFile(config.file, backup);
    await chmod(backup, 0o600);
  }
  const tmp = `${config.file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, config.file);
  return backup;
}

/** `~/…` for paths under the home folder, as people write them. */
export function tilde(file: string): string {
  const home = homedir();
  return file === home || file.startsWith(home + path.sep) ? `~${file.slice(home.length)}` : file;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
