import assert from 'node:assert/strict';
import { EpochCache } from '@aerostack/registry/domain/cache/epoch-cache.js';

describe('EpochCache: answers that hold for one change epoch', () => {
  it('serves an entry only under the epoch it was stored in; a newer epoch empties the cache', () => {
    const c = new EpochCache<string>({ max: 10 });
    assert.equal(c.get('a', 1), undefined);
    c.set('a', 'one', 1);
    assert.equal(c.get('a', 1), 'one');
    assert.equal(c.get('a', 2), undefined, 'a change happened: gone');
    assert.equal(c.get('a', 1), undefined, 'and not back for an older reader');
  });

  it('never stores what was computed under an older epoch than it has seen', async () => {
    const c = new EpochCache<string>({ max: 10 });
    c.get('x', 5);
    c.set('a', 'stale', 4);
    assert.equal(c.get('a', 5), undefined);
    let loads = 0;
    const load = () => Promise.resolve(`v${++loads}`);
    assert.equal(await c.getOrLoad('b', 5, load), 'v1');
    assert.equal(await c.getOrLoad('b', 5, load), 'v1', 'loaded once');
    assert.equal(await c.getOrLoad('b', 6, load), 'v2');
  });

  it('is bounded', () => {
    const c = new EpochCache<string>({ max: 2 });
    c.get('warm-up', 0);
    for (const k of ['a', 'b', 'c']) c.set(k, k, 0);
    assert.equal([c.get('a', 0), c.get('b', 0), c.get('c', 0)].filter(Boolean).length, 2);
  });
});
