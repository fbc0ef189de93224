import type { z } from 'zod';
import * as api from '@aerostack/contract/api.js';
import { ApiError, UnreachableError } from './errors.js';

// The registry's answers, as contract/api.ts declares them (the CLI parses every one with its schema).
export type {
  AuditEvent as AuditEventRow,
  CreatedWorkspace,
  CreatedWorkspaceToken,
  InstalledSkill,
  InviteResult,
  ListedSkill,
  MyTeam,
  Packument,
  PublishResult,
  SearchResult,
  Session,
  TeamMembers,
  TeamRow,
  TokenSummary as TokenInfo,
  VersionDoc,
  WorkspaceInfo,
  WorkspaceSkills,
  WorkspaceTokenSummary,
} from '@aerostack/contract/api.js';

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

  /**
   * The same registry without credentials: for requests a mailed code authorizes (verify, reset,
   * forgot), which a stale saved token must not turn into a 401.
   */
  anonymous(): RegistryClient {
    return new RegistryClient(this.baseUrl, undefined);
  }

  private async send(
    method: string,
    url: string,
    init: { body?: Buffer | string | ReadableStream<Uint8Array>; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': 'aerostack-cli', ...init.headers };
    // Credentials go only to the registry's own origin (a tarball URL could point elsewhere).
    if (this.token && new URL(url).origin === this.origin) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: init.body,
        ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new UnreachableError(
        `Cannot reach the registry at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (err as Error).message})`,
      );
    }
    if (!res.ok) {
      let message = `${res.status} ${res.statusText}`;
      let fields: Record<string, unknown> = {};
      try {
        const body = (await res.json()) as { error?: unknown };
        if (typeof body.error === 'string') message = body.error;
        if (typeof body === 'object' && body !== null) fields = body;
      } catch {
        // Not JSON (a proxy page, say): keep the status text.
      }
      throw new ApiError(res.status, message, fields);
    }
    return res;
  }

  /** One JSON request; the answer must match `schema` (the contract), else it is the registry's fault. */
  private async json<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const res = await this.send(method, this.baseUrl + path, {
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    });
    return parseAnswer(schema, await res.json(), `${method} ${path}`);
  }

  // Accounts and tokens
  signup = (username: string, email: string, password: string) =>
    this.json(api.Session, 'POST', '/-/api/v1/signup', { username, email, password });
  login = (username: string, password: string) =>
    this.json(api.Session, 'POST', '/-/api/v1/login', { username, password });
  logout = () => this.json(api.Ok, 'POST', '/-/api/v1/logout', {});
  whoami = () => this.json(api.WhoAmI, 'GET', '/-/api/v1/whoami');
  listTokens = async () => (await this.json(api.TokenList, 'GET', '/-/api/v1/tokens')).tokens;
  createToken = (input: z.input<typeof api.CreateTokenRequest>) =>
    this.json(api.CreatedToken, 'POST', '/-/api/v1/tokens', input);
  revokeToken = (ref: string) => this.json(api.Ok, 'DELETE', `/-/api/v1/tokens/${encodeURIComponent(ref)}`);
  accountStatus = () => this.json(api.AccountStatus, 'GET', '/-/api/v1/account');
  verifyEmail = (code: string) => this.json(api.EmailVerified, 'POST', '/-/api/v1/account/verify', { code });
  resendVerification = () => this.json(api.VerificationSent, 'POST', '/-/api/v1/account/verify/resend', {});
  forgotPassword = (email: string) =>
    this.json(api.ForgotPasswordAccepted, 'POST', '/-/api/v1/password/forgot', { email });
  resetPassword = (code: string, password: string) =>
    this.json(api.PasswordChanged, 'POST', '/-/api/v1/password/reset', { code, password });
  changePassword = (currentPassword: string, newPassword: string) =>
    this.json(api.PasswordChanged, 'POST', '/-/api/v1/password/change', { currentPassword, newPassword });

  // Skills
  packument = (name: string) => this.json(api.Packument, 'GET', `/${encodeName(name)}`);
  search = (text: string, size = 20, scope: api.SearchScope = 'public') =>
    this.json(
      api.SearchResult,
      'GET',
      `/-/v1/search?${new URLSearchParams({ text, size: String(size), scope }).toString()}`,
    );
  mySkills = async () => (await this.json(api.SkillList, 'GET', '/-/api/v1/skills')).skills;
  /** What one version provides (its tools, SKILL.md, files, declared secrets and hosts). */
  provides = (name: string, version: string) =>
    this.json(
      api.SkillProvides,
      'GET',
      `/-/api/v1/skills/${encodeName(name)}/provides?${new URLSearchParams({ version }).toString()}`,
    );
  setVisibility = (name: string, visibility: api.Visibility) =>
    this.json(api.VisibilityChanged, 'PUT', `/-/api/v1/skills/${encodeName(name)}/visibility`, { visibility });
  distTags = (name: string) => this.json(api.DistTags, 'GET', `/-/package/${encodeName(name)}/dist-tags`);
  addDistTag = (name: string, tag: string, version: string) =>
    this.json(api.DistTags, 'PUT', `/-/package/${encodeName(name)}/dist-tags/${encodeURIComponent(tag)}`, version);
  removeDistTag = (name: string, tag: string) =>
    this.json(api.DistTags, 'DELETE', `/-/package/${encodeName(name)}/dist-tags/${encodeURIComponent(tag)}`);
  /** npm's metadata PUT: with `rev`, versions missing from `doc` are unpublished. */
  updatePackage = (name: string, doc: api.Packument, rev?: string) =>
    this.json(api.Ok, 'PUT', `/${encodeName(name)}${rev ? `/-rev/${encodeURIComponent(rev)}` : ''}`, doc);
  unpublishAll = (name: string, rev: string) =>
    this.json(api.Unpublished, 'DELETE', `/${encodeName(name)}/-rev/${encodeURIComponent(rev)}`);

  // Teams (namespaces are given without the "@")
  invite = (namespace: string, input: z.input<typeof api.InviteRequest>) =>
    this.json(api.InviteResult, 'POST', `/-/api/v1/teams/${encodeURIComponent(namespace)}/invitations`, input);
  revokeInvitation = (namespace: string, email: string) =>
    this.json(
      api.Ok,
      'DELETE',
      `/-/api/v1/teams/${encodeURIComponent(namespace)}/invitations/${encodeURIComponent(email)}`,
    );
  teamMembers = (namespace: string) =>
    this.json(api.TeamMembers, 'GET', `/-/api/v1/teams/${encodeURIComponent(namespace)}/members`);
  removeMember = (namespace: string, ref: string) =>
    this.json(
      api.MemberRemoved,
      'DELETE',
      `/-/api/v1/teams/${encodeURIComponent(namespace)}/members/${encodeURIComponent(ref)}`,
    );
  changeRole = (namespace: string, ref: string, role: 'admin' | 'member') =>
    this.json(
      api.RoleChanged,
      'PUT',
      `/-/api/v1/teams/${encodeURIComponent(namespace)}/members/${encodeURIComponent(ref)}/role`,
      { role },
    );
  leaveTeam = (namespace: string) =>
    this.json(api.Ok, 'POST', `/-/api/v1/teams/${encodeURIComponent(namespace)}/leave`, {});
  joinTeam = (code: string) => this.json(api.Joined, 'POST', '/-/api/v1/teams/join', { code });
  myTeams = async () => (await this.json(api.MyTeams, 'GET', '/-/api/v1/teams')).teams;

  // Workspaces (slugs and token names are URL-encoded; skill names as npm encodes scoped names)
  listWorkspaces = async () => (await this.json(api.WorkspaceList, 'GET', '/-/api/v1/workspaces')).workspaces;
  createWorkspace = (slug: string, namespace?: string) =>
    this.json(api.CreatedWorkspace, 'POST', '/-/api/v1/workspaces', { slug, ...(namespace ? { namespace } : {}) });
  deleteWorkspace = (slug: string) => this.json(api.Ok, 'DELETE', `/-/api/v1/workspaces/${encodeURIComponent(slug)}`);
  workspaceSkills = (slug: string) =>
    this.json(api.WorkspaceSkills, 'GET', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/skills`);
  installInWorkspace = (slug: string, name: string, version: string, opts: { allowNetwork?: boolean } = {}) =>
    this.json(api.Installed, 'PUT', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/skills/${encodeName(name)}`, {
      version,
      ...(opts.allowNetwork ? { allowNetwork: true } : {}),
    });
  workspaceSecrets = (slug: string) =>
    this.json(api.SecretList, 'GET', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/secrets`);
  setWorkspaceSecret = (slug: string, name: string, value: string) =>
    this.json(
      api.SecretSummary,
      'PUT',
      `/-/api/v1/workspaces/${encodeURIComponent(slug)}/secrets/${encodeURIComponent(name)}`,
      { value },
    );
  deleteWorkspaceSecret = (slug: string, name: string) =>
    this.json(api.Ok, 'DELETE', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/secrets/${encodeURIComponent(name)}`);
  uninstallFromWorkspace = (slug: string, name: string) =>
    this.json(api.Ok, 'DELETE', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/skills/${encodeName(name)}`);
  workspaceTokens = async (slug: string) =>
    (await this.json(api.WorkspaceTokenList, 'GET', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/tokens`)).tokens;
  createWorkspaceToken = (slug: string, input: z.input<typeof api.CreateWorkspaceTokenRequest>) =>
    this.json(api.CreatedWorkspaceToken, 'POST', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/tokens`, input);
  revokeWorkspaceToken = (slug: string, name: string) =>
    this.json(api.Ok, 'DELETE', `/-/api/v1/workspaces/${encodeURIComponent(slug)}/tokens/${encodeURIComponent(name)}`);
  workspaceAudit = (slug: string, filter: AuditFilter = {}) => {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') query.set(k, String(v));
    const qs = query.toString();
    return this.json(
      api.AuditPage,
      'GET',
      `/-/api/v1/workspaces/${encodeURIComponent(slug)}/audit${qs ? `?${qs}` : ''}`,
    );
  };

  /** Publishes through npm's `PUT /:name` body; `onProgress` follows the upload. */
  async publish(name: string, body: object, onProgress?: Progress): Promise<api.PublishResult> {
    const bytes = Buffer.from(JSON.stringify(body));
    const stream = onProgress ? chunked(bytes, onProgress) : undefined;
    const res = await this.send('PUT', `${this.baseUrl}/${encodeName(name)}`, {
      body: stream ?? bytes,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'content-length': String(bytes.length),
      },
    });
    return parseAnswer(api.PublishResult, await res.json(), `PUT /${encodeName(name)}`);
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

/** The registry answered 2xx with something the contract does not describe: its fault, not the user's. */
function parseAnswer<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ApiError(
    502,
    `The registry's answer to ${what} is not what this CLI expects (${issue.path.join('.') || 'answer'}: ${issue.message}); is the registry a different version?`,
  );
}
