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

/**
 * Bearer secrets (user and workspace tokens) already checked, reused under one change epoch. Keyed by
 * the secret's hash — the cache must not become a heap full of live secrets — and never holding a
 * refusal: a bad secret is checked (and refused) every time.
 */
export class CredentialCache<T> {
  private readonly cache = new EpochCache<CheckedCredential<T>>({ max: 10_000 });

  constructor(private readonly lastUsedEveryMs: number) {}

  async get(
    scope: string,
    secret: string,
    epoch: number,
    now: number,
    check: () => Promise<CheckedCredential<T>>,
  ): Promise<T> {
    const key = `${scope}|${sha256Hex(secret)}`;
    const hit = this.cache.get(key, epoch);
    if (hit && (hit.expiresAt === null || hit.expiresAt > now) && now - hit.lastUsedAt <= this.lastUsedEveryMs)
      return hit.value;
    const checked = await check();
    this.cache.set(key, checked, epoch);
    return checked.value;
  }
}
