import assert from 'node:assert/strict';
import { request, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

describe('accounts and user tokens', function () {
  let r: TestRegistry;
  before(async () => {
    r = await startTestRegistry();
  });
  after(() => r.close());

  it('signs up, returns an aer_ session token that whoami accepts', async () => {
    const res = await request(r.url, 'POST', '/-/api/v1/signup', {
      body: { username: 'acme', email: 'owner@acme.test', password: 'hunter2hunter2' },
    });
    assert.equal(res.status, 201);
    assert.match(res.body.token, /^aer_[A-Za-z0-9_-]{40,}$/);
    const who = await request(r.url, 'GET', '/-/whoami', { token: res.body.token });
    assert.deepEqual(who.body, { username: 'acme' });
  });

  // A taken email is not refused (that would tell anyone which addresses have accounts): see verification.test.ts.
  it('refuses taken names, bad names, bad emails and short passwords with a reason', async () => {
    const cases: Array<[object, number, RegExp]> = [
      [{ username: 'acme', email: 'x@y.test', password: 'longenough' }, 409, /already taken/],
      [{ username: 'Acme', email: 'a@b.test', password: 'longenough' }, 400, /Invalid username/],
      [{ username: '-x', email: 'a@b.test', password: 'longenough' }, 400, /Invalid username/],
      [{ username: 'a'.repeat(40), email: 'a@b.test', password: 'longenough' }, 400, /Invalid username/],
      [{ username: 'okname', email: 'not-an-email', password: 'longenough' }, 400, /Invalid email/],
      [{ username: 'okname', email: 'a@b.test', password: 'short' }, 400, /at least 8/],
      [{ username: 'okname', email: 'a@b.test' }, 400, /password/],
      [{ username: 'admin', email: 'a@b.test', password: 'longenough' }, 400, /reserved/],
    ];
    for (const [body, status, msg] of cases) {
      const res = await request(r.url, 'POST', '/-/api/v1/signup', { body });
      assert.equal(res.status, status, JSON.stringify(body));
      assert.match(res.body.error, msg);
    }
  });

  it('logs in with the right password only, with the same message for unknown users', async () => {
    const ok = await request(r.url, 'POST', '/-/api/v1/login', {
      body: { username: 'acme', password: 'hunter2hunter2' },
    });
    assert.equal(ok.status, 200);
    assert.match(ok.body.token, /^aer_/);
    const wrong = await request(r.url, 'POST', '/-/api/v1/login', {
      body: { username: 'acme', password: 'nope-nope-nope' },
    });
    const unknown = await request(r.url, 'POST', '/-/api/v1/login', {
      body: { username: 'ghost', password: 'nope-nope-nope' },
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
  });

  it('stores neither passwords nor tokens in clear', async () => {
    const token = await signup(r.url, 'cleartext', 'plain-password-123');
    const user = await r.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', 'cleartext')
      .executeTakeFirstOrThrow();
    assert.ok(!user.password_hash.includes('plain-password-123'));
    assert.match(user.password_hash, /^scrypt\$/);
    const tokens = await r.db.selectFrom('tokens').selectAll().where('user_id', '=', user.id).execute();
    assert.equal(tokens.length, 1);
    assert.ok(!JSON.stringify(tokens).includes(token), 'the secret appears nowhere in the row');
    assert.match(tokens[0]!.token_hash, /^[0-9a-f]{64}$/);
  });

  it('logout revokes the token: its next use is refused with a reason', async () => {
    const token = await signup(r.url, 'leaver');
    assert.equal((await request(r.url, 'POST', '/-/api/v1/logout', { token })).status, 200);
    const res = await request(r.url, 'GET', '/-/whoami', { token });
    assert.equal(res.status, 401);
    assert.match(res.body.error, /revoked/);
  });

  it('creates, lists and revokes automation tokens; a read-only token cannot mint a publish token', async () => {
    const session = await signup(r.url, 'ci-user');
    const created = await request(r.url, 'POST', '/-/api/v1/tokens', {
      token: session,
      body: { name: 'github-actions', expiresInSeconds: 3600 },
    });
    assert.equal(created.status, 201);
    assert.match(created.body.token, /^aer_/);
    assert.equal(created.body.readonly, false);
    assert.ok(created.body.expires);
    const ro = await request(r.url, 'POST', '/-/api/v1/tokens', {
      token: session,
      body: { name: 'reader', readonly: true },
    });
    const escalate = await request(r.url, 'POST', '/-/api/v1/tokens', {
      token: ro.body.token,
      body: { name: 'sneaky' },
    });
    assert.equal(escalate.status, 403);
    const list = await request(r.url, 'GET', '/-/api/v1/tokens', { token: session });
    const names = list.body.tokens.map((t: { name: string }) => t.name);
    assert.deepEqual(names.slice(0, 2).sort(), ['github-actions', 'reader']);
    assert.ok(!JSON.stringify(list.body).includes(created.body.token), 'a list never shows secrets');
    assert.equal((await request(r.url, 'DELETE', '/-/api/v1/tokens/github-actions', { token: session })).status, 200);
    assert.equal((await request(r.url, 'GET', '/-/whoami', { token: created.body.token })).status, 401);
    const after = await request(r.url, 'GET', '/-/api/v1/tokens', { token: session });
    assert.equal(after.body.tokens.find((t: { name: string }) => t.name === 'github-actions').status, 'revoked');
    assert.equal((await request(r.url, 'DELETE', '/-/api/v1/tokens/github-actions', { token: session })).status, 404);
  });

  it('an expired token is refused and listed as expired', async () => {
    const session = await signup(r.url, 'expiring');
    const t = await request(r.url, 'POST', '/-/api/v1/tokens', {
      token: session,
      body: { name: 'short', expiresInSeconds: 60 },
    });
    assert.equal((await request(r.url, 'GET', '/-/whoami', { token: t.body.token })).status, 200);
    r.clock.advance(61_000);
    try {
      const res = await request(r.url, 'GET', '/-/whoami', { token: t.body.token });
      assert.equal(res.status, 401);
      assert.match(res.body.error, /expired/);
      const list = await request(r.url, 'GET', '/-/api/v1/tokens', { token: session });
      assert.equal(list.body.tokens.find((x: { name: string }) => x.name === 'short').status, 'expired');
    } finally {
      r.clock.advance(-61_000);
    }
  });

  it('refuses garbage tokens and unsupported auth schemes with 401, not 500', async () => {
    for (const authorization of ['Bearer nonsense', 'Bearer aer_doesnotexist', 'Basic YWNtZTpodW50ZXI=', 'Bearer']) {
      const res = await request(r.url, 'GET', '/-/whoami', { headers: { authorization } });
      assert.equal(res.status, 401, authorization);
      assert.equal(typeof res.body.error, 'string');
    }
  });

  it("npm's adduser endpoint creates an account, then logs in with the same password", async () => {
    const body = {
      _id: 'org.couchdb.user:npmer',
      name: 'npmer',
      password: 'npm-password-1',
      email: 'npmer@example.com',
      type: 'user',
      roles: [],
    };
    const created = await request(r.url, 'PUT', '/-/user/org.couchdb.user:npmer', { body });
    assert.equal(created.status, 201);
    assert.match(created.body.token, /^aer_/);
    const again = await request(r.url, 'PUT', '/-/user/org.couchdb.user:npmer', {
      body: { name: 'npmer', password: 'npm-password-1' },
    });
    assert.equal(again.status, 201);
    const wrong = await request(r.url, 'PUT', '/-/user/org.couchdb.user:npmer', {
      body: { name: 'npmer', password: 'wrong-password' },
    });
    assert.equal(wrong.status, 401);
  });

  it("npm's token API creates (re-checking the password), lists and deletes tokens", async () => {
    const session = await signup(r.url, 'npmtok', 'npmtok-password');
    const bad = await request(r.url, 'POST', '/-/npm/v1/tokens', {
      token: session,
      body: { password: 'wrong', readonly: true },
    });
    assert.equal(bad.status, 401);
    const made = await request(r.url, 'POST', '/-/npm/v1/tokens', {
      token: session,
      body: { password: 'npmtok-password', readonly: true },
    });
    assert.equal(made.status, 200);
    assert.equal(made.body.readonly, true);
    const list = await request(r.url, 'GET', '/-/npm/v1/tokens', { token: session });
    assert.ok(list.body.objects.some((o: { key: string }) => o.key === made.body.key));
    assert.equal(
      (await request(r.url, 'DELETE', `/-/npm/v1/tokens/token/${made.body.key}`, { token: session })).status,
      204,
    );
    assert.equal((await request(r.url, 'GET', '/-/whoami', { token: made.body.token })).status, 401);
  });
});
