/** The editors `workspace token create --client` knows how to configure. */
export const EDITOR_CLIENTS = ['cursor', 'vscode', 'claude'] as const;
export type EditorClient = (typeof EDITOR_CLIENTS)[number];

export interface EditorConfig {
  /** The block as data (Cursor's mcp.json, VS Code's .vscode/mcp.json, Claude Code's .mcp.json). */
  config: Record<string, unknown>;
  /** What is printed under "Add this to your editor MCP config:". */
  text: string;
  /** Claude Code only: the one command that adds the server. */
  command?: string;
}

/**
 * The config block a member pastes into their editor: the workspace's gateway URL and their
 * `mwt_` token. Cursor's is printed exactly as the product page shows it.
 */
export function editorConfig(client: EditorClient, workspace: string, url: string, token: string): EditorConfig {
  const headers = { Authorization: `Bearer ${token}` };
  if (client === 'vscode') {
    const config = { servers: { [workspace]: { type: 'http', url, headers } } };
    return { config, text: prettyJson(config) };
  }
  if (client === 'claude') {
    // Tokens are `mwt_` + base64url: safe inside double quotes.
    const command = `claude mcp add --transport http ${shellWord(workspace)} ${shellWord(url)} --header "Authorization: Bearer ${token}"`;
    return { config: { mcpServers: { [workspace]: { type: 'http', url, headers } } }, text: command, command };
  }
  const config = { mcpServers: { [workspace]: { url, headers } } };
  return { config, text: prettyJson(config) };
}

/**
 * JSON with a 2-space indent, except that an object holding only plain values stays on one line,
 * as the product page writes `"headers": { "Authorization": "Bearer mwt_…" }`. Still valid JSON.
 */
export function prettyJson(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    return `[\n${value.map((v) => inner + prettyJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.length) return '{}';
  if (entries.every(([, v]) => v === null || typeof v !== 'object')) {
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`;
  }
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

/** A word for a POSIX shell command line: bare when that is safe, else single-quoted. */
export function shellWord(s: string): string {
  if (/^[A-Za-z0-9@%+=:,./_-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
