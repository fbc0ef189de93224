import type { Db, Token, User } from '../../db/schema.js';
import type { Clock } from '../clock.js';
import { badRequest, notFound, unauthorized } from '@aerostack/contract/errors.js';
import { accountActor, assertCan } from '../access/policy.js';
import type { Viewer } from '../access/viewer.js';
import { newKey, newSecret, sha256Hex } from './secrets.js';
import type { TokenSummary } from '@aerostack/contract/api.js';

export const USER_TOKEN_PREFIX = 'aer_';

export interface IssueTokenInput {
  name: string;
  kind: 'session' | 'automation';
  readonly?: boolean;
  expiresInSeconds?: number | null;
}

export type TokenStatus = TokenSummary['status'];

// Writing last_used_at on every request would turn each read into a write; once a minute is enough.
export const LAST_USED_GRANULARITY_MS = 60_000;

export const DEFAULT_SESSION_DAYS = 30;
const DAY_MS = 86_400_000;
export const SESSION_EXPIRED = 'Your session has expired; sign in again (aerostack login)';

export interface AuthenticatedToken {
  viewer: Viewer;
  expiresAt: Date | null;
  lastUsedAt: Date;
}

/**
 * `aer_…` user tokens: CLI sessions and CI automation. Stored as SHA-256 only. Sessions (login, signup,
 * npm adduser, the dashboard) also expire after `sessionDays` without use; `token create` tokens only
 * at the expiry they were given.
 */
export class UserTokens {
  private readonly sessionIdleMs: number;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    sessionDays = DEFAULT_SESSION_DAYS,
  ) {
    this.sessionIdleMs = sessionDays * DAY_MS;
  }

  /**
   * When a session left unused since `lastUsed` (the recorded last_used_at, or its creation) expires.
   * last_used_at is written at most once a minute (LAST_USED_GRANULARITY_MS), so the true last use
   * may be up to a minute later than the recorded one: that minute is added, so a session used within
   * its lifetime is never refused. Null for other kinds.
   */
  private idleExpiry(kind: Token['kind'], lastUsed: Date): Date | null {
    if (kind !== 'session') return null;
    return new Date(lastUsed.getTime() + this.sessionIdleMs + LAST_USED_GRANULARITY_MS);
  }

  /** Creates a token and returns its secret, which is shown once and never again. */
  async issue(user: Pick<User, 'id'>, input: IssueTokenInput): Promise<{ secret: string; token: Token }> {
    const name = input.name.trim();
    if (!name || name.length > 100) throw badRequest('Token name must be 1-100 characters');
    const ttl = input.expiresInSeconds;
    if (ttl !== undefined && ttl !== null && (!Number.isInteger(ttl) || ttl <= 0 || ttl > 10 * 365 * 86400)) {
      throw badRequest('expiresInSeconds must be a whole number of seconds between 1 and 315360000');
    }
    const now = this.clock.now();
    const secret = newSecret(USER_TOKEN_PREFIX);
    const token = await this.db
      .insertInto('tokens')
      .values({
        key: newKey(),
        user_id: user.id,
        token_hash: sha256Hex(secret),
        token_prefix: secret.slice(0, USER_TOKEN_PREFIX.length + 6),
        name,
        kind: input.kind,
        readonly: input.readonly ?? false,
        created_at: now,
        expires_at: ttl ? new Date(now.getTime() + ttl * 1000) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { secret, token };
  }

  /** The viewer a bearer secret stands for; a 401 naming the reason for unknown, revoked or expired tokens. */
  async authenticate(secret: string): Promise<Viewer> {
    return (await this.resolve(secret)).viewer;
  }

  /**
   * `authenticate`, plus what a cache of the answer must re-check on its own: the expiry (time moves
   * without any write) and when last_used_at was last written.
   */
  async resolve(secret: string): Promise<AuthenticatedToken> {
    if (!secret.startsWith(USER_TOKEN_PREFIX) || secret.length > 200) throw unauthorized('Invalid token');
    const row = await this.db
      .selectFrom('tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id',
        't.key',
        't.readonly',
        't.kind',
        't.created_at',
        't.expires_at',
        't.revoked_at',
        't.last_used_at',
      ])
      .select(['u.id as user_id', 'u.username', 'u.email'])
      .where('t.token_hash', '=', sha256Hex(secret))
      .executeTakeFirst();
    if (!row) throw unauthorized('Invalid token');
    if (row.revoked_at) throw unauthorized('This token has been revoked; sign in again');
    const now = this.clock.now();
    if (row.expires_at && row.expires_at <= now) throw unauthorized('This token has expired; sign in again');
    // Checked before last_used_at is written: the use that finds a session expired must not revive it.
    const idle = this.idleExpiry(row.kind, row.last_used_at ?? row.created_at);
    if (idle && idle <= now) throw unauthorized(SESSION_EXPIRED);
    let lastUsedAt = row.last_used_at;
    if (!lastUsedAt || now.getTime() - lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
      await this.db.updateTable('tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
      lastUsedAt = now;
    }
    // What a cache of this answer must not outlive: the explicit expiry, or the session's idle one.
    const expiresAt = earliest(row.expires_at, this.idleExpiry(row.kind, lastUsedAt));
    return {
      viewer: {
        user: { id: row.user_id, username: row.username, email: row.email },
        token: { id: row.id, key: row.key, readonly: row.readonly, kind: row.kind },
      },
      expiresAt,
      lastUsedAt,
    };
  }

  async list(userId: number): Promise<TokenSummary[]> {
    const rows = await this.db
      .selectFrom('tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const now = this.clock.now();
    return rows.map((t) => ({
      key: t.key,
      name: t.name,
      prefix: t.token_prefix,
      kind: t.kind,
      readonly: t.readonly,
      created: t.created_at.toISOString(),
      expires: t.expires_at?.toISOString() ?? null,
      lastUsed: t.last_used_at?.toISOString() ?? null,
      status: t.revoked_at ? 'revoked' : this.expired(t, now) ? 'expired' : 'active',
    }));
  }

  private expired(t: Token, now: Date): boolean {
    if (t.expires_at && t.expires_at <= now) return true;
    const idle = this.idleExpiry(t.kind, t.last_used_at ?? t.created_at);
    return idle !== null && idle <= now;
  }

  /**
   * Revokes one of the viewer's tokens by key, name or the secret itself (npm logout sends the
   * secret). A token may always revoke itself (logout), and whoever holds a secret may end it; any
   * other revocation is a write the policy must allow (a read-only token writes nothing).
   */
  async revoke(viewer: Viewer, ref: { key?: string; name?: string; secret?: string }): Promise<number> {
    const user = viewer.user;
    if (!user) throw unauthorized();
    const itself = ref.secret !== undefined || (ref.key !== undefined && ref.key === viewer.token?.key);
    if (!itself) assertCan(accountActor(viewer), 'account.token.revoke', {});
    let q = this.db
      .updateTable('tokens')
      .set({ revoked_at: this.clock.now() })
      .where('user_id', '=', user.id)
      .where('revoked_at', 'is', null);
    if (ref.key !== undefined) q = q.where('key', '=', ref.key);
    else if (ref.name !== undefined) q = q.where('name', '=', ref.name);
    else if (ref.secret !== undefined) q = q.where('token_hash', '=', sha256Hex(ref.secret));
    else throw badRequest('Say which token to revoke');
    const res = await q.executeTakeFirst();
    const n = Number(res.numUpdatedRows);
    if (n === 0) throw notFound('No such active token');
    return n;
  }

  /** An automation token for the viewer, as the policy allows (a read-only token mints only read-only ones). */
  async create(
    viewer: Viewer,
    input: { name: string; readonly?: boolean; expiresInSeconds?: number | null },
  ): Promise<{ secret: string; token: Token }> {
    assertCan(accountActor(viewer), 'account.token.create', { readonly: input.readonly ?? false });
    return this.issue(viewer.user!, { ...input, kind: 'automation' });
  }
}

const earliest = (a: Date | null, b: Date | null): Date | null => (a && b ? (a < b ? a : b) : (a ?? b));
