import { LRUCache } from 'lru-cache';
import type { CacheStats } from '../../metrics/metrics.js';

/**
 * A bounded cache whose entries hold for one change epoch (registry/db/change-epoch.ts). The first
 * lookup under a newer epoch empties it; an answer computed under an older epoch than the cache has
 * seen is never stored, so nothing computed before a change survives it.
 */
export class EpochCache<V extends NonNullable<unknown>> {
  private epoch = -1;
  private readonly lru: LRUCache<string, V>;
  /** Where its hits and misses are counted (/metrics); nowhere unless given. */
  private readonly stats: CacheStats | undefined;

  constructor(opts: { max: number; maxSize?: number; sizeOf?: (value: V) => number; stats?: CacheStats }) {
    this.stats = opts.stats;
    // A count alone is kept as a size of 1 per entry: given `max`, lru-cache allocates all its slots
    // up front (~28 bytes each), ~3 MB for the registry's caches before anything is cached.
    this.lru = new LRUCache<string, V>(
      opts.maxSize
        ? { max: opts.max, maxSize: opts.maxSize, sizeCalculation: opts.sizeOf }
        : { maxSize: opts.max, sizeCalculation: () => 1 },
    );
  }

  get(key: string, epoch: number): V | undefined {
    if (epoch !== this.epoch) {
      if (epoch > this.epoch) {
        this.lru.clear();
        this.epoch = epoch;
      }
      this.stats?.miss();
      return undefined;
    }
    const hit = this.lru.get(key);
    if (this.stats) {
      if (hit === undefined) this.stats.miss();
      else this.stats.hit();
    }
    return hit;
  }

  set(key: string, value: V, epoch: number): void {
    if (epoch === this.epoch) this.lru.set(key, value);
  }

  async getOrLoad(key: string, epoch: number, load: () => Promise<V>): Promise<V> {
    const hit = this.get(key, epoch);
    if (hit !== undefined) return hit;
    const value = await load();
    this.set(key, value, epoch);
    return value;
  }
}
