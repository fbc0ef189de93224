import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { publishBody, request, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';

const DAY = 86_400_000;
const PASSWORD = 'correct horse battery';
const EXPIRED = 'Your session has expired; sign in again (aerostack login)';

/**
 * Sessions (login, signup, npm adduser) expire after AEROSTACK_SESSION_DAYS without use, sliding;
 * `token create` tokens keep the expiry they were given (issue 14). Time moves on the registry's
 * mutable clock.
 */
describe('sessions expire after AEROSTACK_SESSION_DAYS without use', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  before(async () => {
    r = await startTestRegistry();
  });
  after(() => r?.close());

  const whoami = (token: string) => request(r.url, 'GET', '/-/api/v1/whoami', { token });

  it('a session unused for 30 days is refused with "expired", also on npm\'s cached reads; a token create token lives on', async () => {
    const acme = await signup(r.url, 'acme', PASSWORD);
    const name = '@acme/kept';
    const published = await request(r.url, 'PUT', '/@acme%2fkept', {
      token: acme,
      body: publishBody(name, '1.0.0', skillTarball(name, '1.0.0'), { visibility: 'private' }),
    });
    assert.equal(published.status, 201);
    const ci = await request(r.url, 'POST', '/-/api/v1/tokens', { token: acme, body: { name: 'ci' } });
    assert.equal(ci.status, 201);
    const login = await request(r.url, 'POST', '/-/api/v1/login', { body: { username: 'acme', password: PASSWORD } });
    assert.equal(login.status, 200);
    const session = login.body.token as string;
    // Read twice, so the second answer (and the credential) comes from the read cache.
    for (let i = 0; i < 2; i++)
      assert.equal((await request(r.url, 'GET', '/@acme/kept', { token: session })).status, 200);

    r.clock.advance(30 * DAY + 2 * 60_000);
    for (const res of [
      await request(r.url, 'GET', '/@acme/kept', { token: session }),
      await request(r.url, 'GET', '/@acme/kept/-/kept-1.0.0.tgz', { token: session }),
      await whoami(session),
      await whoami(acme),
    ]) {
      assert.equal(res.status, 401, JSON.stringify(res.body));
      assert.equal(res.body.error, EXPIRED);
    }
    // A token made with `token create` and no expiry is not a session: it still works, and can read.
    assert.equal((await whoami(ci.body.token)).status, 200);
    assert.equal((await request(r.url, 'GET', '/@acme/kept', { token: ci.body.token })).status, 200);
    const list = await request(r.url, 'GET', '/-/api/v1/tokens', { token: ci.body.token });
    const status = Object.fromEntries(
      list.body.tokens.map((t: { name: string; status: string }) => [t.name, t.status]),
    );
    assert.deepEqual(status, { ci: 'active', 'login session': 'expired', 'signup session': 'expired' });
  });

  it('is sliding: a session used every 20 days lives on; npm adduser sessions expire alike', async () => {
    const token = await signup(r.url, 'busy', PASSWORD);
    const adduser = await request(r.url, 'PUT', '/-/user/org.couchdb.user:npmer', {
      body: { name: 'npmer', password: PASSWORD, email: 'npmer@example.com' },
    });
    assert.equal(adduser.status, 201);
    for (let i = 1; i <= 4; i++) {
      r.clock.advance(20 * DAY);
      assert.equal((await whoami(token)).status, 200, `after ${20 * i} days`);
    }
    const npm = await request(r.url, 'GET', '/-/whoami', { token: adduser.body.token });
    assert.equal(npm.status, 401);
    assert.equal(npm.body.error, EXPIRED);
  });

  it('a token create token keeps its explicit expiry, and only that', async () => {
    const owner = await signup(r.url, 'timed', PASSWORD);
    const made = await request(r.url, 'POST', '/-/api/v1/tokens', {
      token: owner,
      body: { name: 'yearly', expiresInSeconds: 365 * 86_400 },
    });
    r.clock.advance(200 * DAY);
    assert.equal((await whoami(made.body.token)).status, 200, 'unused for 200 days, within its year');
    r.clock.advance(166 * DAY);
    const res = await whoami(made.body.token);
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'This token has expired; sign in again');
  });

  describe('with AEROSTACK_SESSION_DAYS=2', () => {
    let short: TestRegistry;
    before(async () => {
      short = await startTestRegistry({ env: { AEROSTACK_SESSION_DAYS: '2' } });
    });
    after(() => short?.close());

    it('a session is refused after 2 days without use', async () => {
      const token = await signup(short.url, 'brief', PASSWORD);
      short.clock.advance(DAY);
      assert.equal((await request(short.url, 'GET', '/-/whoami', { token })).status, 200);
      short.clock.advance(2 * DAY + 2 * 60_000);
      const res = await request(short.url, 'GET', '/-/whoami', { token });
      assert.equal(res.status, 401);
      assert.match(res.body.error, /expired/);
    });
  });
});

describe('password hashes: scrypt N=2^17, older ones upgraded at sign-in', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  before(async () => {
    r = await startTestRegistry();
  });
  after(() => r?.close());

  const storedHash = async (username: string) =>
    (await r.db.selectFrom('users').select('password_hash').where('username', '=', username).executeTakeFirstOrThrow())
      .password_hash;

  it('new accounts get N=2^17, r=8, p=1, recorded in the hash', async () => {
    await signup(r.url, 'fresh', PASSWORD);
    assert.match(await storedHash('fresh'), /^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('an N=2^15 hash signs in, and is rewritten at N=2^17; a wrong password leaves it alone', async () => {
    await signup(r.url, 'legacy', 'placeholder-password');
    const salt = randomBytes(16);
    const old = [
      'scrypt',
      32768,
      8,
      1,
      salt.toString('base64url'),
      scryptSync(PASSWORD, salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('base64url'),
    ].join('$');
    await r.db.updateTable('users').set({ password_hash: old }).where('username', '=', 'legacy').execute();

    const login = (password: string) =>
      request(r.url, 'POST', '/-/api/v1/login', { body: { username: 'legacy', password } });
    assert.equal((await login('not the password')).status, 401);
    assert.equal(await storedHash('legacy'), old, 'a failed sign-in changes nothing');
    assert.equal((await login(PASSWORD)).status, 200);
    const upgraded = await storedHash('legacy');
    assert.match(upgraded, /^scrypt\$131072\$8\$1\$/);
    assert.notEqual(upgraded.split('$')[4], salt.toString('base64url'), 'a fresh salt');
    assert.equal((await login(PASSWORD)).status, 200, 'the upgraded hash verifies');
    assert.equal(await storedHash('legacy'), upgraded, 'and is not rewritten again');
  });
});
