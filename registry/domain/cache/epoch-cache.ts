import { LRUCache } from 'lru-cache';

/**
 * A bounded cache whose entries hold for one change epoch (registry/db/change-epoch.ts). The first
 * lookup under a newer epoch empties it; an answer computed under an older epoch than the cache has
 * seen is never stored, so nothing computed before a change survives it.
 */
export class EpochCache<V extends NonNullable<unknown>> {
  private epoch = -1;
  private readonly lru: LRUCache<string, V>;

  constructor(opts: { max: number; maxSize?: number; sizeOf?: (value: V) => number }) {
    this.lru = new LRUCache<string, V>({
      max: opts.max,
      ...(opts.maxSize ? { maxSize: opts.maxSize, sizeCalculation: opts.sizeOf } : {}),
    });
  }

  get(key: string, epoch: number): V | undefined {
    if (epoch !== this.epoch) {
      if (epoch > this.epoch) {
        this.lru.clear();
        this.epoch = epoch;
      }
      return undefined;
    }
    return this.lru.get(key);
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
