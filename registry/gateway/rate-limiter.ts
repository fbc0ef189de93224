/**
 * Per-token request limit: a token bucket refilled continuously (`limit` per minute, bursts up to
 * `limit`). Kept in memory, so with several instances each enforces the limit on its own share.
 */
export class RateLimiter {
  private readonly buckets = new Map<number, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one request; returns 0 when allowed, else the seconds to wait. */
  take(key: number, limitPerMinute: number): number {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: limitPerMinute, at: now };
    const refill = ((now - b.at) / 60_000) * limitPerMinute;
    b.tokens = Math.min(limitPerMinute, b.tokens + refill);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - b.tokens) / limitPerMinute) * 60));
  }
}
