import type { Db, User } from '../../db/schema.js';
import type { BackgroundMail } from '../../mail/background-mail.js';
import { accountActor, assertCan } from '../access/policy.js';
import type { Viewer } from '../access/viewer.js';
import type { Clock } from '../clock.js';
import type { AttemptThrottle } from '../throttle/attempt-throttle.js';
import { conflict, unauthorized } from '@aerostack/contract/errors.js';
import type { AccountStatus, VerificationSent } from '@aerostack/contract/api.js';
import type { AccountCodes } from './account-codes.js';
import { signupNoticeMail, verificationMail } from './account-mail.js';
import { isUniqueViolation } from './accounts.js';

export const VERIFICATION_TTL_MS = 24 * 3600 * 1000;

export interface EmailVerificationDeps {
  db: Db;
  clock: Clock;
  codes: AccountCodes;
  mail: BackgroundMail;
  publicUrl: string;
  /** Counts each resend per account and client address (429 past the limit). */
  resendThrottle: AttemptThrottle;
}

/**
 * Proving an email address with a mailed link (`PUBLIC_URL/verify/<code>`, 24 h, single use). Until
 * then an account signs in, publishes and installs, but joins no email-bound invitation. An address
 * is verified by one account at most (a unique index): the first to prove it keeps it.
 */
export class EmailVerification {
  constructor(private readonly deps: EmailVerificationDeps) {}

  /**
   * After a sign-up, and for each resend: a verification link to the account's address — or, when
   * another account has already proved that address, a note to its owner instead. The caller's
   * answer is the same either way, so a sign-up never tells whether an address is taken.
   */
  async mailLink(user: Pick<User, 'id' | 'username' | 'email'>): Promise<void> {
    const { codes, mail, publicUrl } = this.deps;
    const holder = await this.verifiedHolder(user);
    if (holder) {
      mail.send(
        signupNoticeMail({
          to: holder.email,
          owner: holder.username,
          attempted: user.username,
          forgotUrl: `${publicUrl}/forgot-password`,
        }),
        'signup notice',
      );
      return;
    }
    const { code, expiresAt } = await codes.issue(user, 'verify_email', user.email, VERIFICATION_TTL_MS);
    mail.send(
      verificationMail({
        to: user.email,
        username: user.username,
        link: `${publicUrl}/verify/${code}`,
        code,
        expiresAt,
      }),
      'verification',
    );
  }

  /** `aerostack account verify --resend`: a fresh link (the older one stops working), throttled. */
  async resend(viewer: Viewer, address: string | undefined): Promise<VerificationSent> {
    assertCan(accountActor(viewer), 'account.email.resend', {});
    const user = await this.account(viewer.user!.id);
    if (user.email_verified_at) return { email: user.email, verified: true, sent: false };
    await this.deps.resendThrottle.take({ account: user.username, address });
    await this.mailLink(user);
    return { email: user.email, verified: false, sent: true };
  }

  /** Whose link it is, for the page that asks to confirm (a mail scanner's GET must not verify). */
  async describe(code: string): Promise<{ username: string; email: string }> {
    const open = await this.deps.codes.peek(code, 'verify_email');
    return { username: open.username, email: open.email };
  }

  /** Uses the link: the address it was mailed to is now the account's verified one. */
  async verify(code: string): Promise<{ username: string; email: string }> {
    try {
      return await this.deps.codes.use(code, 'verify_email', async (trx, open) => {
        await trx
          .updateTable('users')
          .set({ email_verified_at: this.deps.clock.now() })
          .where('id', '=', open.userId)
          .where((eb) => eb(eb.fn('lower', ['email']), '=', open.email.toLowerCase()))
          .where('email_verified_at', 'is', null)
          .execute();
        return { username: open.username, email: open.email };
      });
    } catch (err) {
      // Only the holder of the mailbox gets here (they hold the code): telling them is no disclosure.
      if (isUniqueViolation(err)) throw conflict('Another account has already verified this address');
      throw err;
    }
  }

  async status(viewer: Viewer): Promise<AccountStatus> {
    if (!viewer.user) throw unauthorized('Sign in first (aerostack login)');
    const user = await this.account(viewer.user.id);
    return { username: user.username, email: user.email, emailVerified: user.email_verified_at !== null };
  }

  /** Read fresh (never from a cache): the join check relies on it. */
  async isVerified(userId: number): Promise<{ email: string; emailVerified: boolean }> {
    const user = await this.account(userId);
    return { email: user.email, emailVerified: user.email_verified_at !== null };
  }

  private account(id: number): Promise<User> {
    return this.deps.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** Another account that has proved the address, if any. */
  private verifiedHolder(user: Pick<User, 'id' | 'email'>) {
    return this.deps.db
      .selectFrom('users')
      .select(['username', 'email'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', user.email.toLowerCase()))
      .where('email_verified_at', 'is not', null)
      .where('id', '!=', user.id)
      .executeTakeFirst();
  }
}
