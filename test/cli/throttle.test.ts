import assert from 'node:assert/strict';
import { signup } from '../helpers/api.js';
import { cliUser, type CliUser } from '../helpers/cli.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

/** `aerostack login` against a locked-out account prints the registry's 429 as one line (issue 14). */
describe('CLI: a throttled sign-in', function () {
  this.timeout(120_000);
  let r: TestRegistry;
  let u: CliUser;
  before(async () => {
    r = await startTestRegistry({ env: { AEROSTACK_LOGIN_ATTEMPTS: '2' } });
    await signup(r.url, 'acme', 'correct horse battery');
    u = await cliUser(r.url);
  });
  after(async () => {
    await u?.cleanup();
    await r?.close();
  });

  const login = (password: string) =>
    u.run(['login', '--username', 'acme', '--password-stdin'], { input: `${password}\n` });

  it('prints ✗ 429: Too many attempts; try again in N s, and saves nothing', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await login('wrong horse battery');
      assert.equal(res.stderr, '✗ 401: Incorrect username or password\n');
    }
    const res = await login('correct horse battery');
    assert.equal(res.stdout, '');
    assert.match(res.stderr, /^✗ 429: Too many attempts; try again in \d+ s\n$/);
    assert.doesNotMatch(res.stderr, /^\s+at /m, 'no stack trace');
    assert.equal(res.code, 2, 'a 4xx the user can act on (README exit codes)');
    const who = await u.run(['whoami']);
    assert.notEqual(who.code, 0, 'not signed in');
  });
});
