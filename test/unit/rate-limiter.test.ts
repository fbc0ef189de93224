import assert from 'node:assert/strict';
import { RateLimiter } from '@aerostack/registry/gateway/rate-limiter.js';

describe('RateLimiter: a token bucket per key', () => {
  it('lets `limit` requests through at once, then says how long to wait; refills over the minute', () => {
    let now = 0;
    const rl = new RateLimiter(() => now);
    for (let i = 0; i < 5; i++) assert.equal(rl.take(1, 5), 0, `request ${i + 1}`);
    assert.equal(rl.take(1, 5), 12, 'one token comes back every 12 s');
    assert.equal(rl.take(2, 5), 0, 'another key has its own bucket');
    now += 12_000;
    assert.equal(rl.take(1, 5), 0);
    assert.equal(rl.take(1, 5), 12);
    now += 60_000;
    for (let i = 0; i < 5; i++) assert.equal(rl.take(1, 5), 0, 'a full minute refills the whole bucket');
    assert.ok(rl.take(1, 5) >= 1);
  });
});
