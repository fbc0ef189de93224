import type { TokenSummary } from '@aerostack/registry/domain/accounts/user-tokens.js';
import type { ListedSkill } from '@aerostack/registry/domain/packages/skill-list.js';
import type { PublishResult } from '@aerostack/registry/domain/packages/publish.js';
import type { InviteResult, TeamRow } from '@aerostack/registry/domain/teams/teams.js';
import type { InstalledSkill, WorkspaceSummary } from '@aerostack/registry/domain/workspaces/workspaces.js';
import type { WorkspaceTokenSummary } from '@aerostack/registry/domain/workspaces/workspace-tokens.js';
import { ApiError, UnreachableError } from './errors.js';

// Answers of the registry's JSON API, typed from the registry's own domain types (type-only imports:
// nothing of the server is loaded by the CLI).
export type { ListedSkill, PublishResult, InviteResult, TeamRow, InstalledSkill, WorkspaceTokenSummary };
export type TokenInfo = TokenSummary;

/** Shapes the registry's JSON API answers with (see registry/http/routes). */
export interface Session {
  username: string;
  email: string;
  token: string;
}
export interface VersionDoc {
  name: string;
  version: string;
  description?: string;
  deprecated?: string;
  dist: { tarball: string; integrity: string; shasum: string; fileCount?: number; unpackedSize?: number };
  aerostack?: Record<string, unknown>;
  [key: string]: unknown;
}
export interface Packument {
  _id: string;
  _rev: string;
  name: string;
  description: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, VersionDoc>;
  time: Record<string, string>;
  readme?: string;
  visibility: 'public' | 'team' | 'private';
  [key: string]: unknown;
}
export interface TeamMembers {
  namespace: string;
  members: TeamRow[];
}
export interface MyTeam {
  namespace: string;
  role: TeamRow['role'];
  since: string;
}
export interface SearchResult {
  total: number;
  objects: Array<{ package: { name: string; version: string; description: string; keywords: string[]; date: string; visibility?: string } }>;
}

/** Workspaces: every answer names the gateway URL (`PUBLIC_URL/ws/<slug>`). */
export interface WorkspaceInfo extends WorkspaceSummary {
  url: string;
}
export interface CreatedWorkspace {
  slug: string;
  namespace: string;
  url: string;
  createdAt: string;
}
export interface WorkspaceSkills {
  workspace: string;
  url: string;
  skills: InstalledSkill[];
}
export interface CreatedWorkspaceToken extends WorkspaceTokenSummary {
  /** The `mwt_…` secret: returned once, never again. */
  token: string;
  workspace: string;
  url: string;
}
export interface AuditEventRow {
  at: string;
  user: string;
  action: string;
  skill: string | null;
  tool: string | null;
  status: string | null;
  durationMs: number | null;
  detail: string | null;
}
export interface AuditFilter {
  since?: string;
  user?: string;
  skill?: string;
  action?: string;
  limit?: number;
}

type Progress = (done: number, total: number) => void;

/**
 * The CLI's only way to the registry: one typed method per endpoint. It never touches the database
 * or the blob store. Errors come back as ApiError (with the registry's message) or UnreachableError.
 */
export class RegistryClient {
  readonly origin: string;
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.baseUrl).origin;
  }

  get hasToken(): boolean {
    return Boolean(this.token);
  }

  private async send(method: string, url: string, init: { body?: Buffer | string | ReadableStream<Uint8Array>; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': 'aerostack-cli', ...init.headers };
    // Credentials go only to the registry's own origin (a tarball URL could point elsewhere).
    if (this.token && new URL(url).origin === this.origin) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: init.body, ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new UnreachableError(`Cannot reach the registry at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (err as Error).message})`);
    }
    if (!res.ok) {
      let message = `${res.status} ${res.statusText}`;
      try {
        const body = (await res.json()) as { error?: unknown };
        if (typeof body.error === 'string') message = body.error;
      } catch {
        // Not JSON (a proxy page, say): keep the status text.
      }
      throw new ApiError(res.status, message);
    }
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.send(method, this.baseUrl + path, {
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    });
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  // Accounts and tokens
  signup = (username: string, email: string, password: string) => this.json<Session>('POST', '/-/api/v1/signup', { username, email, password });
  login = (username: string, password: string) => this.json<Session>('POST', '/-/api/v1/login', { username, password });
  logout = () => this.json<{ ok: true }>('POST', '/-/api/v1/logout', {});
  whoami = () => this.json<{ username: string; email: string; readonly: boolean }>('GET', '/-/api/v1/whoami');
  listTokens = async () => (await this.json<{ tokens: TokenInfo[] }>('GET', '/-/api/v1/tokens')).tokens;
  createToken = (input: { name: string; readonly?: boolean; expiresInSeconds?: number }) =>
    this.json<TokenInfo & { token: string }>('POST', '/-/api/v1/tokens', input);
  revokeToken = (ref: string) => this.json<{ ok: true }>('DELETE', `/-/api/v1/tokens/${encodeURIComponent(ref)}`);

  // Skills
  packument = (name: string) => this.json<Packument>('GET', `/${encodeName(name)}`);
  search = (text: string, size = 20) => this.json<SearchResult>('GET', `/-/v1/search?text=${encodeURIComponent(text)}&size=${size}`);
  mySkills = async () => (await this.json<{ skills: ListedSkill[] }>('GET', '/-/api/v1/skills')).skills;
  setVisibility = (name: string, visibility: string) =>
    this.json<{ name: string; visibility: string }>('PUT', `/-/api/v1/skills/${encodeName(name)}/visibility`, { visibility });
  distTags = (name: string) => this.json<Record<string, string>>('GET', `/-/package/${encodeName(name)}/dist-tags`);
  addDistTag = (name: string, tag: string, version: string) =>
    this.json<Record<string, string>>('PUT', `/-/package/${encodeName(name)}/dist-tags/${encodeURIComponent(tag)}`, version);
  removeDistTag = (name: string, tag: string) => this.json<Record<string, string>>('DELETE', `/-/package/${encodeName(name)}/dist-tags/${encodeURIComponent(tag)}`);
  /** npm's metadata PUT: with `rev`, versions missing from `doc` are unpublished. */
  updatePackage = (name: string, doc: Packument, rev?: string) =>
    this.json<{ ok: true }>('PUT', `/${encodeName(name)}${rev ? `/-rev/${encodeURIComponent(rev)}` : ''}`, doc);
  unpublishAll = (name: string, rev: string) => this.json<{ ok: true; unpublished: string[] }>('DELETE', `/${encodeName(name)}/-rev/${encodeURIComponent(rev)}`);

  // Teams (namespaces are given without the "@")
  invite = (namespace: string, input: { email: string; role?: 'member' | 'admin'; anyAccount?: boolean }) =>
    this.json<InviteResult>('POST', `/-/api/v1/teams/${encodeURIComponent(namespace)}/invitations`, input);
  revokeInvitation = (namespace: string, email: string) =>
    this.json<{ ok: true }>('DELETE', `/-/api/v1/teams/${encodeURIComponent(namespace)}/invitations/${encodeURIComponent(email)}`);
  teamMembers = (namespace: string) => this.json<TeamMembers>('GET', `/-/api/v1/teams/${encodeURIComponent(namespace)}/members`);
  removeMember = (namespace: string, ref: string) =>
    this.json<{ ok: true; removed: { username: string; email: string } }>('DELETE', `/-/api/v1/teams/${encodeURIComponent(namespace)}/members/${encodeURIComponent(ref)}`);
  leaveTeam = (namespace: string) => this.json<{ ok: true }>('POST', `/-/api/v1/teams/${encodeURIComponent(namespace)}/leave`, {});
  joinTeam = (code: string) => this.json<{ namespace: string; role: TeamRow['role'] }>('POST', '/-/api/v1/teams/join', { code });
  myTeams = async () => (await this.json<{ teams: MyTeam[] }>('GET', '/-/api/v1/teams')).teams;

  // Workspaces (slugs and token names are URL-encoded; skill names as npm encodes scoped names)
  listWorkspaces = async () => (await this.json<{ workspaces: WorkspaceInfo[] }>('GET', '/-/api/v1/workspaces')).workspaces;
  createWorkspace = (slug: string, namespace?: string) =>
    this.json<CreatedWorkspace>('POST', '/-/api/v1/workspaces', { slug, ...(namespace ? { namespace } : {}) });
  deleteWorkspace = (slug: string) => this.json<{ ok: true }>('DELETE', `/-/api/v1/workspaces/${encodeURIComponent(slug)}`);
  workspaceSkills = (slug: string) => this.json<WorkspaceSkills>('GET', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/skills`);
  installInWorkspace = (slug: string, name: string, version: string) =>
    this.json<{ name: string; version: string; changed: boolean }>('PUT', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/skills/${encodeName(name)}`, { version });
  uninstallFromWorkspace = (slug: string, name: string) =>
    this.json<{ ok: true }>('DELETE', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/skills/${encodeName(name)}`);
  workspaceTokens = async (slug: string) => (await this.json<{ tokens: WorkspaceTokenSummary[] }>('GET', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/tokens`)).tokens;
  createWorkspaceToken = (slug: string, input: { name: string; user?: string; expiresInSeconds?: number }) =>
    this.json<CreatedWorkspaceToken>('POST', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/tokens`, input);
  revokeWorkspaceToken = (slug: string, name: string) =>
    this.json<{ ok: true }>('DELETE', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/tokens/${encodeURIComponent(name)}`);
  workspaceAudit = (slug: string, filter: AuditFilter = {}) => {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') query.set(k, String(v));
    const qs = query.toString();
    return this.json<{ workspace: string; events: AuditEventRow[] }>('GET', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/audit${qs ? `?${qs}` : ''}`);
  };

  /** Publishes through npm's `PUT /:name` body; `onProgress` follows the upload. */
  async publish(name: string, body: object, onProgress?: Progress): Promise<PublishResult> {
    const bytes = Buffer.from(JSON.stringify(body));
    const stream = onProgress ? chunked(bytes, onProgress) : undefined;
    const res = await this.send('PUT', `${this.baseUrl}/${encodeName(name)}`, {
      body: stream ?? bytes,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': String(bytes.length) },
    });
    return (await res.json()) as PublishResult;
  }

  /** Downloads a tarball fully into memory (skills are small and must be verified before extraction). */
  async download(url: string, onProgress?: Progress): Promise<Buffer> {
    const res = await this.send('GET', url);
    const total = Number(res.headers.get('content-length') ?? 0);
    const chunks: Buffer[] = [];
    let done = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      chunks.push(Buffer.from(chunk));
      done += chunk.length;
      onProgress?.(done, total);
    }
    return Buffer.concat(chunks);
  }
}

/** `@ns/skill` → `@ns%2fskill`, as npm encodes scoped names in paths. */
export const encodeName = (name: string): string => name.replace('/', '%2f');

function chunked(bytes: Buffer, onProgress: Progress): ReadableStream<Uint8Array> {
  const CHUNK = 64 * 1024;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      const end = Math.min(offset + CHUNK, bytes.length);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
      onProgress(offset, bytes.length);
    },
  });
}
