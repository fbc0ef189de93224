import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { request } from '../helpers/api.js';
import { AEROSTACK_BIN, cliUser, type CliResult, type CliUser } from '../helpers/cli.js';
import { freePort, startTestRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * The built `aerostack` binary as a subprocess against a real registry over HTTP: signup, login,
 * logout, whoami and `token create|list|revoke`, with their exact lines, `--json` shapes, exit codes
 * (cli/lib/errors.ts) and refusals. No user error may ever print a stack trace.
 */

const PASSWORD = 'correct horse battery';
const STACK_LINE = /^\s+at /m;
const TOKEN_RE = /^aer_[A-Za-z0-9_-]{40,}$/;
type RunOpts = { input?: string; env?: Record<string, string | undefined>; cwd?: string };

/** `YYYY-MM-DD` (UTC), as the CLI's tables print dates. */
const day = (d: Date): string => d.toISOString().slice(0, 10);

/** Output lines without the final newline. */
const linesOf = (s: string): string[] => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));

function describeRun(args: string[], res: CliResult): string {
  return `aerostack ${args.join(' ')} → exit ${res.code}\n--- stdout\n${res.stdout}--- stderr\n${res.stderr}`;
}

/** Runs the CLI for `u`; whatever happens, the output holds no stack trace. */
async function run(u: CliUser, args: string[], opts?: RunOpts): Promise<CliResult> {
  const res = await u.run(args, opts);
  assert.doesNotMatch(res.stdout + res.stderr, STACK_LINE, `stack trace printed by ${describeRun(args, res)}`);
  return res;
}

/** A success: exit 0, nothing on stderr; returns stdout. */
async function ok(u: CliUser, args: string[], opts?: RunOpts): Promise<string> {
  const res = await run(u, args, opts);
  assert.equal(res.code, 0, describeRun(args, res));
  assert.equal(res.stderr, '', describeRun(args, res));
  return res.stdout;
}

/** A refusal: the exit code, nothing on stdout, exactly one `✗ <status>: <reason>` line on stderr. */
async function fails(u: CliUser, args: string[], code: number, line: string | RegExp, opts?: RunOpts): Promise<string> {
  const res = await run(u, args, opts);
  const where = describeRun(args, res);
  assert.equal(res.code, code, where);
  assert.equal(res.stdout, '', where);
  const lines = linesOf(res.stderr);
  assert.equal(lines.length, 1, `one failure line expected: ${where}`);
  if (typeof line === 'string') assert.equal(lines[0], line, where);
  else assert.match(lines[0]!, line, where);
  assert.match(lines[0]!, /^✗ \S+: \S/, where);
  return lines[0]!;
}

/** A `--json` run: the exit code and the parsed stdout. */
async function json<T = any>(u: CliUser, args: string[], code: number, opts?: RunOpts): Promise<T> {
  const res = await run(u, [...args, '--json'], opts);
  assert.equal(res.code, code, describeRun([...args, '--json'], res));
  try {
    return JSON.parse(res.stdout) as T;
  } catch {
    assert.fail(`no JSON on stdout: ${describeRun([...args, '--json'], res)}`);
  }
}

/** Runs the CLI with stdin left OPEN (never written, never closed): it must not wait for input. */
function runWithOpenStdin(
  u: CliUser,
  registryUrl: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult & { ms: number; killed: boolean }> {
  const baseEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('AEROSTACK_') && k !== 'CI' && !k.startsWith('npm_')),
  );
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [AEROSTACK_BIN, ...args], {
      env: { ...baseEnv, AEROSTACK_CONFIG_DIR: u.configDir, AEROSTACK_REGISTRY: registryUrl, ...env },
      cwd: u.configDir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, 15_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started, killed });
    });
  });
}

async function readConfig(
  u: CliUser,
): Promise<{ registry?: string; auth?: Record<string, { token: string; username: string }> }> {
  return JSON.parse(await readFile(path.join(u.configDir, 'config.json'), 'utf8'));
}

async function savedToken(u: CliUser, registryUrl: string): Promise<string> {
  const entry = (await readConfig(u)).auth?.[new URL(registryUrl).origin];
  assert.ok(entry, `a saved login for ${registryUrl} in ${u.configDir}/config.json`);
  return entry.token;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Every file under `dir`, with its content. */
async function filesUnder(dir: string): Promise<Array<{ file: string; text: string }>> {
  const out: Array<{ file: string; text: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.push({ file, text: await readFile(file, 'utf8') });
  }
  return out;
}

describe('aerostack CLI: accounts and user tokens (built binary over HTTP)', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  const users: CliUser[] = [];
  /** alice: signs up, logs in and out, owns the tokens; bob: a second account for AEROSTACK_TOKEN. */
  let alice: CliUser;
  let bob: CliUser;
  let bobToken: string;
  /** Secrets printed by `token create`, by name. */
  const secrets: Record<string, string> = {};

  const newUser = async (): Promise<CliUser> => {
    const u = await cliUser(r.url);
    users.push(u);
    return u;
  };

  before(async () => {
    r = await startTestRegistry();
    [alice, bob] = await Promise.all([newUser(), newUser()]);
  });
  after(async () => {
    await Promise.all(users.map((u) => u.cleanup()));
    await r?.close();
  });

  describe('signup', () => {
    it('signs up with the password on stdin, saving the session in a 0600 config.json without the password', async () => {
      const out = await ok(
        alice,
        ['signup', '--username', 'alice', '--email', 'alice@example.com', '--password-stdin'],
        { input: `${PASSWORD}\n` },
      );
      assert.deepEqual(linesOf(out), [
        '✓ Signed up as alice. Your skills live at @alice/<skill>.',
        'We mailed a link to alice@example.com: open it to verify your email before joining a team (aerostack account verify --resend mails a new one).',
      ]);

      const file = path.join(alice.configDir, 'config.json');
      assert.equal((await stat(file)).mode & 0o777, 0o600, 'config.json holds tokens: mode 0600');
      const raw = await readFile(file, 'utf8');
      assert.ok(!raw.includes(PASSWORD), 'the password is never written to disk');
      const config = JSON.parse(raw);
      assert.equal(config.registry, r.url);
      assert.deepEqual(Object.keys(config.auth), [new URL(r.url).origin]);
      assert.equal(config.auth[new URL(r.url).origin].username, 'alice');
      const token = config.auth[new URL(r.url).origin].token;
      assert.match(token, TOKEN_RE);
      // The saved session is a real one: the registry knows it.
      const who = await request(r.url, 'GET', '/-/whoami', { token });
      assert.equal(who.status, 200);
      assert.deepEqual(who.body, { username: 'alice' });
    });

    it('--json prints the account, not the token', async () => {
      const body = await json(
        bob,
        ['signup', '--username', 'bob', '--email', 'bob@example.com', '--password-stdin'],
        0,
        { input: PASSWORD },
      );
      assert.deepEqual(body, { username: 'bob', email: 'bob@example.com', registry: r.url });
      bobToken = await savedToken(bob, r.url);
      assert.match(bobToken, TOKEN_RE);
    });

    it('refuses a taken username (409, exit 6), an invalid one and a short password (400, exit 2), saving nothing', async () => {
      const u = await newUser();
      const opts = { input: `${PASSWORD}\n` };
      await Promise.all([
        fails(
          u,
          ['signup', '--username', 'alice', '--email', 'other@example.com', '--password-stdin'],
          6,
          '✗ 409: The username "alice" is already taken',
          opts,
        ),
        fails(
          u,
          ['signup', '--username', 'Bad_Name', '--email', 'bad@example.com', '--password-stdin'],
          2,
          /^✗ 400: Invalid username\b/,
          opts,
        ),
        fails(
          u,
          ['signup', '--username', 'carol', '--email', 'carol@example.com', '--password-stdin'],
          2,
          '✗ 400: Password must be at least 8 characters',
          { input: 'short\n' },
        ),
        fails(
          u,
          ['signup', '--username', 'dave', '--email', 'not-an-email', '--password-stdin'],
          2,
          /^✗ 400: Invalid email\b/,
          opts,
        ),
        json(u, ['signup', '--username', 'alice', '--email', 'other@example.com', '--password-stdin'], 6, opts).then(
          (dup) => assert.deepEqual(dup, { ok: false, status: 409, error: 'The username "alice" is already taken' }),
        ),
      ]);
      assert.equal(await exists(path.join(u.configDir, 'config.json')), false, 'a refused signup saves nothing');
    });

    it('never waits for input it cannot get: missing --email with stdin not a TTY, or with CI=true, fails at once', async () => {
      const u = await newUser();
      const missingEmail = /^✗ invalid: Missing --email\b/;
      // stdin closed (the helper's default), and with CI=true.
      const closed = Promise.all([
        fails(u, ['signup', '--username', 'erin'], 2, missingEmail),
        fails(u, ['signup', '--username', 'erin'], 2, missingEmail, { env: { CI: 'true' } }),
        json(u, ['signup', '--username', 'erin'], 2, { env: { CI: 'true' } }).then((j) => {
          assert.equal(j.ok, false);
          assert.equal(j.status, 'invalid');
          assert.match(j.error, /^Missing --email\b/);
        }),
      ]);

      // stdin a pipe that stays open: still no prompt, no read, no hang.
      const cases: Array<[string[], Record<string, string>, RegExp]> = [
        [['signup', '--username', 'erin'], {}, missingEmail],
        [['signup', '--username', 'erin'], { CI: 'true' }, missingEmail],
        [['signup', '--username', 'erin', '--email', 'erin@example.com'], {}, /^✗ invalid: Missing --password-stdin\b/],
        [['login'], { CI: 'true' }, /^✗ invalid: Missing --username\b/],
      ];
      const [results] = await Promise.all([
        Promise.all(cases.map(([args, env]) => runWithOpenStdin(u, r.url, args, env))),
        closed,
      ]);
      results.forEach((res, i) => {
        const [args, , line] = cases[i]!;
        const where = `${describeRun(args, res)}\n(${res.ms} ms)`;
        assert.equal(res.killed, false, `hung waiting for input: ${where}`);
        assert.equal(res.code, 2, where);
        assert.equal(res.stdout, '', where);
        assert.equal(linesOf(res.stderr).length, 1, where);
        assert.match(res.stderr, line, where);
        assert.doesNotMatch(res.stderr, STACK_LINE, where);
      });
      assert.equal(await exists(path.join(u.configDir, 'config.json')), false);
    });
  });

  describe('login, whoami, logout', () => {
    it('refuses a wrong password or an unknown user with the same 401 (exit 4), keeping the saved login', async () => {
      const before = await readFile(path.join(alice.configDir, 'config.json'), 'utf8');
      await Promise.all([
        fails(alice, ['login', '--username', 'alice', '--password-stdin'], 4, '✗ 401: Incorrect username or password', {
          input: 'wrong password\n',
        }),
        fails(alice, ['login', '--username', 'ghost', '--password-stdin'], 4, '✗ 401: Incorrect username or password', {
          input: `${PASSWORD}\n`,
        }),
      ]);
      assert.equal(
        await readFile(path.join(alice.configDir, 'config.json'), 'utf8'),
        before,
        'a failed login changes nothing',
      );
    });

    it('logs in with the right password and saves a new session', async () => {
      const old = await savedToken(alice, r.url);
      const out = await ok(alice, ['login', '--username', 'alice', '--password-stdin'], { input: `${PASSWORD}\n` });
      assert.deepEqual(linesOf(out), [`✓ Logged in as alice on ${r.url}`]);
      const token = await savedToken(alice, r.url);
      assert.match(token, TOKEN_RE);
      assert.notEqual(token, old, 'a login is a new session');
      assert.equal((await stat(path.join(alice.configDir, 'config.json'))).mode & 0o777, 0o600);
      assert.deepEqual(
        await json(alice, ['login', '--username', 'alice', '--password-stdin'], 0, { input: PASSWORD }),
        { username: 'alice', registry: r.url },
      );
    });

    it('whoami prints the username; --json gives username, email, readonly and registry', async () => {
      const [out, body] = await Promise.all([ok(alice, ['whoami']), json(alice, ['whoami'], 0)]);
      assert.equal(out, 'alice\n');
      assert.deepEqual(body, { username: 'alice', email: 'alice@example.com', readonly: false, registry: r.url });
    });

    it('logout revokes the session on the registry and forgets it; whoami is then refused (401, exit 4)', async () => {
      const token = await savedToken(alice, r.url);
      assert.equal((await request(r.url, 'GET', '/-/whoami', { token })).status, 200);

      assert.deepEqual(linesOf(await ok(alice, ['logout'])), [`✓ Logged out of ${r.url}`]);
      const config = await readConfig(alice);
      assert.equal(config.auth?.[new URL(r.url).origin], undefined, 'the login is forgotten');
      assert.ok(!JSON.stringify(config).includes(token));
      assert.equal((await stat(path.join(alice.configDir, 'config.json'))).mode & 0o777, 0o600);

      const notSignedIn = `Not signed in to ${r.url}: run aerostack login (or set AEROSTACK_TOKEN)`;
      const [, j, again, againJson] = await Promise.all([
        fails(alice, ['whoami'], 4, `✗ 401: ${notSignedIn}`),
        json(alice, ['whoami'], 4),
        // Logging out twice is harmless.
        ok(alice, ['logout']),
        json(alice, ['logout'], 0),
      ]);
      assert.deepEqual(j, { ok: false, status: 401, error: notSignedIn });
      assert.deepEqual(linesOf(again), ['✓ Not logged in']);
      assert.deepEqual(againJson, { loggedOut: false });

      // The old token was revoked server-side, not only deleted from the file.
      const res = await request(r.url, 'GET', '/-/whoami', { token });
      assert.equal(res.status, 401);
      assert.match(res.body.error, /revoked/);

      assert.deepEqual(
        await json(alice, ['login', '--username', 'alice', '--password-stdin'], 0, { input: PASSWORD }),
        { username: 'alice', registry: r.url },
      );
      assert.deepEqual(await json(alice, ['logout'], 0), { loggedOut: true });
      await ok(alice, ['login', '--username', 'alice', '--password-stdin'], { input: PASSWORD });
    });
  });

  describe('AEROSTACK_TOKEN', () => {
    it('wins over the saved login (even with surrounding whitespace)', async () => {
      const [saved, env, spaced, body] = await Promise.all([
        ok(alice, ['whoami']),
        ok(alice, ['whoami'], { env: { AEROSTACK_TOKEN: bobToken } }),
        ok(alice, ['whoami'], { env: { AEROSTACK_TOKEN: ` ${bobToken}\n` } }),
        json(alice, ['whoami'], 0, { env: { AEROSTACK_TOKEN: bobToken } }),
      ]);
      assert.equal(saved, 'alice\n');
      assert.equal(env, 'bob\n');
      assert.equal(spaced, 'bob\n');
      assert.deepEqual(body, { username: 'bob', email: 'bob@example.com', readonly: false, registry: r.url });
    });

    it('a bad AEROSTACK_TOKEN fails loudly instead of falling back to the saved login', async () => {
      await Promise.all([
        fails(alice, ['whoami'], 4, '✗ 401: Invalid token', { env: { AEROSTACK_TOKEN: 'aer_not-a-real-token' } }),
        fails(alice, ['whoami'], 4, '✗ 401: Invalid token', { env: { AEROSTACK_TOKEN: 'garbage' } }),
      ]);
    });
  });

  describe('token create | list | revoke', () => {
    it('create prints the aer_ token exactly once, on the line after the ✓ line', async () => {
      const out = await ok(alice, ['token', 'create', '--name', 'ci']);
      const lines = linesOf(out);
      assert.equal(lines.length, 3, out);
      assert.equal(lines[0], '✓ Token created: ci (publish)');
      assert.match(lines[1]!, TOKEN_RE);
      assert.equal(lines[2], '  This is the only time it is shown. Use it as AEROSTACK_TOKEN.');
      const secret = lines[1]!;
      assert.equal(out.split(secret).length - 1, 1, 'the secret is printed once');
      secrets.ci = secret;
      // It is a working token of alice's.
      assert.equal(await ok(bob, ['whoami'], { env: { AEROSTACK_TOKEN: secret } }), 'alice\n');
    });

    it('create --json includes the token and its summary', async () => {
      const body = await json(alice, ['token', 'create', '--name', 'ci-json'], 0);
      assert.match(body.token, TOKEN_RE);
      assert.match(body.key, /^[0-9a-f-]{36}$/);
      assert.equal(body.name, 'ci-json');
      assert.equal(body.prefix, body.token.slice(0, body.prefix.length));
      assert.ok(body.prefix.length < body.token.length / 2, 'the prefix is not the secret');
      assert.equal(body.kind, 'automation');
      assert.equal(body.readonly, false);
      assert.equal(body.expires, null);
      assert.equal(body.status, 'active');
      assert.ok(!Number.isNaN(Date.parse(body.created)));
      secrets['ci-json'] = body.token;
      secrets['ci-json:key'] = body.key;
    });

    it('create --read-only makes a token that reads but cannot mint a publish token (403, exit 4)', async () => {
      const lines = linesOf(await ok(alice, ['token', 'create', '--name', 'reader', '--read-only']));
      assert.equal(lines[0], '✓ Token created: reader (read-only)');
      assert.match(lines[1]!, TOKEN_RE);
      const reader = lines[1]!;
      secrets.reader = reader;
      const env = { AEROSTACK_TOKEN: reader };
      const [who, , ro] = await Promise.all([
        json(bob, ['whoami'], 0, { env }),
        fails(
          bob,
          ['token', 'create', '--name', 'escalate'],
          4,
          '✗ 403: A read-only token can only create read-only tokens',
          { env },
        ),
        json(bob, ['token', 'create', '--name', 'reader-2', '--read-only'], 0, { env }),
      ]);
      assert.equal(who.username, 'alice');
      assert.equal(who.readonly, true);
      assert.equal(ro.readonly, true);
    });

    it('create --expires-in 60 shows the expiry date', async () => {
      const before = day(new Date(r.clock.now().getTime() + 60_000));
      const lines = linesOf(await ok(alice, ['token', 'create', '--name', 'short-lived', '--expires-in', '60']));
      const after = day(new Date(r.clock.now().getTime() + 60_000));
      assert.ok(
        [
          `✓ Token created: short-lived (publish, expires ${before})`,
          `✓ Token created: short-lived (publish, expires ${after})`,
        ].includes(lines[0]!),
        lines[0],
      );
      assert.match(lines[1]!, TOKEN_RE);
      secrets['short-lived'] = lines[1]!;
      const body = await json(alice, ['token', 'create', '--name', 'short-json', '--expires-in', '60'], 0);
      const ttl = Date.parse(body.expires) - Date.parse(body.created);
      assert.equal(ttl, 60_000);
    });

    it('create refuses bad flags with a reason (exit 2)', async () => {
      await Promise.all([
        fails(alice, ['token', 'create'], 2, /^✗ invalid: Missing required flag:? (--)?name\b/),
        fails(
          alice,
          ['token', 'create', '--name', 'x', '--expires-in', '0'],
          2,
          /^✗ invalid: .*--expires-in.*greater than or equal to 1/,
        ),
        fails(
          alice,
          ['token', 'create', '--name', 'x', '--expires-in', 'soon'],
          2,
          /^✗ invalid: .*--expires-in.*integer/,
        ),
        fails(alice, ['token', 'revoke'], 2, /^✗ invalid: Missing 1 required arg\b.*token/),
      ]);
    });

    it('list prints aligned columns under the header and never a secret', async () => {
      const out = await ok(alice, ['token', 'list']);
      const [header, ...rows] = linesOf(out);
      assert.match(header!, /^TOKEN NAME {2,}TOKEN {2,}ACCESS {2,}CREATED {2,}LAST USED {2,}EXPIRES {2,}STATUS$/);
      const titles = ['TOKEN NAME', 'TOKEN', 'ACCESS', 'CREATED', 'LAST USED', 'EXPIRES', 'STATUS'];
      const starts: number[] = [];
      for (const t of titles)
        starts.push(header!.indexOf(t, starts.length ? starts.at(-1)! + titles[starts.length - 1]!.length : 0));
      const cells = (row: string): string[] =>
        starts.map((s, i) => {
          // Each column starts exactly under its title, after at least two spaces.
          if (i > 0) assert.equal(row.slice(s - 2, s), '  ', `column ${titles[i]} misaligned in:\n${header}\n${row}`);
          assert.notEqual(row[s] ?? ' ', ' ', `column ${titles[i]} empty or misaligned in:\n${header}\n${row}`);
          return row.slice(s, starts[i + 1] ?? undefined).trim();
        });
      const byName = new Map(rows.map((row) => [cells(row)[0]!, cells(row)]));
      for (const name of ['ci', 'ci-json', 'reader', 'short-lived', 'login session'])
        assert.ok(byName.has(name), `${name} listed:\n${out}`);

      const today = day(r.clock.now());
      const ci = byName.get('ci')!;
      assert.deepEqual(ci, ['ci', `${secrets.ci!.slice(0, 10)}…`, 'publish', today, ci[4], '-', 'active']);
      assert.match(ci[4]!, /^\d{4}-\d{2}-\d{2}$/, 'used once by whoami');
      assert.equal(byName.get('reader')![2], 'read-only');
      assert.match(byName.get('short-lived')![5]!, /^\d{4}-\d{2}-\d{2}$/);
      for (const [name, secret] of Object.entries(secrets))
        assert.ok(!out.includes(secret), `the secret of ${name} is not listed`);

      const listed = await json(alice, ['token', 'list'], 0);
      assert.ok(Array.isArray(listed.tokens));
      for (const t of listed.tokens) {
        assert.equal(t.token, undefined, 'no secret in --json either');
        assert.deepEqual(Object.keys(t).sort(), [
          'created',
          'expires',
          'key',
          'kind',
          'lastUsed',
          'name',
          'prefix',
          'readonly',
          'status',
        ]);
      }
      const text = JSON.stringify(listed);
      for (const [name, secret] of Object.entries(secrets))
        if (!name.endsWith(':key')) assert.ok(!text.includes(secret), `the secret of ${name} is not listed`);
    });

    it('revoke NAME: ✓ Token revoked., and the token is refused from then on', async () => {
      assert.equal(await ok(alice, ['token', 'revoke', 'ci']), '✓ Token revoked.\n');
      const [, listed, byKey] = await Promise.all([
        fails(bob, ['whoami'], 4, '✗ 401: This token has been revoked; sign in again', {
          env: { AEROSTACK_TOKEN: secrets.ci },
        }),
        json(alice, ['token', 'list'], 0),
        // By key (as `token list --json` shows it) works too.
        json(alice, ['token', 'revoke', secrets['ci-json:key']!], 0),
      ]);
      const res = await request(r.url, 'GET', '/-/whoami', { token: secrets.ci });
      assert.equal(res.status, 401);
      assert.match(res.body.error, /revoked/);
      assert.equal(listed.tokens.find((t: { name: string }) => t.name === 'ci').status, 'revoked');
      assert.deepEqual(byKey, { revoked: secrets['ci-json:key'] });
      const [, mine] = await Promise.all([
        fails(bob, ['whoami'], 4, /^✗ 401: .*revoked/, { env: { AEROSTACK_TOKEN: secrets['ci-json'] } }),
        // The session in use is untouched.
        ok(alice, ['whoami']),
      ]);
      assert.equal(mine, 'alice\n');
    });

    it('revoking an unknown (or already revoked) name is a 404 (exit 5)', async () => {
      const [, , body] = await Promise.all([
        fails(alice, ['token', 'revoke', 'no-such-token'], 5, '✗ 404: No such active token'),
        fails(alice, ['token', 'revoke', 'ci'], 5, /^✗ 404: /),
        json(alice, ['token', 'revoke', 'no-such-token'], 5),
      ]);
      assert.deepEqual(body, { ok: false, status: 404, error: 'No such active token' });
    });

    it('an expired AEROSTACK_TOKEN is refused with the reason (401, exit 4)', async () => {
      const env = { AEROSTACK_TOKEN: secrets['short-lived'] };
      assert.equal(await ok(bob, ['whoami'], { env }), 'alice\n');
      r.clock.advance(61_000);
      const [, listed, out] = await Promise.all([
        fails(bob, ['whoami'], 4, '✗ 401: This token has expired; sign in again', { env }),
        json(alice, ['token', 'list'], 0),
        ok(alice, ['token', 'list']),
      ]);
      assert.equal(listed.tokens.find((t: { name: string }) => t.name === 'short-lived').status, 'expired');
      assert.match(out, /^short-lived +aer_\S+… +publish +\S+ +\S+ +\S+ +expired$/m);
    });
  });

  describe('registry address', () => {
    it('a dead --registry is ✗ unreachable (exit 3), with no stack trace', async () => {
      const dead = `http://127.0.0.1:${await freePort()}`;
      const unreachable = new RegExp(`^✗ unreachable: Cannot reach the registry at ${dead.replace(/[.]/g, '\\.')}\\b`);
      const j = await Promise.all([
        fails(alice, ['login', '--registry', dead, '--username', 'alice', '--password-stdin'], 3, unreachable, {
          input: PASSWORD,
        }),
        fails(alice, ['whoami', '--registry', dead], 3, unreachable, { env: { AEROSTACK_TOKEN: bobToken } }),
        fails(alice, ['token', 'list'], 3, unreachable, {
          env: { AEROSTACK_TOKEN: bobToken, AEROSTACK_REGISTRY: dead },
        }),
        // A login is kept per registry: alice's saved token is never sent to another one.
        fails(
          alice,
          ['whoami', '--registry', dead],
          4,
          `✗ 401: Not signed in to ${dead}: run aerostack login (or set AEROSTACK_TOKEN)`,
        ),
        json(alice, ['whoami', '--registry', dead], 3, { env: { AEROSTACK_TOKEN: bobToken } }),
      ]).then((all) => all.at(-1) as { ok: boolean; status: string; error: string });
      assert.equal(j.ok, false);
      assert.equal(j.status, 'unreachable');
      assert.match(j.error, /^Cannot reach the registry at /);
      // Nothing about the dead registry was saved.
      assert.equal((await readConfig(alice)).registry, r.url);
    });

    it('--registry not-a-url is a usage error (exit 2)', async () => {
      await Promise.all([
        fails(alice, ['whoami', '--registry', 'not-a-url'], 2, '✗ invalid: Invalid registry URL "not-a-url"'),
        fails(
          alice,
          ['login', '--username', 'alice', '--password-stdin'],
          2,
          '✗ invalid: Invalid registry URL "not-a-url"',
          {
            input: PASSWORD,
            env: { AEROSTACK_REGISTRY: 'not-a-url' },
          },
        ),
      ]);
    });
  });

  describe('CI', () => {
    it('CI=true, AEROSTACK_TOKEN, an empty config folder and stdin closed: whoami works, nothing prompts or is saved', async () => {
      const ci = await newUser();
      assert.deepEqual(await readdir(ci.configDir), []);
      const env = { CI: 'true', AEROSTACK_TOKEN: bobToken };
      const [who, whoJson, created] = await Promise.all([
        ok(ci, ['whoami'], { env }),
        json(ci, ['whoami'], 0, { env }),
        json(ci, ['token', 'create', '--name', 'from-ci', '--read-only'], 0, { env }),
      ]);
      assert.equal(who, 'bob\n');
      assert.deepEqual(whoJson, { username: 'bob', email: 'bob@example.com', readonly: false, registry: r.url });
      assert.match(created.token, TOKEN_RE);
      const out = await ok(ci, ['token', 'list'], { env });
      assert.match(out, /^from-ci +aer_\S+… +read-only +/m);
      for (const { file, text } of await filesUnder(ci.configDir)) {
        assert.ok(!text.includes(bobToken) && !text.includes(created.token), `a token was written to ${file}`);
      }
    });

    it('an unknown flag is ✗ invalid (exit 2); an unknown command fails at once', async () => {
      const ci = await newUser();
      const env = { CI: 'true', AEROSTACK_TOKEN: bobToken };
      const [, , body, res] = await Promise.all([
        fails(ci, ['whoami', '--bogus'], 2, '✗ invalid: Nonexistent flag: --bogus', { env }),
        fails(ci, ['token', 'list', '--bogus'], 2, '✗ invalid: Nonexistent flag: --bogus', { env }),
        json(ci, ['whoami', '--bogus'], 2, { env }),
        run(ci, ['whoamii'], { env }),
      ]);
      assert.deepEqual(body, { ok: false, status: 'invalid', error: 'Nonexistent flag: --bogus' });
      assert.notEqual(res.code, 0, describeRun(['whoamii'], res));
      assert.equal(res.stdout, '');
    });
  });

  describe('help and version', () => {
    it('--help on every account command exits 0 with USAGE and EXAMPLES', async () => {
      const commands = [
        ['signup'],
        ['login'],
        ['logout'],
        ['whoami'],
        ['token', 'create'],
        ['token', 'list'],
        ['token', 'revoke'],
      ];
      const outs = await Promise.all(commands.map((c) => ok(alice, [...c, '--help'])));
      outs.forEach((out, i) => {
        const cmd = commands[i]!.join(' ');
        assert.match(out, /^USAGE$/m, cmd);
        assert.match(out, /^EXAMPLES$/m, cmd);
        assert.ok(out.includes(`$ aerostack ${cmd}`), `${cmd} --help shows aerostack ${cmd}`);
      });
      const create = outs[4]!;
      assert.match(create, /--name=<value>/);
      assert.match(create, /--read-only/);
      assert.match(create, /--expires-in=<value>/);
      assert.match(create, /^EXAMPLES\n {2}\$ aerostack token create --name \S+/m);
    });

    it('--version exits 0 and prints aerostack/<version>', async () => {
      const out = await ok(alice, ['--version']);
      assert.match(out, /^aerostack\/\d+\.\d+\.\d+\S* /);
    });
  });
});
