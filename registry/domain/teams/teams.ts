import { EMAIL_RE } from '@aerostack/contract/names.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, Invitation, Role } from '../../db/schema.js';
import type { Mailer } from '../../mail/mailer.js';
import { MailDeliveryError } from '../../mail/mailer.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import { accountActor, assertCan } from '../access/policy.js';
import { sha256Hex } from '../accounts/secrets.js';
import type { Clock } from '../clock.js';
import { badRequest, conflict, DomainError, notFound, unauthorized } from '@aerostack/contract/errors.js';
import { USERNAME_RE } from '@aerostack/contract/names.js';
import { displayNameFor, invitationMail } from './invitation-mail.js';
import type { InviteResult, RoleChanged, TeamRow } from '@aerostack/contract/api.js';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface TeamsDeps {
  db: Db;
  access: AccessControl;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  /** Told of every membership change (the audit log listens here). */
  onMemberChange?: (event: MemberChange) => Promise<void> | void;
}

export interface MemberChange {
  namespace: string;
  action: 'member_joined' | 'member_removed' | 'member_left' | 'member_role_changed';
  /** The member whose membership changed (the audit row's DETAIL names them by email). */
  user: { id: number; username: string; email: string };
  actor: { id: number; username: string };
  /** For `member_role_changed`: the roles before and after. */
  roles?: { from: Role; to: Role };
}

/**
 * Teams: a namespace owner (or admin) invites people by email; the join code in the mail is single
 * use, expires after 7 days and is stored hashed. Membership is read fresh on every request by
 * AccessControl, so a removal takes effect on the next request everywhere.
 */
export class Teams {
  constructor(private readonly deps: TeamsDeps) {}

  async invite(
    viewer: Viewer,
    namespace: string,
    input: { email: string; role?: 'admin' | 'member'; anyAccount?: boolean },
  ): Promise<InviteResult> {
    const role = input.role ?? 'member';
    await this.deps.access.assertCan(viewer, 'team.invite', { namespace, role });
    const email = input.email.trim();
    if (!EMAIL_RE.test(email) || email.length > 254) throw badRequest(`"${input.email}" is not a valid email address`);
    const { db, clock } = this.deps;
    const already = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select('u.username')
      .where('m.namespace', '=', namespace)
      .where((eb) => eb(eb.fn('lower', ['u.email']), '=', email.toLowerCase()))
      .executeTakeFirst();
    if (already) throw conflict(`${email} is already a member of @${namespace}`);

    // Hex, not base64url: a code starting with "-" would read as a flag in `aerostack team join <code>`.
    const code = randomBytes(24).toString('hex');
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
    // Re-inviting replaces the open invitation: the old link stops working, a fresh one is mailed.
    const invitation = await db.transaction().execute(async (trx) => {
      const replaced = await trx
        .updateTable('invitations')
        .set({ revoked_at: now })
        .where('namespace', '=', namespace)
        .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .returning('expires_at')
        .execute();
      const row = await trx
        .insertInto('invitations')
        .values({
          namespace,
          email,
          role,
          code_hash: sha256Hex(code),
          bind_email: !input.anyAccount,
          invited_by: viewer.user!.id,
          created_at: now,
          expires_at: expiresAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // An expired invitation is retired too, but replacing it is a new invitation, not a resend.
      return { row, resent: replaced.some((r) => r.expires_at > now) };
    });

    const link = `${this.deps.publicUrl}/join/${code}`;
    let delivery: InviteResult['delivery'];
    try {
      const sent = await this.deps.mailer.send(
        invitationMail({ to: email, namespace, inviter: viewer.user!.username, role, link, code, expiresAt }),
      );
      if (sent.via === 'outbox') {
        // No SMTP configured (development): the link is logged, and answered to the inviter, so
        // whoever runs the registry can pass it on; nobody was mailed, and the answer says so.
        this.deps.logger.info({ namespace, email, file: sent.file, link }, 'invitation written to the outbox');
        delivery = { via: 'outbox', file: sent.file, link };
      } else delivery = { via: 'smtp' };
    } catch (err) {
      // An invitation nobody received is no invitation: withdraw it and say so.
      await db
        .updateTable('invitations')
        .set({ revoked_at: clock.now() })
        .where('id', '=', invitation.row.id)
        .execute();
      if (err instanceof MailDeliveryError)
        throw new DomainError(502, `Could not send the invitation to ${email}: ${err.message}`);
      throw err;
    }
    return {
      namespace,
      email,
      name: displayNameFor(email),
      role,
      expires: expiresAt.toISOString(),
      resent: invitation.resent,
      anyAccount: Boolean(input.anyAccount),
      delivery,
    };
  }

  /** Withdraws a pending invitation: whoever may send it may take it back. */
  async revokeInvitation(viewer: Viewer, namespace: string, email: string): Promise<void> {
    const pending = await this.deps.db
      .selectFrom('invitations')
      .select('role')
      .where('namespace', '=', namespace)
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await this.deps.access.assertCan(viewer, 'team.invite', {
      namespace,
      role: pending?.role === 'admin' ? 'admin' : 'member',
    });
    const res = await this.deps.db
      .updateTable('invitations')
      .set({ revoked_at: this.deps.clock.now() })
      .where('namespace', '=', namespace)
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFound(`No pending invitation for ${email} in @${namespace}`);
  }

  /** What the join page shows before accepting; the same refusals as `join`. */
  async describeInvitation(
    code: string,
  ): Promise<{ namespace: string; role: string; email: string; anyAccount: boolean; expires: string }> {
    const inv = await this.openInvitation(code);
    return {
      namespace: inv.namespace,
      role: inv.role,
      email: inv.email,
      anyAccount: !inv.bind_email,
      expires: inv.expires_at.toISOString(),
    };
  }

  private async openInvitation(code: string): Promise<Invitation> {
    const inv = await this.deps.db
      .selectFrom('invitations')
      .selectAll()
      .where('code_hash', '=', sha256Hex(code.trim()))
      .executeTakeFirst();
    if (!inv) throw notFound('This invitation link is not valid; check that you copied all of it');
    if (inv.accepted_at) throw new DomainError(410, 'This invitation has already been used');
    if (inv.revoked_at)
      throw new DomainError(410, `This invitation was withdrawn; ask @${inv.namespace} for a new one`);
    if (inv.expires_at <= this.deps.clock.now()) {
      throw new DomainError(
        410,
        `This invitation expired on ${inv.expires_at.toISOString().slice(0, 10)}; ask @${inv.namespace} for a new one`,
      );
    }
    return inv;
  }

  /**
   * Accepts an invitation for the signed-in user. Rule (policy `team.join`): the invitation binds to
   * the invited email — the account's email must be that one, and verified — unless the inviter
   * allowed any account (`--any-account`). A refusal leaves the invitation open.
   */
  async join(viewer: Viewer, code: string): Promise<{ namespace: string; role: Role }> {
    const user = viewer.user;
    if (!user) throw unauthorized('Sign in (or sign up) first, then join');
    const inv = await this.openInvitation(code);
    // Read now, not from the session: the address and whether it is proved.
    const account = await this.deps.db
      .selectFrom('users')
      .select(['email', 'email_verified_at'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    assertCan(accountActor(viewer), 'team.join', {
      namespace: inv.namespace,
      invitedEmail: inv.email,
      bindEmail: inv.bind_email,
      account: { email: account.email, emailVerified: account.email_verified_at !== null },
    });
    const owner = await this.deps.db
      .selectFrom('namespaces')
      .select('owner_id')
      .where('name', '=', inv.namespace)
      .executeTakeFirstOrThrow();
    if (owner.owner_id === user.id) throw conflict(`You own @${inv.namespace}`);
    const now = this.deps.clock.now();
    const joined = await this.deps.db.transaction().execute(async (trx) => {
      // The conditional update is the single-use guarantee: of two concurrent joins, one updates a row.
      const taken = await trx
        .updateTable('invitations')
        .set({ accepted_at: now, accepted_by: user.id })
        .where('id', '=', inv.id)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 0) throw new DomainError(410, 'This invitation has already been used');
      const existing = await trx
        .selectFrom('memberships')
        .select('role')
        .where('namespace', '=', inv.namespace)
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      if (existing) return { role: existing.role, isNew: false };
      await trx
        .insertInto('memberships')
        .values({ namespace: inv.namespace, user_id: user.id, role: inv.role, created_at: now })
        .execute();
      return { role: inv.role as Role, isNew: true };
    });
    if (joined.isNew)
      await this.deps.onMemberChange?.({
        namespace: inv.namespace,
        action: 'member_joined',
        user: { ...user, email: account.email },
        actor: user,
      });
    return { namespace: inv.namespace, role: joined.role };
  }

  /** Active members (the owner first) and pending invitations. Visible to the namespace's own people. */
  async list(viewer: Viewer, namespace: string): Promise<TeamRow[]> {
    const decision = await this.deps.access.can(viewer, 'team.read', { namespace });
    if (!decision.allowed) {
      const exists = await this.deps.db
        .selectFrom('namespaces')
        .select('name')
        .where('name', '=', namespace)
        .executeTakeFirst();
      if (!exists && viewer.user) throw notFound(`No namespace @${namespace}`);
      throw new DomainError(decision.status, decision.reason);
    }
    const { db, clock } = this.deps;
    const members = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.email', 'u.username', 'm.role', 'm.created_at'])
      .where('m.namespace', '=', namespace)
      .orderBy('m.created_at')
      .orderBy('u.username')
      .execute();
    const pending = await db
      .selectFrom('invitations')
      .select(['email', 'role', 'created_at', 'expires_at'])
      .where('namespace', '=', namespace)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', clock.now())
      .orderBy('created_at')
      .execute();
    return [
      ...members.map((m): TeamRow => ({
        email: m.email,
        username: m.username,
        role: m.role,
        status: 'active',
        since: m.created_at.toISOString(),
      })),
      ...pending.map((p): TeamRow => ({
        email: p.email,
        username: null,
        role: p.role,
        status: 'pending',
        since: p.created_at.toISOString(),
        expires: p.expires_at.toISOString(),
      })),
    ];
  }

  /** Removes a member by email or username. Admins may remove members; only the owner removes admins. */
  async remove(viewer: Viewer, namespace: string, ref: string): Promise<{ username: string; email: string }> {
    // Whoever may not manage the team learns nothing about who is in it.
    await this.deps.access.assertCan(viewer, 'team.remove', { namespace, targetRole: 'member' });
    const target = ref.trim().toLowerCase();
    const member = await this.findMember(namespace, ref);
    if (!member) {
      // A pending invitation is "removed" by withdrawing it, as people expect from the team list.
      if (target.includes('@')) {
        await this.revokeInvitation(viewer, namespace, target).catch((err: unknown) => {
          throw err instanceof DomainError && err.status === 404
            ? notFound(`${ref} is not a member of @${namespace}`)
            : err;
        });
        return { username: '', email: target };
      }
      throw notFound(`${ref} is not a member of @${namespace}`);
    }
    await this.deps.access.assertCan(viewer, 'team.remove', {
      namespace,
      targetRole: (await this.namespaceOwner(namespace)) === member.id ? 'owner' : member.role,
    });
    await this.deps.db
      .deleteFrom('memberships')
      .where('namespace', '=', namespace)
      .where('user_id', '=', member.id)
      .execute();
    await this.deps.onMemberChange?.({ namespace, action: 'member_removed', user: member, actor: viewer.user! });
    return { username: member.username, email: member.email };
  }

  /**
   * Makes a member an admin, or an admin a member (policy `team.change-role`: the owner only, never
   * the owner's own role). Asking for the role the member already has changes nothing and is not audited.
   */
  async changeRole(viewer: Viewer, namespace: string, ref: string, role: 'admin' | 'member'): Promise<RoleChanged> {
    // Whoever may not change roles learns nothing about who is in the team.
    await this.deps.access.assertCan(viewer, 'team.change-role', { namespace, targetRole: 'member' });
    const member = await this.findMember(namespace, ref);
    if (!member) throw notFound(`${ref.trim()} is not a member of @${namespace}`);
    const current: Role =
      (await this.namespaceOwner(namespace)) === member.id || member.role === 'owner' ? 'owner' : member.role;
    await this.deps.access.assertCan(viewer, 'team.change-role', { namespace, targetRole: current });
    const previous = current as 'admin' | 'member';
    const answer = { namespace, username: member.username, email: member.email, role, previous };
    if (previous === role) return { ...answer, changed: false };
    // Conditional on the role read above: of two concurrent changes, the second finds nothing to change.
    const res = await this.deps.db
      .updateTable('memberships')
      .set({ role })
      .where('namespace', '=', namespace)
      .where('user_id', '=', member.id)
      .where('role', '=', previous)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return { ...answer, changed: false };
    await this.deps.onMemberChange?.({
      namespace,
      action: 'member_role_changed',
      user: member,
      actor: viewer.user!,
      roles: { from: previous, to: role },
    });
    return { ...answer, changed: true };
  }

  async leave(viewer: Viewer, namespace: string): Promise<void> {
    await this.deps.access.assertCan(viewer, 'team.leave', { namespace });
    const user = viewer.user!;
    const { email } = await this.deps.db
      .selectFrom('users')
      .select('email')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    await this.deps.db
      .deleteFrom('memberships')
      .where('namespace', '=', namespace)
      .where('user_id', '=', user.id)
      .execute();
    await this.deps.onMemberChange?.({ namespace, action: 'member_left', user: { ...user, email }, actor: user });
  }

  /** An active member of `namespace`, by email or username. */
  private findMember(namespace: string, ref: string) {
    const target = ref.trim().toLowerCase();
    return this.deps.db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'u.username', 'u.email', 'm.role'])
      .where('m.namespace', '=', namespace)
      .where((eb) =>
        target.includes('@') ? eb(eb.fn('lower', ['u.email']), '=', target) : eb('u.username', '=', target),
      )
      .executeTakeFirst();
  }

  private async namespaceOwner(namespace: string): Promise<number | null> {
    const row = await this.deps.db
      .selectFrom('namespaces')
      .select('owner_id')
      .where('name', '=', namespace)
      .executeTakeFirst();
    return row?.owner_id ?? null;
  }

  /** The namespaces the viewer belongs to, with its role in each. */
  async mine(viewer: Viewer): Promise<Array<{ namespace: string; role: Role; since: string }>> {
    const user = viewer.user;
    if (!user) throw unauthorized('Sign in first (aerostack login)');
    const rows = await this.deps.db
      .selectFrom('memberships')
      .select(['namespace', 'role', 'created_at'])
      .where('user_id', '=', user.id)
      .orderBy('namespace')
      .execute();
    return rows.map((r) => ({ namespace: r.namespace, role: r.role, since: r.created_at.toISOString() }));
  }
}

/** `@acme` or `acme` → `acme`. */
export function parseNamespace(raw: string): string {
  const ns = raw.trim().replace(/^@/, '');
  if (!USERNAME_RE.test(ns)) throw badRequest(`"${raw}" is not a valid namespace`);
  return ns;
}
