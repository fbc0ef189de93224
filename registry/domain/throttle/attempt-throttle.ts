import { DomainError } from '@aerostack/contract/errors.js';
import { BackoffCounter } from './backoff-counter.js';
import { addressKey } from './client-address.js';
import type { LimiterStore } from './limiter-store.js';

/** A 429: what the API answers (with `Retry-After`), the dashboard shows, and the CLI prints. */
export class TooManyAttempts extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many attempts; try again in ${retryAfterSeconds} s`,
  ) {
    super(429, message);
  }
}

/** Who is trying: the account they name (a username or an email) and the client address they come from. */
export interface Attempt {
  account: string;
  /** The request's client address (express's `req.ip`). */
  address: string | undefined;
}

export interface ThrottlePolicy {
  /** The counters' names: `<name>_account`, `<name>_address`. */
  name: string;
  perAccount: number;
  perAddress: number;
  windowSeconds: number;
  /** The first lockout; each further one within a day doubles, up to an hour. */
  lockoutSeconds: number;
}

/**
 * Attempts at something worth guessing (a password) or worth flooding (a mail), counted per account
 * and per client address: the account's count stops one address from guessing one password, the
 * address's count stops it from spreading its guesses over many accounts. Either running out answers
 * 429 without doing the work. Sign-in uses `guard` (only failures count, a success clears the
 * account); forgot-password and verification resend use `take` (every request counts).
 */
export class AttemptThrottle {
  private readonly accounts: BackoffCounter;
  private readonly addresses: BackoffCounter;

  constructor(store: LimiterStore, policy: ThrottlePolicy) {
    const counter = (suffix: string, points: number) =>
      new BackoffCounter(store, {
        name: `${policy.name}_${suffix}`,
        points,
        windowSeconds: policy.windowSeconds,
        lockoutSeconds: policy.lockoutSeconds,
      });
    this.accounts = counter('account', policy.perAccount);
    this.addresses = counter('address', policy.perAddress);
  }

  /**
   * Runs `attempt` (a password check) unless `who` has run out of attempts. Its 401 is a failure:
   * the attempt stays counted, and the one that uses up an allowance locks that key out. A success
   * resets the account's count and gives the address its attempt back; any other error is no attempt.
   */
  async guard<T>(who: Attempt, attempt: () => Promise<T>): Promise<T> {
    const { account, address, taken } = await this.takeBoth(who);
    let result: T;
    try {
      result = await attempt();
    } catch (err) {
      if (err instanceof DomainError && err.status === 401) {
        await Promise.all([
          taken.account === 0 ? this.accounts.lockOut(account) : null,
          taken.address === 0 ? this.addresses.lockOut(address) : null,
        ]);
      } else {
        await Promise.all([this.accounts.refund(account), this.addresses.refund(address)]);
      }
      throw err;
    }
    await Promise.all([this.accounts.reset(account), this.addresses.refund(address)]);
    return result;
  }

  /** Counts one request (each mail sent, say); throws TooManyAttempts when `who` has none left. */
  async take(who: Attempt): Promise<void> {
    const { account, address, taken } = await this.takeBoth(who);
    await Promise.all([
      taken.account === 0 ? this.accounts.lockOut(account) : null,
      taken.address === 0 ? this.addresses.lockOut(address) : null,
    ]);
  }

  /**
   * Takes an attempt from the account, then from the address. An address out of attempts gives the
   * account's back: refusals from a locked-out address do not count against the account, and
   * refusals for a locked account do not count against the address (its other users still sign in).
   */
  private async takeBoth(who: Attempt) {
    const account = who.account.trim().toLowerCase();
    const address = addressKey(who.address);
    const byAccount = await this.accounts.take(account);
    if (byAccount.retryAfter !== undefined) throw new TooManyAttempts(byAccount.retryAfter);
    const byAddress = await this.addresses.take(address);
    if (byAddress.retryAfter !== undefined) {
      await this.accounts.refund(account);
      throw new TooManyAttempts(byAddress.retryAfter);
    }
    return { account, address, taken: { account: byAccount.left, address: byAddress.left } };
  }
}
