import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimiterStore } from './limiter-store.js';

export interface BackoffOptions {
  /** The counters' key prefix (`<name>:<key>`, and `<name>_lockouts:<key>`). */
  name: string;
  /** Attempts per window before the key is locked out. */
  points: number;
  windowSeconds: number;
  /** The first lockout; each further one within a day lasts twice as long as the one before. */
  lockoutSeconds: number;
}

const DAY_SECONDS = 86_400;
/** Lockouts stop growing here (unless the first is already longer). */
const MAX_LOCKOUT_SECONDS = 3_600;

/** What taking an attempt gave: how many are left after it, or how long to wait. */
export type Taken = { left: number; retryAfter?: undefined } | { retryAfter: number };

/** Whole seconds to wait, at least one (what Retry-After and the message say). */
export const secondsFrom = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Attempts per key in a fixed window, with lockouts that grow: once a key has used its attempts it is
 * locked out for `lockoutSeconds`, then twice that at the next lockout within a day, and so on up to an
 * hour. Counters live in the LimiterStore, so every instance on one database sees the same ones. An
 * attempt is taken before the work it guards, so concurrent attempts cannot all slip under the limit.
 */
export class BackoffCounter {
  private readonly attempts: RateLimiterAbstract;
  private readonly lockouts: RateLimiterAbstract;

  constructor(
    store: LimiterStore,
    private readonly opts: BackoffOptions,
  ) {
    this.attempts = store.limiter({ keyPrefix: opts.name, points: opts.points, duration: opts.windowSeconds });
    this.lockouts = store.limiter({ keyPrefix: `${opts.name}_lockouts`, points: 1_000_000, duration: DAY_SECONDS });
  }

  async take(key: string): Promise<Taken> {
    try {
      return { left: (await this.attempts.consume(key)).remainingPoints };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { retryAfter: secondsFrom(err.msBeforeNext) };
      throw err;
    }
  }

  /** Gives back an attempt that did not count (a success where only failures count, or a fault). */
  async refund(key: string): Promise<void> {
    await this.attempts.reward(key);
  }

  /** Forgets the key's attempts and lockouts (its owner just proved who they are). */
  async reset(key: string): Promise<void> {
    await Promise.all([this.attempts.delete(key), this.lockouts.delete(key)]);
  }

  /** Locks the key out, for longer than the last time if that was within a day; returns the seconds. */
  async lockOut(key: string): Promise<number> {
    const n = (await this.lockouts.penalty(key)).consumedPoints;
    const base = this.opts.lockoutSeconds;
    const seconds = Math.min(base * 2 ** Math.min(n - 1, 20), Math.max(base, MAX_LOCKOUT_SECONDS));
    await this.attempts.block(key, seconds);
    return seconds;
  }
}
