import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { secondsFrom } from '../domain/throttle/backoff-counter.js';
import { TooManyAttempts } from '../domain/throttle/attempt-throttle.js';
import { addressKey } from '../domain/throttle/client-address.js';
import type { LimiterStore } from '../domain/throttle/limiter-store.js';

/** A refusal: what `Retry-After` says and the 429's error. */
export interface Refusal {
  retryAfter: number;
  message: string;
}

export interface GatewayLimits {
  /** Requests per minute per workspace, whatever the token (AEROSTACK_GATEWAY_WORKSPACE_RATE_LIMIT). */
  workspacePerMinute: number;
  /** Failed authentications per minute per client address (AEROSTACK_GATEWAY_AUTH_FAILURES). */
  authFailuresPerMinute: number;
}

const MINUTE = 60;

/**
 * The gateway's limits, in one-minute windows: each `mwt_` token's own (its rate_limit_per_minute),
 * its workspace's (so minting more tokens buys no more), and failed authentications per client
 * address. Counted in the LimiterStore: with Postgres every instance shares one count.
 */
export class RateLimiter {
  /** Tokens carry their own limit; one limiter per limit value, all over the same counters. */
  private readonly perToken = new Map<number, RateLimiterAbstract>();
  private readonly perWorkspace: RateLimiterAbstract;
  private readonly authFailures: RateLimiterAbstract;

  constructor(
    private readonly store: LimiterStore,
    private readonly limits: GatewayLimits,
  ) {
    this.perWorkspace = store.limiter({
      keyPrefix: 'gw_workspace',
      points: limits.workspacePerMinute,
      duration: MINUTE,
    });
    this.authFailures = store.limiter({
      keyPrefix: 'gw_auth_failures',
      points: limits.authFailuresPerMinute,
      duration: MINUTE,
    });
  }

  /**
   * Takes one request of a token in a workspace; null when allowed. Both counts are taken at once
   * (with Postgres, two round trips in parallel rather than one after the other: this is on every
   * gateway request); a request the token's own limit refuses gives the workspace its point back,
   * so one token over its limit does not use up its workspace's.
   */
  async take(p: {
    tokenId: number;
    rateLimitPerMinute: number;
    workspace: { id: number; slug: string };
  }): Promise<Refusal | null> {
    const limit = p.rateLimitPerMinute;
    const workspaceKey = String(p.workspace.id);
    const [wait, wsWait] = await Promise.all([
      waitFor(this.tokenLimiter(limit), String(p.tokenId)),
      waitFor(this.perWorkspace, workspaceKey),
    ]);
    if (wait > 0) {
      if (wsWait === 0) await this.perWorkspace.reward(workspaceKey, 1);
      return { retryAfter: wait, message: `Rate limit of ${limit} requests per minute exceeded; retry in ${wait}s` };
    }
    if (wsWait > 0)
      return {
        retryAfter: wsWait,
        message: `Workspace ${p.workspace.slug}'s rate limit of ${this.limits.workspacePerMinute} requests per minute exceeded; retry in ${wsWait}s`,
      };
    return null;
  }

  /**
   * Counts a failed authentication from `address`; throws TooManyAttempts (a 429 with Retry-After)
   * once it has failed too often this minute. Only failures are counted, so a good token from a busy
   * address (an office behind one NAT) is never slowed by a neighbour's stale one.
   */
  async authFailed(address: string | undefined): Promise<void> {
    const wait = await waitFor(this.authFailures, addressKey(address));
    if (wait > 0)
      throw new TooManyAttempts(wait, `Too many failed authentications from your address; try again in ${wait} s`);
  }

  private tokenLimiter(points: number): RateLimiterAbstract {
    let limiter = this.perToken.get(points);
    if (!limiter) {
      limiter = this.store.limiter({ keyPrefix: 'gw_token', points, duration: MINUTE });
      this.perToken.set(points, limiter);
    }
    return limiter;
  }
}

/** Consumes one point: 0 when allowed, else the seconds until the window ends. */
async function waitFor(limiter: RateLimiterAbstract, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (err) {
    if (err instanceof RateLimiterRes) return secondsFrom(err.msBeforeNext);
    throw err;
  }
}
