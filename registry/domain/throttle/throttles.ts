import type { AccountsConfig } from '../../config.js';
import { AttemptThrottle } from './attempt-throttle.js';
import { BackoffCounter } from './backoff-counter.js';
import type { LimiterStore } from './limiter-store.js';

export { TooManyAttempts, type Attempt } from './attempt-throttle.js';

/** Everything per account and per client address a person can be made to wait for. */
export interface Throttles {
  /** Password checks: login, npm's couch login, the dashboard's and the join page's sign-in. */
  signIn: AttemptThrottle;
  /** `take` it (account = the email) before mailing a reset link. */
  passwordReset: AttemptThrottle;
  /** `take` it (account = the username) before mailing a verification link again. */
  verificationResend: AttemptThrottle;
  /** Account mails to one address per hour, whoever asks (BackgroundMail drops the rest). */
  mailsPerRecipient: BackoffCounter;
}

const HOUR = 3_600;
/** Each mail costs the recipient's patience and the sender's reputation: 5 an hour per account. */
const MAIL_POLICY = { perAccount: 5, perAddress: 20, windowSeconds: HOUR, lockoutSeconds: HOUR };

export function createThrottles(store: LimiterStore, cfg: AccountsConfig): Throttles {
  return {
    signIn: new AttemptThrottle(store, {
      name: 'signin',
      perAccount: cfg.loginAttempts,
      perAddress: cfg.loginAddressAttempts,
      windowSeconds: HOUR,
      lockoutSeconds: cfg.loginLockoutSeconds,
    }),
    passwordReset: new AttemptThrottle(store, { name: 'password_reset', ...MAIL_POLICY }),
    verificationResend: new AttemptThrottle(store, { name: 'verify_resend', ...MAIL_POLICY }),
    // Twice one account's allowance: a sign-up, a resend and a reset to one address all fit.
    mailsPerRecipient: new BackoffCounter(store, {
      name: 'mail_recipient',
      points: 2 * MAIL_POLICY.perAccount,
      windowSeconds: HOUR,
      lockoutSeconds: HOUR,
    }),
  };
}
