import { DomainError } from '@aerostack/contract/errors.js';
import type { CacheStats } from '../../metrics/metrics.js';
import { sha256Hex } from '../accounts/secrets.js';
import { EpochCache } from './epoch-cache.js';

/** What checking a bearer secret gave, with what the change epoch does not cover. */
export interface CheckedCredential<T> {
  value: T;
  /** Expiry is time passing, not a write: it is checked on every use (ms since the epoch, or null). */
  expiresAt: number | null;
  /** When last_used_at was last written (ms): past `lastUsedEveryMs`, the secret is checked again, which writes it. */
  lastUsedAt: number;
}

/** Refusals a check gives for the secret itself (unknown, revoked, expired, not allowed here): kept. */
const KEPT_REFUSALS = new Set([401, 403, 404]);

/**
 * Bearer secrets (user and workspace tokens) already checked, reused under one change epoch. Keyed by
 * the secret's hash — the cache must not become a heap full of live secrets. Refusals are kept too,
 * apart from the accepted secrets so that a flood of made-up ones cannot push those out: a scanner
 * or a CI job with a stale token would otherwise cost a database read per request. A refusal can
 * only turn into an acceptance through a write the epoch covers (a token created, a member added);
 * the time-based ones (expired, idle) never turn back.
 */
export class CredentialCache<T> {
  private readonly accepted: EpochCache<CheckedCredential<T>>;
  private readonly refused: EpochCache<DomainError>;

  constructor(
    private readonly lastUsedEveryMs: number,
    /** Where the lookups of each half are counted (/metrics). */
    stats: { accepted?: CacheStats; refused?: CacheStats } = {},
  ) {
    this.accepted = new EpochCache({ max: 10_000, stats: stats.accepted });
    this.refused = new EpochCache({ max: 10_000, stats: stats.refused });
  }

  async get(
    scope: string,
    secret: string,
    epoch: number,
    now: number,
    check: () => Promise<CheckedCredential<T>>,
  ): Promise<T> {
    const key = `${scope}|${sha256Hex(secret)}`;
    const hit = this.accepted.get(key, epoch);
    if (hit && (hit.expiresAt === null || hit.expiresAt > now) && now - hit.lastUsedAt <= this.lastUsedEveryMs)
      return hit.value;
    const refusal = this.refused.get(key, epoch);
    if (refusal) throw refusal;
    let checked: CheckedCredential<T>;
    try {
      checked = await check();
    } catch (err) {
      if (err instanceof DomainError && KEPT_REFUSALS.has(err.status)) this.refused.set(key, err, epoch);
      throw err;
    }
    this.accepted.set(key, checked, epoch);
    return checked.value;
  }
}
