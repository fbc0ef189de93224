/**
 * The JSON API (`/-/api/v1/…` and the npm endpoints the CLI uses): every request body the routes
 * accept and every answer they send, as zod schemas. The routes parse requests with these and declare
 * their answers with the inferred types; the CLI parses every answer with them, so a route that sends
 * something else fails the CLI's tests instead of reaching a user's terminal as `undefined`.
 */
import { z } from 'zod';
import { MAX_SECRET_BYTES } from './limits.js';

const iso = z.string();
const role = z.enum(['owner', 'admin', 'member']);
export const VISIBILITIES = ['public', 'team', 'private'] as const;
const visibility = z.enum(VISIBILITIES);
export type Visibility = z.infer<typeof visibility>;
export type Role = z.infer<typeof role>;

// ---------------------------------------------------------------------------------------------
// Requests

export const SignupRequest = z.object({
  username: z.string().max(100),
  email: z.string().max(300),
  password: z.string().max(2048),
});
export const LoginRequest = z.object({ username: z.string().max(100), password: z.string().max(2048) });
export const CreateTokenRequest = z.object({
  name: z.string().min(1).max(100),
  readonly: z.boolean().optional(),
  expiresInSeconds: z.number().int().positive().max(315_360_000).nullish(),
});
export const VisibilityRequest = z.object({ visibility });
export const InviteRequest = z.object({
  email: z.string().max(300),
  role: z.enum(['member', 'admin']).optional(),
  anyAccount: z.boolean().optional(),
});
export const JoinRequest = z.object({ code: z.string().min(1).max(500) });
/** A code from a mailed link (email verification, password reset). */
const mailedCode = z.string().min(1).max(500);
export const VerifyEmailRequest = z.object({ code: mailedCode });
export const ForgotPasswordRequest = z.object({ email: z.string().max(300) });
export const ResetPasswordRequest = z.object({ code: mailedCode, password: z.string().max(2048) });
export const ChangePasswordRequest = z.object({
  currentPassword: z.string().max(2048),
  newPassword: z.string().max(2048),
});
export const CreateWorkspaceRequest = z.object({
  slug: z.string().max(100),
  namespace: z.string().max(100).optional(),
});
export const InstallRequest = z.object({
  version: z.string().min(1).max(256),
  /** The installer's consent to the hosts the version's aerostack.json `network` declares. */
  allowNetwork: z.boolean().optional(),
});
/** A secret's value: what an environment variable can carry (no NUL), at most MAX_SECRET_BYTES. */
export const SetSecretRequest = z.object({
  value: z
    .string()
    .min(1, { error: 'must not be empty' })
    .refine((v) => Buffer.byteLength(v) <= MAX_SECRET_BYTES, {
      error: `must be at most ${MAX_SECRET_BYTES} bytes`,
    })
    .refine((v) => !v.includes('\0'), {
      error: 'must not contain a NUL character (an environment variable cannot hold one)',
    }),
});
export const CreateWorkspaceTokenRequest = z.object({
  name: z.string().max(200),
  user: z.string().max(100).optional(),
  expiresInSeconds: z.number().int().positive().optional(),
});

// ---------------------------------------------------------------------------------------------
// Answers

export const Ok = z.object({ ok: z.literal(true) });

export const Session = z.object({ username: z.string(), email: z.string(), token: z.string() });
export const WhoAmI = z.object({ username: z.string(), email: z.string(), readonly: z.boolean() });
export const AccountStatus = z.object({ username: z.string(), email: z.string(), emailVerified: z.boolean() });
export const EmailVerified = z.object({ username: z.string(), email: z.string() });
/** `sent: false` when the address is already verified (nothing to send). */
export const VerificationSent = z.object({ email: z.string(), verified: z.boolean(), sent: z.boolean() });
/** The same answer whether or not an account uses the address. */
export const ForgotPasswordAccepted = z.object({ ok: z.literal(true) });
export const PasswordChanged = z.object({
  username: z.string(),
  email: z.string(),
  /** Session tokens signed out (CLI and npm logins, dashboard sessions); `token create` tokens stay. */
  revokedSessions: z.number(),
  /** A fresh session for the caller, when the credential it used was a session (now signed out). */
  token: z.string().optional(),
});

export const TokenSummary = z.object({
  key: z.string(),
  name: z.string(),
  prefix: z.string(),
  kind: z.enum(['session', 'automation']),
  readonly: z.boolean(),
  created: iso,
  expires: iso.nullable(),
  lastUsed: iso.nullable(),
  status: z.enum(['active', 'revoked', 'expired']),
});
export const TokenList = z.object({ tokens: z.array(TokenSummary) });
export const CreatedToken = TokenSummary.extend({ token: z.string() });

export const ListedSkill = z.object({
  name: z.string(),
  namespace: z.string(),
  visibility,
  latest: z.string().nullable(),
  description: z.string(),
  updated: iso,
});
export const SkillList = z.object({ skills: z.array(ListedSkill) });
export const VisibilityChanged = z.object({ name: z.string(), visibility });
export const DistTags = z.record(z.string(), z.string());

/** One version as npm's package document shows it; other npm fields pass through. */
export const VersionDoc = z.looseObject({
  name: z.string(),
  version: z.string(),
  description: z.string().optional(),
  deprecated: z.string().optional(),
  dist: z.looseObject({
    tarball: z.string(),
    integrity: z.string(),
    shasum: z.string(),
    fileCount: z.number().optional(),
    unpackedSize: z.number().optional(),
  }),
  aerostack: z.record(z.string(), z.unknown()).optional(),
});
export const Packument = z.looseObject({
  _id: z.string(),
  _rev: z.string(),
  name: z.string(),
  description: z.string(),
  'dist-tags': z.record(z.string(), z.string()),
  versions: z.record(z.string(), VersionDoc),
  time: z.record(z.string(), z.string()),
  readme: z.string().optional(),
  visibility,
});
export const Unpublished = Ok.extend({ unpublished: z.array(z.string()) });

/** One tool a skill provides: as aerostack.json declares it (`skill`) or as its server listed it (`mcp`). */
export const ProvidedTool = z.object({
  name: z.string(),
  description: z.string().nullable(),
  /** The JSON Schema of its arguments; null when the server's was larger than the registry keeps. */
  inputSchema: z.record(z.string(), z.unknown()).nullable(),
});
/**
 * What one version of a skill provides (`GET /-/api/v1/skills/@ns%2fskill/provides?version=`): the
 * skill page, `aerostack skill info` and a workspace admin deciding what to install all read this.
 */
export const SkillProvides = z.object({
  name: z.string(),
  version: z.string(),
  type: z.enum(['skill', 'mcp', 'agent-skill']),
  /**
   * `skill`: its one tool. `mcp`: what its server listed the first time this version ran in a
   * workspace, null until then. `agent-skill`: none (it runs in the member's own agent).
   */
  tools: z.array(ProvidedTool).nullable(),
  /** When an `mcp` server's tools were captured; null otherwise. */
  toolsCapturedAt: iso.nullable(),
  /** The server listed more (or larger) tools than the registry keeps: `tools` is the first of them. */
  toolsTruncated: z.boolean(),
  /** An Agent Skill's SKILL.md (first 64 KiB); null for other types. */
  skillMd: z.string().nullable(),
  /** The files in the tarball (the first PROVIDES_LIMITS.maxFiles); null for versions published before the registry kept them. */
  files: z.array(z.string()).nullable(),
  fileCount: z.number(),
  /** The secrets it reads, set per workspace (`aerostack workspace secret set`). */
  env: z.array(z.object({ name: z.string(), description: z.string().nullable(), required: z.boolean() })),
  /** The `host:port` entries it reaches, approved at install. */
  network: z.array(z.string()),
});

/** `/-/v1/search?scope=`: `public` (default) is the marketplace; `team` the team and private skills the caller may read. */
export const SEARCH_SCOPES = ['public', 'team'] as const;
export type SearchScope = (typeof SEARCH_SCOPES)[number];
/**
 * Search counts its matches up to this many (or to the end of the page asked for, if further); past
 * that, `total` is a lower bound and `totalIsLowerBound` is true ("1000+"). Counting every match of a
 * common word is what made search slow at 100k skills.
 */
export const SEARCH_COUNT_LIMIT = 1000;

export const SearchResult = z.looseObject({
  /** The number of matches; a lower bound when `totalIsLowerBound` (see SEARCH_COUNT_LIMIT). */
  total: z.number(),
  totalIsLowerBound: z.boolean().optional(),
  objects: z.array(
    z.looseObject({
      package: z.looseObject({
        name: z.string(),
        version: z.string(),
        description: z.string(),
        keywords: z.array(z.string()),
        date: iso,
        visibility: visibility.optional(),
      }),
    }),
  ),
});

export const PublishResult = z.object({
  name: z.string(),
  version: z.string(),
  visibility,
  integrity: z.string(),
  shasum: z.string(),
  size: z.number(),
  fileCount: z.number(),
  unpackedSize: z.number(),
  tags: z.array(z.string()),
});

export const InviteResult = z.object({
  namespace: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'member']),
  expires: iso,
  resent: z.boolean(),
  anyAccount: z.boolean(),
  /**
   * Where the mail went: `smtp` (sent), or `outbox` (no SMTP configured: written to `file` on the
   * registry's disk, so whoever runs it passes `link` on).
   */
  delivery: z.discriminatedUnion('via', [
    z.object({ via: z.literal('smtp') }),
    z.object({ via: z.literal('outbox'), file: z.string(), link: z.string() }),
  ]),
});
export const TeamRow = z.object({
  email: z.string(),
  username: z.string().nullable(),
  role,
  status: z.enum(['active', 'pending']),
  /** joined (active) or invited (pending). */
  since: iso,
  expires: iso.optional(),
});
export const TeamMembers = z.object({ namespace: z.string(), members: z.array(TeamRow) });
export const MyTeam = z.object({ namespace: z.string(), role, since: iso });
export const MyTeams = z.object({ teams: z.array(MyTeam) });
export const Joined = z.object({ namespace: z.string(), role });
export const MemberRemoved = Ok.extend({ removed: z.object({ username: z.string(), email: z.string() }) });
export const ChangeRoleRequest = z.object({ role: z.enum(['admin', 'member']) });
/** `changed: false`: the member already had that role (nothing was done, nothing audited). */
export const RoleChanged = z.object({
  namespace: z.string(),
  username: z.string(),
  email: z.string(),
  role: z.enum(['admin', 'member']),
  previous: z.enum(['admin', 'member']),
  changed: z.boolean(),
});

export const WorkspaceInfo = z.object({
  slug: z.string(),
  namespace: z.string(),
  role,
  /** Whether the caller may change it (install, uninstall, delete), as the registry's policy decides. */
  canManage: z.boolean(),
  skills: z.number(),
  createdAt: iso,
  url: z.string(),
});
export const WorkspaceList = z.object({ workspaces: z.array(WorkspaceInfo) });
export const CreatedWorkspace = z.object({ slug: z.string(), namespace: z.string(), url: z.string(), createdAt: iso });
export const InstalledSkill = z.object({
  name: z.string(),
  version: z.string(),
  /** The installed version's aerostack.json `type`: an `agent-skill` gives the gateway no tool, members unpack it into their agent. */
  type: z.enum(['skill', 'mcp', 'agent-skill']),
  visibility,
  installedBy: z.string(),
  installedAt: iso,
  /** The `network` hosts the installer approved: all the skill can reach (empty: no network). */
  network: z.array(z.string()),
});
export const SecretSummary = z.object({
  name: z.string(),
  setBy: z.string(),
  setAt: iso,
  /** The installed skills that declare it. */
  usedBy: z.array(z.string()),
});
export const SecretList = z.object({
  workspace: z.string(),
  secrets: z.array(SecretSummary),
  /** Secrets installed skills declare as required that are not set: their tools fail until they are. */
  missing: z.array(z.object({ name: z.string(), usedBy: z.array(z.string()) })),
});
/** The 403 `network_approval_required` answer's extra field: the hosts to approve. */
export const NetworkApprovalRequired = z.object({ error: z.string(), code: z.string(), network: z.array(z.string()) });
export const WorkspaceSkills = z.object({ workspace: z.string(), url: z.string(), skills: z.array(InstalledSkill) });
export const Installed = z.object({
  name: z.string(),
  version: z.string(),
  changed: z.boolean(),
  /** The hosts approved for it in this workspace (its `network`). */
  network: z.array(z.string()),
});
export const WorkspaceTokenSummary = z.object({
  name: z.string(),
  prefix: z.string(),
  user: z.string().nullable(),
  created: iso,
  lastUsed: iso.nullable(),
  expires: iso.nullable(),
  status: z.enum(['active', 'revoked', 'expired']),
  rateLimitPerMinute: z.number(),
});
export const WorkspaceTokenList = z.object({ tokens: z.array(WorkspaceTokenSummary) });
export const CreatedWorkspaceToken = WorkspaceTokenSummary.extend({
  token: z.string(),
  workspace: z.string(),
  url: z.string(),
});
/** Every action the audit log records (the CLI's `--action`, the dashboard's filter, the API's `?action=`). */
export const AUDIT_ACTIONS = [
  'install',
  'uninstall',
  'tool_call',
  'token_created',
  'token_revoked',
  'member_joined',
  'member_removed',
  'member_left',
  'member_role_changed',
  'workspace_created',
  'workspace_deleted',
  'secret_set',
  'secret_deleted',
  'password_reset',
  'password_changed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditEvent = z.object({
  at: iso,
  user: z.string(),
  action: z.string(),
  skill: z.string().nullable(),
  tool: z.string().nullable(),
  status: z.string().nullable(),
  durationMs: z.number().nullable(),
  detail: z.string().nullable(),
});
export const AuditPage = z.object({ workspace: z.string(), events: z.array(AuditEvent) });

export type Session = z.infer<typeof Session>;
export type WhoAmI = z.infer<typeof WhoAmI>;
export type AccountStatus = z.infer<typeof AccountStatus>;
export type VerificationSent = z.infer<typeof VerificationSent>;
export type PasswordChanged = z.infer<typeof PasswordChanged>;
export type ForgotPasswordAccepted = z.infer<typeof ForgotPasswordAccepted>;
export type TokenSummary = z.infer<typeof TokenSummary>;
export type CreatedToken = z.infer<typeof CreatedToken>;
export type ListedSkill = z.infer<typeof ListedSkill>;
export type VersionDoc = z.infer<typeof VersionDoc>;
export type Packument = z.infer<typeof Packument>;
export type ProvidedTool = z.infer<typeof ProvidedTool>;
export type SkillProvides = z.infer<typeof SkillProvides>;
export type SearchResult = z.infer<typeof SearchResult>;
export type PublishResult = z.infer<typeof PublishResult>;
export type InviteResult = z.infer<typeof InviteResult>;
export type TeamRow = z.infer<typeof TeamRow>;
export type TeamMembers = z.infer<typeof TeamMembers>;
export type MyTeam = z.infer<typeof MyTeam>;
export type RoleChanged = z.infer<typeof RoleChanged>;
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;
export type CreatedWorkspace = z.infer<typeof CreatedWorkspace>;
export type InstalledSkill = z.infer<typeof InstalledSkill>;
export type WorkspaceSkills = z.infer<typeof WorkspaceSkills>;
export type Installed = z.infer<typeof Installed>;
export type SecretSummary = z.infer<typeof SecretSummary>;
export type SecretList = z.infer<typeof SecretList>;
export type WorkspaceTokenSummary = z.infer<typeof WorkspaceTokenSummary>;
export type CreatedWorkspaceToken = z.infer<typeof CreatedWorkspaceToken>;
export type AuditEvent = z.infer<typeof AuditEvent>;
export type AuditPage = z.infer<typeof AuditPage>;
