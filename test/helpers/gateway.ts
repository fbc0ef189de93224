/**
 * Gateway test helpers: publish a skill given as a folder (a file map), install it into a workspace,
 * mint `mwt_` tokens, and connect the MCP SDK's own Client over Streamable HTTP.
 */
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { publishBody, request } from './api.js';
import { makeSkillTarball } from './tarballs.js';

export type FileMap = Record<string, string | Buffer>;

/** The defaults makeSkillTarball would add; left out unless the file map names them. */
const DEFAULT_FILES = ['package.json', 'aerostack.json', 'index.js', 'README.md', 'server.js'];

/** A gzipped tarball holding exactly `files` under package/. */
export function folderTarball(files: FileMap): Buffer {
  return makeSkillTarball({ files, omit: DEFAULT_FILES.filter((f) => !(f in files)) });
}

/** Publishes `files` (a skill folder) as `@ns/slug@version`; asserts the registry accepted it. Returns the tarball. */
export async function publishFolder(
  base: string,
  token: string,
  fullName: string,
  version: string,
  files: FileMap,
  visibility: 'public' | 'team' | 'private' = 'team',
): Promise<Buffer> {
  const tgz = folderTarball(files);
  const res = await request(base, 'PUT', `/${fullName.replace('/', '%2f')}`, {
    token,
    body: publishBody(fullName, version, tgz, { visibility }),
  });
  assert.equal(res.status, 201, `publish ${fullName}@${version}: ${res.status} ${JSON.stringify(res.body)}`);
  return tgz;
}

/**
 * The folder of a `type: "skill"` skill whose `index.js` (an ES module) is `source`; the tool is
 * `tool` and takes any object.
 */
export function skillFolder(
  fullName: string,
  version: string,
  source: string,
  opts: { tool?: string; description?: string; inputSchema?: object } = {},
): FileMap {
  const slug = fullName.split('/')[1]!;
  const description = opts.description ?? `The ${slug} skill`;
  return {
    'package.json': JSON.stringify({ name: fullName, version, description, type: 'module' }, null, 2),
    'aerostack.json': JSON.stringify(
      {
        name: slug,
        type: 'skill',
        version,
        description,
        tool: {
          name: opts.tool ?? 'run',
          description: `${description}: run it`,
          input_schema: opts.inputSchema ?? { type: 'object', properties: {} },
        },
        main: 'index.js',
      },
      null,
      2,
    ),
    'index.js': source,
  };
}

/** The folder of a `type: "mcp"` skill: a stdio server in `server.js`, started with `command args`. */
export function mcpFolder(
  fullName: string,
  version: string,
  server: string,
  opts: { command?: string; args?: string[] } = {},
): FileMap {
  const slug = fullName.split('/')[1]!;
  return {
    'package.json': JSON.stringify(
      { name: fullName, version, description: `The ${slug} MCP server`, type: 'module' },
      null,
      2,
    ),
    'aerostack.json': JSON.stringify(
      {
        name: slug,
        type: 'mcp',
        version,
        description: `The ${slug} MCP server`,
        command: opts.command ?? 'node',
        args: opts.args ?? ['server.js'],
      },
      null,
      2,
    ),
    'server.js': server,
  };
}

/** A skill folder whose aerostack.json also has `more` (such as `env` and `network`). */
export function withManifestFields(folder: FileMap, more: Record<string, unknown>): FileMap {
  const manifest = JSON.parse(folder['aerostack.json'] as string) as Record<string, unknown>;
  return { ...folder, 'aerostack.json': JSON.stringify({ ...manifest, ...more }, null, 2) };
}

/** Re-versions a scaffolded folder (`skill init` writes 0.1.0 and the slug it was given). */
export function withVersion(files: Record<string, string>, version: string): FileMap {
  const out: FileMap = { ...files };
  for (const f of ['package.json', 'aerostack.json']) {
    const j = JSON.parse(files[f]!) as Record<string, unknown>;
    out[f] = JSON.stringify({ ...j, version }, null, 2);
  }
  return out;
}

export const createWorkspace = async (base: string, token: string, slug: string, namespace?: string): Promise<void> => {
  const res = await request(base, 'POST', '/-/api/v1/workspaces', {
    token,
    body: { slug, ...(namespace ? { namespace } : {}) },
  });
  assert.equal(res.status, 201, `create workspace ${slug}: ${res.status} ${JSON.stringify(res.body)}`);
};

export const install = (base: string, token: string, ws: string, fullName: string, version: string) =>
  request(base, 'PUT', `/-/api/v1/workspaces/${ws}/skills/${fullName.replace('/', '%2f')}`, {
    token,
    body: { version },
  });

export const uninstall = (base: string, token: string, ws: string, fullName: string) =>
  request(base, 'DELETE', `/-/api/v1/workspaces/${ws}/skills/${fullName.replace('/', '%2f')}`, { token });

/** Installs and asserts it worked. */
export async function mustInstall(
  base: string,
  token: string,
  ws: string,
  fullName: string,
  version: string,
): Promise<void> {
  const res = await install(base, token, ws, fullName, version);
  assert.equal(res.status, 200, `install ${fullName}@${version} into ${ws}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Mints an `mwt_` token for a workspace. */
export async function workspaceToken(
  base: string,
  token: string,
  ws: string,
  body: { name: string; user?: string; expiresInSeconds?: number },
): Promise<string> {
  const res = await request(base, 'POST', `/-/api/v1/workspaces/${ws}/tokens`, { token, body });
  assert.equal(res.status, 201, `token for ${ws}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.match(res.body.token, /^mwt_/);
  return res.body.token as string;
}

export const gatewayUrl = (base: string, ws: string): string => `${base}/ws/${ws}`;

/** The SDK's own Client, connected over Streamable HTTP with `Authorization: Bearer mwt_…`. */
export async function connectGateway(base: string, ws: string, mwt: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(gatewayUrl(base, ws)), {
    requestInit: { headers: { Authorization: `Bearer ${mwt}` } },
  });
  const client = new Client({ name: 'aerostack-gateway-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** One raw JSON-RPC POST to the gateway (to see HTTP statuses and headers the Client hides). */
export async function rawGatewayPost(
  base: string,
  ws: string,
  mwt: string | null,
  message: unknown = { jsonrpc: '2.0', id: 1, method: 'ping' },
) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (mwt !== null) headers.authorization = `Bearer ${mwt}`;
  const res = await fetch(gatewayUrl(base, ws), { method: 'POST', headers, body: JSON.stringify(message) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}

/** The text of a tool result's content, joined. */
export function resultText(r: unknown): string {
  const content = (r as CallToolResult).content ?? [];
  return content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
