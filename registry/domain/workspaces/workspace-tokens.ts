import type { ChangeEpoch } from '../../db/change-epoch.js';
import type { Db, Workspace } from '../../db/schema.js';
import { actorLabel, type AuditLog } from '../audit/audit-log.js';
import { CredentialCache, type CheckedCredential } from '../cache/credential-cache.js';
import { noMetrics, type Metrics } from '../../metrics/metrics.js';
import { isUniqueViolation } from '../accounts/accounts.js';
import { newSecret, sha256Hex } from '../accounts/secrets.js';
import { LAST_USED_GRANULARITY_MS } from '../accounts/user-tokens.js';
import type { AccessControl } from '../access/access-control.js';
import { assertCan, can } from '../access/policy.js';
import type { Viewer } from '../access/viewer.js';
import type { Clock } from '../clock.js';
import { badRequest, conflict, notFound, unauthorized } from '@aerostack/contract/errors.js';
import type { Workspaces } from './workspaces.js';
import type { WorkspaceTokenSummary } from '@aerostack/contract/api.js';

export const WORKSPACE_TOKEN_PREFIX = 'mwt_';
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 120;

/** Who a gateway request acts for, once its `mwt_` token checks out. */
export interface GatewayPrincipal {
  tokenId: number;
  tokenName: string;
  workspace: Workspace;
  user: { id: number; username: string; email: string } | null;
  rateLimitPerMinute: number;
  /** How audit rows name this caller. */
  actor: string;
}

/** `mwt_` tokens: one per editor (or a shared one), stored as SHA-256 only, revocable at once. */
export class WorkspaceTokens {
  /** Per workspace slug and token: the principal it checked out as, for one change epoch. */
  private readonly principals: CredentialCache<GatewayPrincipal>;

  constructor(
    private readonly db: Db,
    private readonly access: AccessControl,
    private readonly workspaces: Workspaces,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly defaultRateLimit: number,
    private readonly changeEpoch: ChangeEpoch,
    metrics: Metrics = noMetrics,
  ) {
    this.principals = new CredentialCache<GatewayPrincipal>(LAST_USED_GRANULARITY_MS, {
      accepted: metrics.cache('workspace_tokens'),
      refused: metrics.cache('workspace_token_refusals'),
    });
  }

  /**
   * Mints a token. Bound to `input.user`; without one, an owner's or admin's token is shared (bound
   * to no one) and a member's is bound to the member. The policy decides who may bind to whom.
   */
  async create(
    viewer: Viewer,
    slug: string,
    input: { name: string; user?: string; expiresInSeconds?: number },
  ): Promise<{ token: string; summary: WorkspaceTokenSummary }> {
    const { ws, actor } = await this.workspaces.open(viewer, slug, 'workspace.read');
    const me = viewer.user!;
    const name = input.name.trim();
    if (!name || name.length > 100) throw badRequest('Token name must be 1-100 characters');
    const ttl = input.expiresInSeconds;
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl <= 0 || ttl > 10 * 365 * 86400))
      throw badRequest('expires-in must be a whole number of seconds');
    const requested = input.user?.replace(/^@/, '').toLowerCase();
    const manager = actor.role === 'owner' || actor.role === 'admin';
    const bind =
      requested === undefined ? (manager ? 'shared' : 'self') : requested === me.username ? 'self' : 'member';
    assertCan(actor, 'workspace.token.create', { namespace: ws.namespace, slug, bind });
    let userId: number | null = bind === 'self' ? me.id : null;
    if (bind === 'member') {
      const member = await this.db
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select('u.id')
        .where('m.namespace', '=', ws.namespace)
        .where('u.username', '=', requested!)
        .executeTakeFirst();
      if (!member) throw badRequest(`${input.user} is not a member of @${ws.namespace}; invite them first`);
      userId = member.id;
    }
    const now = this.clock.now();
    const secret = newSecret(WORKSPACE_TOKEN_PREFIX);
    try {
      await this.db
        .insertInto('workspace_tokens')
        .values({
          workspace_id: ws.id,
          name,
          token_hash: sha256Hex(secret),
          token_prefix: secret.slice(0, WORKSPACE_TOKEN_PREFIX.length + 6),
          user_id: userId,
          created_by: me.id,
          created_at: now,
          expires_at: ttl ? new Date(now.getTime() + ttl * 1000) : null,
          rate_limit_per_minute: this.defaultRateLimit,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`Workspace ${slug} already has an active token named "${name}"`);
      throw err;
    }
    await this.audit.recordUserAction(ws, me, 'token_created', { detail: name });
    const summary = (await this.list(viewer, slug)).find((t) => t.name === name && t.status === 'active')!;
    return { token: secret, summary };
  }

  /** The workspace's tokens: all of them for its owner and admins, a member's own for a member. */
  async list(viewer: Viewer, slug: string): Promise<WorkspaceTokenSummary[]> {
    const { ws, actor } = await this.workspaces.open(viewer, slug, 'workspace.read');
    const all = can(actor, 'workspace.token.read-all', { namespace: ws.namespace, slug }).allowed;
    const me = viewer.user!.id;
    const rows = await this.db
      .selectFrom('workspace_tokens as t')
      .leftJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.name',
        't.token_prefix',
        'u.username',
        't.created_at',
        't.last_used_at',
        't.expires_at',
        't.revoked_at',
        't.rate_limit_per_minute',
      ])
      .where('t.workspace_id', '=', ws.id)
      .$if(!all, (q) => q.where((eb) => eb.or([eb('t.user_id', '=', me), eb('t.created_by', '=', me)])))
      .orderBy('t.created_at')
      .orderBy('t.id')
      .execute();
    const now = this.clock.now();
    return rows.map((t) => ({
      name: t.name,
      prefix: t.token_prefix,
      user: t.username,
      created: t.created_at.toISOString(),
      lastUsed: t.last_used_at?.toISOString() ?? null,
      expires: t.expires_at?.toISOString() ?? null,
      status: t.revoked_at ? 'revoked' : t.expires_at && t.expires_at <= now ? 'expired' : 'active',
      rateLimitPerMinute: t.rate_limit_per_minute,
    }));
  }

  /** Revokes a token by name: any of the workspace's for its owner and admins, a member's own for a member. */
  async revoke(viewer: Viewer, slug: string, name: string): Promise<void> {
    const { ws, actor } = await this.workspaces.open(viewer, slug, 'workspace.read');
    const me = viewer.user!;
    const token = await this.db
      .selectFrom('workspace_tokens')
      .select(['id', 'user_id', 'created_by'])
      .where('workspace_id', '=', ws.id)
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const own = token !== undefined && (token.user_id === me.id || token.created_by === me.id);
    // A member asking about someone else's token learns nothing more than about a missing one.
    if (!token || (!own && !can(actor, 'workspace.token.read-all', { namespace: ws.namespace, slug }).allowed)) {
      assertCan(actor, 'workspace.token.revoke', { namespace: ws.namespace, slug, own: true });
      throw notFound(`Workspace ${slug} has no active token named "${name}"`);
    }
    assertCan(actor, 'workspace.token.revoke', { namespace: ws.namespace, slug, own });
    await this.db
      .updateTable('workspace_tokens')
      .set({ revoked_at: this.clock.now() })
      .where('id', '=', token.id)
      .execute();
    await this.audit.recordUserAction(ws, me, 'token_revoked', { detail: name });
  }

  /**
   * Revokes, in a namespace's workspaces, every token bound to a user or minted by them (the user
   * left or was removed): an admin's shared tokens go with the admin.
   */
  async revokeForMember(namespace: string, userId: number): Promise<number> {
    const res = await this.db
      .updateTable('workspace_tokens')
      .set({ revoked_at: this.clock.now() })
      .where((eb) => eb.or([eb('user_id', '=', userId), eb('created_by', '=', userId)]))
      .where('revoked_at', 'is', null)
      .where('workspace_id', 'in', (eb) => eb.selectFrom('workspaces').select('id').where('namespace', '=', namespace))
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /**
   * Checks a gateway request's bearer token against the workspace in the URL, on every request:
   * unknown, revoked, expired, another workspace's, or bound to someone no longer in the team → 401.
   * Also gives the change epoch (registry/db/change-epoch.ts) the answer was checked
   * under — what the gateway's other per-request caches are keyed by. A principal is reused only
   * under the same epoch (a revoked token, a removed member, a deleted workspace move it, on any
   * instance); expiry is re-checked against the clock on every use, and last_used_at is refreshed
   * as often as the uncached path would. Refusals are never cached.
   */
  async authenticateAt(slug: string, secret: string): Promise<{ principal: GatewayPrincipal; epoch: number }> {
    if (!secret.startsWith(WORKSPACE_TOKEN_PREFIX) || secret.length > 200)
      throw unauthorized('Invalid workspace token');
    const epoch = await this.changeEpoch.current();
    const principal = await this.principals.get(slug, secret, epoch, this.clock.now().getTime(), () =>
      this.resolve(slug, secret),
    );
    return { principal, epoch };
  }

  private async resolve(slug: string, secret: string): Promise<CheckedCredential<GatewayPrincipal>> {
    const row = await this.db
      .selectFrom('workspace_tokens as t')
      .innerJoin('workspaces as w', 'w.id', 't.workspace_id')
      .leftJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id',
        't.name',
        't.user_id',
        't.expires_at',
        't.revoked_at',
        't.last_used_at',
        't.rate_limit_per_minute',
      ])
      .select([
        'w.id as ws_id',
        'w.slug',
        'w.namespace',
        'w.created_by',
        'w.created_at as ws_created_at',
        'u.username',
        'u.email',
      ])
      .where('t.token_hash', '=', sha256Hex(secret))
      .executeTakeFirst();
    if (!row || row.slug !== slug) throw unauthorized('Invalid workspace token');
    if (row.revoked_at) throw unauthorized('This workspace token has been revoked');
    const now = this.clock.now();
    if (row.expires_at && row.expires_at <= now) throw unauthorized('This workspace token has expired');
    const user = row.user_id !== null ? { id: row.user_id, username: row.username!, email: row.email! } : null;
    if (user) {
      // The same policy as every other read: the member must still be in the workspace's namespace.
      const actor = await this.access.actorIn({ user, token: null }, row.namespace);
      if (!can(actor, 'workspace.read', { namespace: row.namespace, slug }).allowed)
        throw unauthorized(`${row.username} is no longer a member of @${row.namespace}`);
    }
    let lastUsedAt = row.last_used_at;
    if (!lastUsedAt || now.getTime() - lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
      await this.db.updateTable('workspace_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
      lastUsedAt = now;
    }
    return {
      value: {
        tokenId: row.id,
        tokenName: row.name,
        workspace: {
          id: row.ws_id,
          slug: row.slug,
          namespace: row.namespace,
          created_by: row.created_by,
          created_at: row.ws_created_at,
        },
        user,
        rateLimitPerMinute: row.rate_limit_per_minute,
        actor: user ? actorLabel(user.username, row.namespace) : row.name,
      },
      expiresAt: row.expires_at?.getTime() ?? null,
      lastUsedAt: lastUsedAt.getTime(),
    };
  }
}
