import assert from 'node:assert/strict';
import { unauthorized } from '@aerostack/contract/errors.js';
import { ConfigError, loadConfig } from '@aerostack/registry/config.js';
import { AttemptThrottle, TooManyAttempts } from '@aerostack/registry/domain/throttle/attempt-throttle.js';
import { BackoffCounter } from '@aerostack/registry/domain/throttle/backoff-counter.js';
import { addressKey } from '@aerostack/registry/domain/throttle/client-address.js';
import { memoryLimiterStore } from '@aerostack/registry/domain/throttle/limiter-store.js';

describe('throttling building blocks', () => {
  it('lockouts double with each one in a day, up to an hour (or the first, if longer); a reset starts over', async () => {
    const counter = new BackoffCounter(memoryLimiterStore(), {
      name: 't',
      points: 3,
      windowSeconds: 3600,
      lockoutSeconds: 60,
    });
    const lengths = [];
    for (let i = 0; i < 8; i++) lengths.push(await counter.lockOut('k'));
    assert.deepEqual(lengths, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    const locked = await counter.take('k');
    assert.ok(locked.retryAfter !== undefined && locked.retryAfter > 3500 && locked.retryAfter <= 3600);
    await counter.reset('k');
    assert.deepEqual(await counter.take('k'), { left: 2 });
    assert.equal(await counter.lockOut('k'), 60);

    const long = new BackoffCounter(memoryLimiterStore(), {
      name: 'l',
      points: 1,
      windowSeconds: 3600,
      lockoutSeconds: 7200,
    });
    assert.deepEqual([await long.lockOut('k'), await long.lockOut('k')], [7200, 7200]);
  });

  it('counts IPv4 addresses as they are and IPv6 ones by their /64', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('2001:0db8:0000:0000:ffff::2'), '2001:db8:0:0::/64');
    assert.notEqual(addressKey('2001:db8:0:1::1'), addressKey('2001:db8::1'));
    assert.equal(addressKey(undefined), 'unknown');
  });

  it('take (forgot-password, verification resend) counts every request, per account and per address', async () => {
    const throttle = new AttemptThrottle(memoryLimiterStore(), {
      name: 'mail',
      perAccount: 2,
      perAddress: 3,
      windowSeconds: 3600,
      lockoutSeconds: 3600,
    });
    await throttle.take({ account: 'a@example.com', address: '192.0.2.1' });
    await throttle.take({ account: 'A@example.com ', address: '192.0.2.2' });
    await assert.rejects(
      throttle.take({ account: 'a@example.com', address: '192.0.2.3' }),
      (err: unknown) => err instanceof TooManyAttempts && err.status === 429 && err.retryAfterSeconds > 3500,
    );
    for (const account of ['b@example.com', 'c@example.com', 'd@example.com'])
      await throttle.take({ account, address: '198.51.100.1' });
    await assert.rejects(throttle.take({ account: 'e@example.com', address: '198.51.100.1' }), TooManyAttempts);
    await throttle.take({ account: 'e@example.com', address: '198.51.100.2' });
  });

  it('guard counts failures (401) only; other errors give the attempt back', async () => {
    const throttle = new AttemptThrottle(memoryLimiterStore(), {
      name: 'signin',
      perAccount: 2,
      perAddress: 100,
      windowSeconds: 3600,
      lockoutSeconds: 60,
    });
    const who = { account: 'acme', address: '192.0.2.1' };
    const fault = () => Promise.reject(Object.assign(new Error('database down'), { code: 'ECONNREFUSED' }));
    for (let i = 0; i < 5; i++) await assert.rejects(throttle.guard(who, fault), /database down/);
    const wrong = () => Promise.reject(unauthorized('Incorrect username or password'));
    await assert.rejects(throttle.guard(who, wrong), { status: 401 });
    await assert.rejects(throttle.guard(who, wrong), { status: 401 });
    await assert.rejects(
      throttle.guard(who, () => Promise.resolve('never run')),
      (err: unknown) => err instanceof TooManyAttempts && err.retryAfterSeconds === 60,
    );
  });

  it('reads the limits from the environment, with documented defaults', () => {
    const c = loadConfig({});
    assert.deepEqual(c.accounts, {
      sessionDays: 30,
      loginAttempts: 10,
      loginAddressAttempts: 100,
      loginLockoutSeconds: 60,
    });
    assert.equal(c.gateway.rateLimitPerMinute, 120);
    assert.equal(c.gateway.workspaceRateLimitPerMinute, 600);
    assert.equal(c.gateway.authFailuresPerMinute, 30);
    const set = loadConfig({
      AEROSTACK_SESSION_DAYS: '7',
      AEROSTACK_LOGIN_ATTEMPTS: '5',
      AEROSTACK_LOGIN_ADDRESS_ATTEMPTS: '50',
      AEROSTACK_LOGIN_LOCKOUT_SECONDS: '30',
      AEROSTACK_GATEWAY_WORKSPACE_RATE_LIMIT: '1000',
      AEROSTACK_GATEWAY_AUTH_FAILURES: '10',
    });
    assert.deepEqual(set.accounts, {
      sessionDays: 7,
      loginAttempts: 5,
      loginAddressAttempts: 50,
      loginLockoutSeconds: 30,
    });
    assert.equal(set.gateway.workspaceRateLimitPerMinute, 1000);
    assert.equal(set.gateway.authFailuresPerMinute, 10);
    assert.throws(() => loadConfig({ AEROSTACK_SESSION_DAYS: '0' }), {
      name: ConfigError.name,
      message: /AEROSTACK_SESSION_DAYS must be between 1 and 3650/,
    });
  });
});
