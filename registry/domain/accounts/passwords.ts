import type { Transaction } from 'kysely';
import type { Database, Db } from '../../db/schema.js';
import type { BackgroundMail } from '../../mail/background-mail.js';
import { accountActor, assertCan } from '../access/policy.js';
import type { Viewer } from '../access/viewer.js';
import { actorLabel, type AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { AttemptThrottle } from '../throttle/attempt-throttle.js';
import { badRequest, DomainError, forbidden } from '@aerostack/contract/errors.js';
import { EMAIL_RE } from '@aerostack/contract/names.js';
import type { PasswordChanged } from '@aerostack/contract/api.js';
import type { AccountCodes } from './account-codes.js';
import { resetMail } from './account-mail.js';
import { type Accounts } from './accounts.js';
import { passwordProblem } from '@aerostack/contract/limits.js';
import { hashPassword } from './secrets.js';

export const RESET_TTL_MS = 3600 * 1000;
/** A mail lists the reset links of at most this many accounts sharing one address. */
const MAX_ACCOUNTS_PER_MAIL = 5;

export interface PasswordsDeps {
  db: Db;
  clock: Clock;
  accounts: Accounts;
  codes: AccountCodes;
  mail: BackgroundMail;
  audit: AuditLog;
  publicUrl: string;
  /** Counts each forgot-password request per address asked for and per client address. */
  forgotThrottle: AttemptThrottle;
}

/** Who, and how many session tokens (CLI and npm logins, dashboard sessions) were signed out. */
export type PasswordChangeResult = Omit<PasswordChanged, 'token'>;

/**
 * Forgotten passwords (a mailed link, `PUBLIC_URL/reset/<code>`, 1 h, single use) and changing one's
 * password. Either signs out every session of the account — the tokens a password sign-in made — and
 * leaves the tokens made with `token create` (CI) alone; either is an audit row.
 */
export class Passwords {
  constructor(private readonly deps: PasswordsDeps) {}

  /** Mails reset links to the accounts using `email`; the same (silent) outcome when there are none. */
  async forgot(email: string, address: string | undefined): Promise<void> {
    const to = email.trim();
    if (!EMAIL_RE.test(to) || to.length > 254) throw badRequest('Invalid email address');
    await this.deps.forgotThrottle.take({ account: to, address });
    const users = await this.deps.db
      .selectFrom('users')
      .select(['id', 'username', 'email', 'email_verified_at'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', to.toLowerCase()))
      .orderBy('id')
      .execute();
    // An address proved by one account resets that account only; otherwise each account naming it.
    const verified = users.filter((u) => u.email_verified_at !== null);
    const targets = (verified.length ? verified : users).slice(0, MAX_ACCOUNTS_PER_MAIL);
    if (!targets.length) return;
    const links = [];
    let expiresAt = new Date(0);
    for (const user of targets) {
      const issued = await this.deps.codes.issue(user, 'reset_password', user.email, RESET_TTL_MS);
      expiresAt = issued.expiresAt;
      links.push({ username: user.username, link: `${this.deps.publicUrl}/reset/${issued.code}`, code: issued.code });
    }
    this.deps.mail.send(resetMail({ to: targets[0]!.email, links, expiresAt }), 'password reset');
  }

  /** Whose reset link it is, for the page's form; refusals as `reset`. */
  async describeReset(code: string): Promise<{ username: string }> {
    return { username: (await this.deps.codes.peek(code, 'reset_password')).username };
  }

  /** Sets a new password with a mailed link, and signs out every session. */
  async reset(code: string, password: string): Promise<PasswordChangeResult> {
    assertAcceptable(password);
    const passwordHash = await hashPassword(password);
    const changed = await this.deps.codes.use(code, 'reset_password', async (trx, open) => {
      const user = await trx
        .updateTable('users')
        .set({ password_hash: passwordHash })
        .where('id', '=', open.userId)
        .returning(['id', 'username', 'email'])
        .executeTakeFirstOrThrow();
      return { user, revokedSessions: await this.revokeSessions(trx, user.id) };
    });
    await this.record(changed.user, 'password_reset', changed.revokedSessions);
    return { username: changed.user.username, email: changed.user.email, revokedSessions: changed.revokedSessions };
  }

  /**
   * Changes the signed-in user's password, given the current one (checked as a sign-in is, so it is
   * throttled the same way), and signs out every session, the caller's own included.
   */
  async change(
    viewer: Viewer,
    input: { currentPassword: string; newPassword: string },
    address: string | undefined,
  ): Promise<PasswordChangeResult> {
    assertCan(accountActor(viewer), 'account.password.change', {});
    assertAcceptable(input.newPassword);
    if (input.newPassword === input.currentPassword)
      throw badRequest('The new password is the same as the current one');
    try {
      await this.deps.accounts.authenticate(viewer.user!.username, input.currentPassword, { address });
    } catch (err) {
      if (err instanceof DomainError && err.status === 401) throw forbidden('Your current password is not correct');
      throw err;
    }
    const passwordHash = await hashPassword(input.newPassword);
    const changed = await this.deps.db.transaction().execute(async (trx) => {
      const user = await trx
        .updateTable('users')
        .set({ password_hash: passwordHash })
        .where('id', '=', viewer.user!.id)
        .returning(['id', 'username', 'email'])
        .executeTakeFirstOrThrow();
      return { user, revokedSessions: await this.revokeSessions(trx, user.id) };
    });
    await this.record(changed.user, 'password_changed', changed.revokedSessions);
    return { username: changed.user.username, email: changed.user.email, revokedSessions: changed.revokedSessions };
  }

  /** Every open session token of the user (kind `session`); automation tokens stay. */
  private async revokeSessions(trx: Transaction<Database>, userId: number): Promise<number> {
    const res = await trx
      .updateTable('tokens')
      .set({ revoked_at: this.deps.clock.now() })
      .where('user_id', '=', userId)
      .where('kind', '=', 'session')
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** An account's own event: recorded in its own namespace, as member changes are in theirs. */
  private record(
    user: { id: number; username: string },
    action: 'password_reset' | 'password_changed',
    revokedSessions: number,
  ): Promise<void> {
    return this.deps.audit.record({
      namespace: user.username,
      actorUserId: user.id,
      actor: actorLabel(user.username, user.username),
      action,
      detail: `${revokedSessions} session${revokedSessions === 1 ? '' : 's'} signed out`,
    });
  }
}

/** The rules sign-up applies to a password. */
function assertAcceptable(password: string): void {
  const weak = passwordProblem(password);
  if (weak) throw badRequest(weak);
}
