/**
 * The MCP Registry read API (`/v0.1/servers`, modelcontextprotocol/registry docs/reference/api/openapi.yaml)
 * and the Agent Skills discovery index (`/.well-known/agent-skills/index.json`, agentskills.io's
 * well-known URI, v0.2.0): the answer types and the naming rule both sides of the wire share.
 */

/** The server.json schema our entries follow (the newest released: 2025-12-11). */
export const MCP_SERVER_SCHEMA_URL = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';
/** The `_meta` key of registry-managed metadata in a ServerResponse. */
export const MCP_OFFICIAL_META = 'io.modelcontextprotocol.registry/official';
/** `limit`: the official registry's default and bounds (internal/api/handlers/v0/servers.go). */
export const MCP_LIST_DEFAULT_LIMIT = 30;
export const MCP_LIST_MAX_LIMIT = 100;
/** server.schema.json: `description` maxLength, `title` maxLength, `name` maxLength. */
export const MCP_DESCRIPTION_MAX = 100;
export const MCP_TITLE_MAX = 100;
export const MCP_NAME_MAX = 200;
/** ServerResponse `_meta…official.statusMessage` maxLength. */
export const MCP_STATUS_MESSAGE_MAX = 500;
/** The label after the namespace that marks a workspace's server (`<host>.<ns>.workspaces/<slug>`). */
export const MCP_WORKSPACE_LABEL = 'workspaces';

export const AGENT_SKILLS_INDEX_SCHEMA = 'https://schemas.agentskills.io/discovery/0.2.0/schema.json';
/** The Agent Skills spec's `description` limit. */
export const AGENT_SKILL_DESCRIPTION_MAX = 1024;

export interface McpInput {
  description?: string;
  isRequired?: boolean;
  isSecret?: boolean;
}
export interface McpKeyValueInput extends McpInput {
  name: string;
  value?: string;
  variables?: Record<string, McpInput>;
}
export interface McpPackage {
  registryType: 'npm';
  registryBaseUrl: string;
  identifier: string;
  version: string;
  fileSha256: string;
  transport: { type: 'stdio' };
  environmentVariables?: McpKeyValueInput[];
}
export interface McpRemote {
  type: 'streamable-http';
  url: string;
  headers: McpKeyValueInput[];
}
/** A server.json (ServerDetail). */
export interface McpServerJson {
  $schema: string;
  name: string;
  title?: string;
  description: string;
  version: string;
  packages?: McpPackage[];
  remotes?: McpRemote[];
}
export type McpServerStatus = 'active' | 'deprecated' | 'deleted';
export interface McpOfficialMeta {
  status: McpServerStatus;
  statusMessage?: string;
  publishedAt: string;
  updatedAt: string;
  isLatest: boolean;
}
/** ServerResponse: the server.json and what the registry says of it. */
export interface McpServerResponse {
  server: McpServerJson;
  _meta: { [MCP_OFFICIAL_META]: McpOfficialMeta };
}
/** ServerList; `nextCursor` is absent on the last page. */
export interface McpServerList {
  servers: McpServerResponse[];
  metadata: { count: number; nextCursor?: string };
}

export interface AgentSkillsIndexEntry {
  name: string;
  type: 'archive';
  description: string;
  url: string;
  /** `sha256:<64 lowercase hex>` of the archive's bytes. */
  digest: string;
}
export interface AgentSkillsIndex {
  $schema: string;
  skills: AgentSkillsIndexEntry[];
}

/**
 * `registry.acme.dev` → `dev.acme.registry`: PUBLIC_URL's host name reversed, without the port (the
 * schema's name allows `[a-zA-Z0-9.-]` before the slash).
 */
export function reverseDnsPrefix(publicUrl: string): string {
  const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '').replace(/[^a-zA-Z0-9.-]/g, '-');
  return host.split('.').filter(Boolean).reverse().join('.');
}

/**
 * Server names. A skill `@acme/crm-sync` on registry.acme.dev is `dev.acme.registry.acme/crm-sync`
 * (the namespace is the last label before the slash: a username has no dot); a workspace `sales` of
 * @acme is `dev.acme.registry.acme.workspaces/sales` (two labels after the host, which no skill's
 * name can have).
 */
export const mcpSkillServerName = (prefix: string, namespace: string, slug: string): string =>
  `${prefix}.${namespace}/${slug}`;
export const mcpWorkspaceServerName = (prefix: string, namespace: string, slug: string): string =>
  `${prefix}.${namespace}.${MCP_WORKSPACE_LABEL}/${slug}`;

export type ParsedServerName =
  { kind: 'skill'; namespace: string; slug: string } | { kind: 'workspace'; namespace: string; slug: string };

/** The reverse of the two names above; null for a name this registry never gives. */
export function parseMcpServerName(prefix: string, name: string): ParsedServerName | null {
  if (!name.startsWith(`${prefix}.`)) return null;
  const rest = name.slice(prefix.length + 1);
  const slash = rest.indexOf('/');
  if (slash <= 0 || rest.indexOf('/', slash + 1) !== -1) return null;
  const labels = rest.slice(0, slash).split('.');
  const slug = rest.slice(slash + 1);
  if (!slug) return null;
  if (labels.length === 1) return { kind: 'skill', namespace: labels[0]!, slug };
  if (labels.length === 2 && labels[1] === MCP_WORKSPACE_LABEL)
    return { kind: 'workspace', namespace: labels[0]!, slug };
  return null;
}

/** At most `max` characters (code points, as JSON Schema counts them), with `…` when cut. */
export function cutText(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
