import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, signup, type ApiResponse } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * Password guessing is throttled per account and per client address, with lockouts (issue 14): login,
 * npm's couch login and the dashboard's /signin answer 429 with Retry-After and say how long to wait.
 * The registry trusts X-Forwarded-For from loopback (a reverse proxy), which is how these tests come
 * from several client addresses.
 */

const PASSWORD = 'correct horse battery';
const WRONG = 'wrong horse battery';
const TOO_MANY = /^Too many attempts; try again in (\d+) s$/;

const login = (r: TestRegistry, username: string, password: string, from?: string) =>
  request(r.url, 'POST', '/-/api/v1/login', {
    body: { username, password },
    ...(from ? { headers: { 'x-forwarded-for': from } } : {}),
  });

const couchLogin = (r: TestRegistry, username: string, password: string) =>
  request(r.url, 'PUT', `/-/user/org.couchdb.user:${username}`, {
    body: { _id: `org.couchdb.user:${username}`, name: username, password, type: 'user', roles: [] },
  });

/** A 429 as the issue asks: Retry-After in whole seconds, and the same number in the error. */
function assertThrottled(res: ApiResponse, what: string): number {
  assert.equal(res.status, 429, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  const retry = res.headers.get('retry-after');
  assert.match(retry ?? '', /^\d+$/, `${what}: Retry-After ${retry}`);
  assert.deepEqual(Object.keys(res.body), ['error'], `${what}: ${JSON.stringify(res.body)}`);
  const m = TOO_MANY.exec(res.body.error);
  assert.ok(m, `${what}: ${res.body.error}`);
  assert.equal(m[1], retry, `${what}: the message and Retry-After agree`);
  return Number(retry);
}

describe('sign-in throttling: per account and per client address, with lockouts', function () {
  this.timeout(120_000);

  describe('with the defaults (10 failures per account, then a 60 s lockout)', () => {
    let r: TestRegistry;
    before(async () => {
      r = await startTestRegistry();
      await signup(r.url, 'victim', PASSWORD);
      await signup(r.url, 'crowd', PASSWORD);
    });
    after(() => r?.close());

    it('30 wrong passwords: 401 for the first 10, then 429 with Retry-After, and the right password is refused unchecked', async () => {
      const statuses: number[] = [];
      for (let i = 1; i <= 30; i++) {
        const res = await login(r, 'victim', `${WRONG} ${i}`);
        statuses.push(res.status);
        if (res.status === 429) {
          const retry = assertThrottled(res, `attempt ${i}`);
          assert.ok(retry >= 1 && retry <= 60, `attempt ${i}: Retry-After ${retry}`);
        } else assert.equal(res.body.error, 'Incorrect username or password');
      }
      assert.deepEqual(statuses, [...Array<number>(10).fill(401), ...Array<number>(20).fill(429)]);
      // While locked out the password is not even looked at: the right one gets the same 429.
      assertThrottled(await login(r, 'victim', PASSWORD), 'the right password');
      // Other accounts from the same address are not locked with it.
      assert.equal((await login(r, 'crowd', PASSWORD)).status, 200);
    });

    it('60 concurrent wrong passwords: at most 10 are checked, the rest are 429 (attempts are counted before the check)', async () => {
      await signup(r.url, 'rushed', PASSWORD);
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) => login(r, 'rushed', `${WRONG} ${i}`, `198.51.100.${i + 1}`)),
      );
      const count = (s: number) => answers.filter((a) => a.status === s).length;
      assert.ok(count(401) <= 10, `401s: ${count(401)}`);
      assert.equal(count(401) + count(429), 60, answers.map((a) => a.status).join(' '));
      for (const a of answers.filter((x) => x.status === 429)) assertThrottled(a, 'concurrent');
    });

    it('npm couch login (PUT /-/user/org.couchdb.user:NAME) is throttled too', async () => {
      await signup(r.url, 'npmuser', PASSWORD);
      for (let i = 1; i <= 10; i++) assert.equal((await couchLogin(r, 'npmuser', `${WRONG} ${i}`)).status, 401);
      assertThrottled(await couchLogin(r, 'npmuser', WRONG), 'couch login, 11th');
      assertThrottled(await couchLogin(r, 'npmuser', PASSWORD), 'couch login, right password');
      // The same account through the JSON API: one count per account, whichever door.
      assertThrottled(await login(r, 'npmuser', PASSWORD), 'the JSON API after couch failures');
    });

    it("the dashboard's /signin is throttled too: the sign-in page again, with 429, Retry-After and the reason", async () => {
      await signup(r.url, 'webuser', PASSWORD);
      const form = await fetch(`${r.url}/signin`);
      const cookie = /^(aerostack_csrf=[^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
      const signin = (password: string) =>
        fetch(`${r.url}/signin`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: r.url },
          body: new URLSearchParams({ username: 'webuser', password, _csrf: csrf }),
        });
      for (let i = 1; i <= 10; i++) assert.equal((await signin(`${WRONG} ${i}`)).status, 401, `attempt ${i}`);
      const locked = await signin(PASSWORD);
      assert.equal(locked.status, 429);
      assert.match(locked.headers.get('retry-after') ?? '', /^\d+$/);
      const page = await locked.text();
      assert.match(page, /Too many attempts; try again in \d+ s/);
      assert.match(page, /<form method="post" action="\/signin"/, 'the form is shown again');
    });
  });

  describe('with a 1 s lockout after 3 failures and 4 failures per address', () => {
    let r: TestRegistry;
    before(async () => {
      r = await startTestRegistry({
        env: {
          AEROSTACK_LOGIN_ATTEMPTS: '3',
          AEROSTACK_LOGIN_ADDRESS_ATTEMPTS: '4',
          AEROSTACK_LOGIN_LOCKOUT_SECONDS: '1',
        },
      });
      for (const u of ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus']) await signup(r.url, u, PASSWORD);
    });
    after(() => r?.close());

    it('the right password after the lockout → 200; a success resets the account so 3 more failures are 401s', async () => {
      const from = '192.0.2.10';
      for (let i = 1; i <= 3; i++) assert.equal((await login(r, 'ann', WRONG, from)).status, 401);
      const retry = assertThrottled(await login(r, 'ann', PASSWORD, from), 'locked');
      await sleep(retry * 1000 + 200);
      let res = await login(r, 'ann', PASSWORD, from);
      // A slow machine may still be inside the window; it ends within a few seconds whatever happens.
      for (let i = 0; res.status === 429 && i < 10; i++) {
        await sleep(500);
        res = await login(r, 'ann', PASSWORD, from);
      }
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.match(res.body.token, /^aer_/);
      for (let i = 1; i <= 2; i++) assert.equal((await login(r, 'ann', WRONG, '192.0.2.11')).status, 401);
      assert.equal((await login(r, 'ann', PASSWORD, '192.0.2.12')).status, 200, 'the count was reset');
      for (let i = 1; i <= 3; i++) assert.equal((await login(r, 'ann', WRONG, `192.0.2.${20 + i}`)).status, 401);
    });

    it('one address guessing across accounts is stopped after 4 failures, whichever account; others still sign in', async () => {
      const from = '203.0.113.50';
      for (const u of ['bob', 'cat', 'dan', 'eve']) assert.equal((await login(r, u, WRONG, from)).status, 401, u);
      assertThrottled(await login(r, 'fay', PASSWORD, from), 'a fifth account from the same address');
      assertThrottled(await login(r, 'nobody-at-all', WRONG, from), 'an unknown account from the same address');
      assert.equal((await login(r, 'fay', PASSWORD, '203.0.113.51')).status, 200, 'fay from her own address');
      // The refusals did not count against the accounts: bob has 2 failures left from elsewhere.
      assert.equal((await login(r, 'bob', WRONG, '203.0.113.52')).status, 401);
      assert.equal((await login(r, 'bob', PASSWORD, '203.0.113.52')).status, 200);
    });

    it('one account guessed from many addresses is locked all the same', async () => {
      for (let i = 1; i <= 3; i++) assert.equal((await login(r, 'gus', WRONG, `100.64.0.${i}`)).status, 401);
      assertThrottled(await login(r, 'gus', PASSWORD, '100.64.0.99'), 'a fresh address');
    });

    it('successful sign-ins never count against an address', async () => {
      for (let i = 1; i <= 8; i++)
        assert.equal((await login(r, 'eve', PASSWORD, '198.18.0.1')).status, 200, `sign-in ${i}`);
    });
  });
});
