import type { ColumnType, Generated, Insertable, Kysely, Selectable } from 'kysely';

/** Timestamps are written as Date (or left to the database default) and read back as Date. */
type Timestamp = ColumnType<Date, Date | undefined, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
/** jsonb columns: written as a JSON string, read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export type Role = 'owner' | 'admin' | 'member';
export type { Visibility } from '@aerostack/contract/api.js';
import type { ProvidedTool, Visibility } from '@aerostack/contract/api.js';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string;
  password_hash: string;
  created_at: Timestamp;
  /** When a mailed link proved the address (migration 0009); null: unverified (it may not join a team). */
  email_verified_at: NullableTimestamp;
}

/** A namespace is a user's name: `@username/…`. Kept as its own table so teams can hang off it. */
export interface NamespacesTable {
  name: string;
  owner_id: number;
  created_at: Timestamp;
}

export interface MembershipsTable {
  namespace: string;
  user_id: number;
  role: Role;
  created_at: Timestamp;
}

export interface TokensTable {
  id: Generated<number>;
  /** Public identifier (npm's token `key`), safe to show and to revoke by. */
  key: string;
  user_id: number;
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  token_hash: string;
  /** First characters of the secret, for recognising a token in a list. */
  token_prefix: string;
  name: string;
  /** `session` for login/adduser, `automation` for tokens made with `token create`. */
  kind: 'session' | 'automation';
  readonly: boolean;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface SkillsTable {
  id: Generated<number>;
  /** Full name, `@ns/slug`. */
  name: string;
  namespace: string;
  slug: string;
  visibility: Visibility;
  description: string;
  keywords: ColumnType<string[], string[] | undefined, string[]>;
  latest_version: string | null;
  /** Maintained by a database trigger (lowercased name, description, keywords) for trigram search. */
  search_text: ColumnType<string, never, never>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SkillVersionsTable {
  id: Generated<number>;
  skill_id: number;
  version: string;
  /** The version's package.json as published (without `dist`, which is derived). */
  manifest: Json<Record<string, unknown>>;
  /** The validated aerostack.json. */
  aerostack: Json<Record<string, unknown>>;
  readme: string | null;
  integrity: string;
  shasum: string;
  /** Hex SHA-256 of the tarball, for the MCP Registry API and the Agent Skills index; null before 0013. */
  sha256: string | null;
  blob_key: string;
  size: number;
  file_count: number;
  unpacked_size: number;
  deprecated: string | null;
  published_by: number;
  published_at: Timestamp;
  /** Set when unpublished: the row stays so the number is never reused. */
  unpublished_at: NullableTimestamp;
}

export interface DistTagsTable {
  skill_id: number;
  tag: string;
  version: string;
}

export interface InvitationsTable {
  id: Generated<number>;
  namespace: string;
  email: string;
  role: 'admin' | 'member';
  code_hash: string;
  bind_email: boolean;
  invited_by: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  accepted_by: number | null;
  revoked_at: NullableTimestamp;
}

export interface WorkspacesTable {
  id: Generated<number>;
  slug: string;
  namespace: string;
  created_by: number;
  created_at: Timestamp;
}

export interface WorkspaceSkillsTable {
  workspace_id: number;
  skill_id: number;
  /** The exact version installed (resolved from the spec at install time). */
  version: string;
  installed_by: number;
  installed_at: Timestamp;
  /** The aerostack.json `network` entries the installer approved (lower-cased). */
  approved_network: ColumnType<string[], string | undefined, string>;
}

export interface WorkspaceSecretsTable {
  workspace_id: number;
  /** The environment variable's name (contract/names.ts ENV_NAME_RE). */
  name: string;
  /** SecretBox.seal of the value, bound to the workspace and the name. */
  sealed: string;
  set_by: number;
  set_at: Timestamp;
}

export interface WorkspaceTokensTable {
  id: Generated<number>;
  workspace_id: number;
  name: string;
  token_hash: string;
  token_prefix: string;
  user_id: number | null;
  created_by: number;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  rate_limit_per_minute: ColumnType<number, number | undefined, number>;
}

export type { AuditAction } from '@aerostack/contract/api.js';
import type { AuditAction } from '@aerostack/contract/api.js';

export interface AuditEventsTable {
  id: Generated<string>;
  at: Timestamp;
  workspace_id: number | null;
  workspace: string | null;
  namespace: string;
  actor_user_id: number | null;
  /** Who, as shown: `alice@acme` for a member, or the token's name for a shared token. */
  actor: string;
  action: AuditAction;
  skill: string | null;
  tool: string | null;
  status: string | null;
  duration_ms: number | null;
  detail: string | null;
}

/** One row, bumped by triggers whenever something reads depend on changes (migration 0005). */
export interface ChangeEpochTable {
  id: number;
  /** bigint: pg returns it as a string. */
  n: ColumnType<string, never, never>;
}

/**
 * rate-limiter-flexible's RateLimiterPostgres counters (migration 0008), written by the library only
 * (registry/domain/throttle/limiter-store.ts): `<prefix>:<key>`, points used, expiry in ms (bigint).
 */
export interface RateLimitsTable {
  key: string;
  points: number;
  expire: ColumnType<string | null, number | null, number | null>;
}

/** Mailed single-use codes (migration 0009): email verification and password reset. */
export interface AccountCodesTable {
  id: Generated<number>;
  user_id: number;
  purpose: 'verify_email' | 'reset_password';
  /** SHA-256 hex of the code; the code itself exists only in the mail. */
  code_hash: string;
  /** The address the code was mailed to. */
  email: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

/** What a version provides (migration 0010): files, SKILL.md and a skill's tool from publish, an MCP server's tools from its first run. */
export interface SkillVersionProvidesTable {
  version_id: number;
  /** The tarball's files (the first PROVIDES_LIMITS.maxFiles); null: not known (published before 0010). */
  files: ColumnType<string[] | null, string | null | undefined, string | null>;
  skill_md: string | null;
  /** A `skill`'s tool, or the tools an `mcp` server listed (bounded, as contract/api.ts ProvidedTool); null: not run yet. */
  tools: ColumnType<ProvidedTool[] | null, string | null | undefined, string | null>;
  tools_truncated: ColumnType<boolean, boolean | undefined, boolean>;
  tools_captured_at: NullableTimestamp;
}

export interface Database {
  users: UsersTable;
  namespaces: NamespacesTable;
  memberships: MembershipsTable;
  tokens: TokensTable;
  skills: SkillsTable;
  skill_versions: SkillVersionsTable;
  dist_tags: DistTagsTable;
  invitations: InvitationsTable;
  workspaces: WorkspacesTable;
  workspace_skills: WorkspaceSkillsTable;
  workspace_tokens: WorkspaceTokensTable;
  workspace_secrets: WorkspaceSecretsTable;
  audit_events: AuditEventsTable;
  change_epoch: ChangeEpochTable;
  account_codes: AccountCodesTable;
  rate_limits: RateLimitsTable;
  skill_version_provides: SkillVersionProvidesTable;
}

export type Db = Kysely<Database>;
export type User = Selectable<UsersTable>;
export type Token = Selectable<TokensTable>;
export type Skill = Selectable<SkillsTable>;
export type SkillVersion = Selectable<SkillVersionsTable>;
export type NewSkillVersion = Insertable<SkillVersionsTable>;
export type Invitation = Selectable<InvitationsTable>;
export type Workspace = Selectable<WorkspacesTable>;
export type WorkspaceToken = Selectable<WorkspaceTokensTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
