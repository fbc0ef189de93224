import assert from 'node:assert/strict';
import { RateLimiter } from '@aerostack/registry/gateway/rate-limiter.js';
import { memoryLimiterStore } from '@aerostack/registry/domain/throttle/limiter-store.js';
import { TooManyAttempts } from '@aerostack/registry/domain/throttle/attempt-throttle.js';

const ws = (id: number) => ({ id, slug: `ws-${id}` });

describe('gateway RateLimiter: per token, per workspace, failed authentications per address', () => {
  it('lets a token make `limit` requests in a minute, then says how long to wait; other tokens are counted apart', async () => {
    const rl = new RateLimiter(memoryLimiterStore(), { workspacePerMinute: 1000, authFailuresPerMinute: 10 });
    for (let i = 0; i < 5; i++)
      assert.equal(await rl.take({ tokenId: 1, rateLimitPerMinute: 5, workspace: ws(1) }), null, `request ${i + 1}`);
    const refusal = await rl.take({ tokenId: 1, rateLimitPerMinute: 5, workspace: ws(1) });
    assert.ok(refusal && refusal.retryAfter >= 1 && refusal.retryAfter <= 60, JSON.stringify(refusal));
    assert.match(refusal.message, /^Rate limit of 5 requests per minute exceeded; retry in \d+s$/);
    assert.equal(await rl.take({ tokenId: 2, rateLimitPerMinute: 5, workspace: ws(1) }), null);
  });

  it('limits a workspace whatever the token: more tokens buy no more requests', async () => {
    const rl = new RateLimiter(memoryLimiterStore(), { workspacePerMinute: 6, authFailuresPerMinute: 10 });
    const answers = [];
    for (let tokenId = 1; tokenId <= 4; tokenId++)
      for (let i = 0; i < 3; i++) answers.push(await rl.take({ tokenId, rateLimitPerMinute: 100, workspace: ws(7) }));
    assert.equal(answers.filter((a) => a === null).length, 6);
    assert.match(
      answers.at(-1)!.message,
      /^Workspace ws-7's rate limit of 6 requests per minute exceeded; retry in \d+s$/,
    );
    assert.equal(await rl.take({ tokenId: 9, rateLimitPerMinute: 100, workspace: ws(8) }), null, 'another workspace');
  });

  it("a token over its own limit does not use up its workspace's: its refused requests are given back", async () => {
    const rl = new RateLimiter(memoryLimiterStore(), { workspacePerMinute: 6, authFailuresPerMinute: 10 });
    const a = [];
    for (let i = 0; i < 5; i++) a.push(await rl.take({ tokenId: 1, rateLimitPerMinute: 2, workspace: ws(3) }));
    assert.equal(a.filter((x) => x === null).length, 2);
    const b = [];
    for (let i = 0; i < 5; i++) b.push(await rl.take({ tokenId: 2, rateLimitPerMinute: 100, workspace: ws(3) }));
    assert.equal(b.filter((x) => x === null).length, 4, 'the workspace had 6, token 1 used 2');
  });

  it('refuses an address after too many failed authentications, with the seconds to wait; other addresses are not', async () => {
    const rl = new RateLimiter(memoryLimiterStore(), { workspacePerMinute: 1000, authFailuresPerMinute: 3 });
    for (let i = 0; i < 3; i++) await rl.authFailed('203.0.113.9');
    await assert.rejects(
      rl.authFailed('203.0.113.9'),
      (err: unknown) => err instanceof TooManyAttempts && err.status === 429 && err.retryAfterSeconds >= 1,
    );
    await rl.authFailed('203.0.113.10');
    // One IPv6 host holds a /64: its addresses are counted together.
    for (let i = 1; i <= 3; i++) await rl.authFailed(`2001:db8:1:2::${i}`);
    await assert.rejects(rl.authFailed('2001:db8:1:2:ffff::1'), TooManyAttempts);
  });
});
