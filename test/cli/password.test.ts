/**
 * `aerostack password forgot|reset|change` and `aerostack account verify`, end to end: the BUILT
 * binary against an in-process registry that mails over real SMTP (`smtp-server` on a loopback port).
 * alice holds sessions everywhere a password sign-in makes one (this terminal, a second machine, npm's
 * couch login, a dashboard cookie) and a `token create` token for CI. A reset or a change signs out
 * every session and leaves the CI token working; a reset link works once, for an hour; forgot answers
 * the same for any address. Lines are asserted exactly.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from '../helpers/api.js';
import { accountLinkFrom, mailsTo, nthMail, RESET_SUBJECT, VERIFY_SUBJECT } from '../helpers/account-mail.js';
import { cliUser, type CliUser } from '../helpers/cli.js';
import { cliExpect } from '../helpers/cli-expect.js';
import type { TestRegistry } from '../helpers/registry.js';
import { type SmtpSink, startMailingRegistry, startSmtpSink } from '../helpers/smtp.js';

const { names, prints, fails, json } = cliExpect();
const P1 = 'first password 1';
const P2 = 'second password 2';
const P3 = 'third password 3';
const P4 = 'fourth password 4';
const MINUTE = 60_000;

describe('aerostack password and account verify (CLI end to end, mail over SMTP)', function () {
  this.timeout(90_000);
  this.slow(10_000);

  let r: TestRegistry;
  let smtp: SmtpSink;
  let alice: CliUser; // alice's terminal
  let laptop: CliUser; // alice signed in on a second machine
  let ci: string; // alice's `token create` token
  let resetLink: string;

  /** A dashboard session for alice: the cookie a browser would hold after signing in. */
  async function dashboardSession(password: string): Promise<string> {
    const page = await fetch(`${r.url}/signin`);
    const pre = page.headers.getSetCookie().map((c) => c.split(';')[0]);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    const res = await fetch(`${r.url}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: pre.join('; ') },
      body: new URLSearchParams({ username: 'alice', password, _csrf: csrf ?? '', next: '/skills' }),
    });
    assert.equal(res.status, 303);
    const session = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => c.includes('session') && !c.endsWith('='));
    assert.ok(session, 'signed in to the dashboard');
    return session;
  }
  const dashboardStatus = async (cookie: string) =>
    (await fetch(`${r.url}/skills`, { redirect: 'manual', headers: { cookie } })).status;
  const couchLogin = async (password: string) => {
    const res = await request(r.url, 'PUT', '/-/user/org.couchdb.user:alice', { body: { name: 'alice', password } });
    assert.equal(res.status, 201);
    return res.body.token as string;
  };
  const npmWhoami = async (token: string) => (await request(r.url, 'GET', '/-/whoami', { token })).status;
  const auditRows = (action: string) =>
    r.db
      .selectFrom('audit_events')
      .select(['namespace', 'actor', 'detail'])
      .where('action', '=', action as never)
      .execute();

  before(async () => {
    smtp = await startSmtpSink();
    r = await startMailingRegistry(smtp);
    [alice, laptop] = await Promise.all([cliUser(r.url), cliUser(r.url)]);
    names.set(alice, 'alice').set(laptop, 'laptop');
    await prints(
      alice,
      ['signup', '--username', 'alice', '--email', 'alice@example.com', '--password-stdin'],
      [
        '✓ Signed up as alice. Your skills live at @alice/<skill>.',
        'We mailed a link to alice@example.com: open it to verify your email before joining a team (aerostack account verify --resend mails a new one).',
      ],
      { input: `${P1}\n` },
    );
    ci = (await json(alice, ['token', 'create', '--name', 'ci'])).token;
  });
  after(async () => {
    await Promise.all([alice, laptop].map((u) => u?.cleanup()));
    await r?.close();
    await smtp?.close();
  });

  describe('account verify', () => {
    it('shows the address as not verified, mails a new link, and verifies with the link', async () => {
      await prints(
        alice,
        ['account', 'verify'],
        [
          'alice@example.com is not verified yet: open the link we mailed you, or run aerostack account verify --resend for a new one',
        ],
      );
      await nthMail(smtp.messages, 'alice@example.com', VERIFY_SUBJECT);
      await prints(
        alice,
        ['account', 'verify', '--resend'],
        ['✓ A new verification link is on its way to alice@example.com (valid for 24 hours)'],
      );
      const first = accountLinkFrom(await nthMail(smtp.messages, 'alice@example.com', VERIFY_SUBJECT, 1), 'verify');
      const second = accountLinkFrom(await nthMail(smtp.messages, 'alice@example.com', VERIFY_SUBJECT, 2), 'verify');
      await fails(
        alice,
        ['account', 'verify', first.link],
        2,
        '✗ 410: This verification link has expired or was replaced by a newer one; run aerostack account verify --resend for a new one',
      );
      // A verification link works from any terminal, signed in or not (the code is the credential).
      await prints(laptop, ['account', 'verify', second.code], ['✓ Verified alice@example.com for alice']);
      await Promise.all([
        prints(alice, ['account', 'verify'], ['✓ alice@example.com is verified']),
        prints(alice, ['account', 'verify', '--resend'], ['✓ alice@example.com is already verified']),
        json(alice, ['account', 'verify']).then((body) =>
          assert.deepEqual(body, { username: 'alice', email: 'alice@example.com', emailVerified: true }),
        ),
        fails(laptop, ['account', 'verify', second.link], 2, '✗ 410: This verification link has already been used'),
        fails(
          laptop,
          ['account', 'verify', `${r.url}/join/abc`],
          2,
          `✗ invalid: "${r.url}/join/abc" is not a verify link (expected …/verify/<code>)`,
        ),
        fails(
          laptop,
          ['account', 'verify', second.code, '--resend'],
          2,
          '✗ invalid: Give a verification link or --resend, not both',
        ),
        fails(
          laptop,
          ['account', 'verify', '--resend'],
          4,
          `✗ 401: Not signed in to ${r.url}: run aerostack login (or set AEROSTACK_TOKEN)`,
        ),
      ]);
    });
  });

  describe('password forgot and reset', () => {
    let dashboard: string;
    let couch: string;

    it('forgot mails a reset link, and answers the same for an address no account uses', async () => {
      await prints(laptop, ['login', '-u', 'alice', '--password-stdin'], [`✓ Logged in as alice on ${r.url}`], {
        input: P1,
      });
      [dashboard, couch] = await Promise.all([dashboardSession(P1), couchLogin(P1)]);
      await Promise.all([
        prints(
          alice,
          ['password', 'forgot', '--email', 'alice@example.com'],
          ['✓ If an account uses alice@example.com, a reset link is on its way (valid for 1 hour)'],
        ),
        prints(
          alice,
          ['password', 'forgot', '--email', 'nobody@example.com'],
          ['✓ If an account uses nobody@example.com, a reset link is on its way (valid for 1 hour)'],
        ),
        fails(alice, ['password', 'forgot'], 2, '✗ invalid: Missing --email (there is no terminal to ask on)'),
        fails(alice, ['password', 'forgot', '--email', 'not-an-email'], 2, '✗ 400: Invalid email address'),
      ]);
      // (The first mail is in before the second is asked for: their order is the order asked.)
      await nthMail(smtp.messages, 'alice@example.com', RESET_SUBJECT, 1);
      const [known, unknown] = await Promise.all(
        ['ALICE@example.com', 'nobody@example.com'].map((email) =>
          request(r.url, 'POST', '/-/api/v1/password/forgot', { body: { email } }),
        ),
      );
      assert.deepEqual([known!.status, known!.body], [202, { ok: true }]);
      assert.deepEqual([unknown!.status, unknown!.body], [202, { ok: true }]);

      const mail = await nthMail(smtp.messages, 'alice@example.com', RESET_SUBJECT, 2);
      const { link, code } = accountLinkFrom(mail, 'reset');
      assert.equal(link, `${r.url}/reset/${code}`);
      assert.match(mail.text ?? '', /^Reset the password of alice: /m);
      assert.ok((mail.text ?? '').includes(`aerostack password reset ${code} --password-stdin`));
      assert.ok(
        !JSON.stringify(await r.db.selectFrom('account_codes').selectAll().execute()).includes(code),
        'the code is stored hashed only',
      );
      resetLink = link;
      // The first mail's link was replaced by the second's.
      const first = accountLinkFrom(await nthMail(smtp.messages, 'alice@example.com', RESET_SUBJECT, 1), 'reset');
      await fails(
        laptop,
        ['password', 'reset', first.link, '--password-stdin'],
        2,
        '✗ 410: This reset link has expired or was replaced by a newer one; ask for a new one with aerostack password forgot, or "Forgot password?" on the sign-in page',
        { input: P2 },
      );
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(mailsTo(smtp.messages, 'nobody@example.com', RESET_SUBJECT).length, 0);
    });

    it('reset signs out every session (CLI, npm, dashboard) but not token create tokens', async () => {
      assert.equal(await dashboardStatus(dashboard), 200);
      await fails(
        laptop,
        ['password', 'reset', resetLink, '--password-stdin'],
        2,
        '✗ 400: Password must be at least 8 characters',
        {
          input: 'short',
        },
      );
      await prints(
        alice,
        ['password', 'reset', resetLink, '--password-stdin'],
        ['✓ Password reset for alice; 4 sessions signed out. Sign in again with aerostack login.'],
        { input: `${P2}\n` },
      );
      // alice's terminal forgot its signed-out login; the others find theirs refused.
      const config = JSON.parse(await readFile(path.join(alice.configDir, 'config.json'), 'utf8'));
      assert.deepEqual(config.auth, {});
      await Promise.all([
        fails(alice, ['whoami'], 4, `✗ 401: Not signed in to ${r.url}: run aerostack login (or set AEROSTACK_TOKEN)`),
        fails(laptop, ['whoami'], 4, '✗ 401: This token has been revoked; sign in again'),
        npmWhoami(couch).then((s) => assert.equal(s, 401)),
        dashboardStatus(dashboard).then((s) => assert.equal(s, 303, 'the dashboard sends the visitor to sign in')),
        prints(alice, ['whoami'], ['alice'], { env: { AEROSTACK_TOKEN: ci } }),
        fails(alice, ['login', '-u', 'alice', '--password-stdin'], 4, '✗ 401: Incorrect username or password', {
          input: P1,
        }),
      ]);
      await prints(alice, ['login', '-u', 'alice', '--password-stdin'], [`✓ Logged in as alice on ${r.url}`], {
        input: P2,
      });
      assert.deepEqual(await auditRows('password_reset'), [
        { namespace: 'alice', actor: 'alice@alice', detail: '4 sessions signed out' },
      ]);
    });

    it('a reset link works once, and for an hour', async () => {
      await Promise.all([
        fails(
          laptop,
          ['password', 'reset', resetLink, '--password-stdin'],
          2,
          '✗ 410: This reset link has already been used',
          {
            input: P3,
          },
        ),
        fails(
          laptop,
          ['password', 'reset', '0'.repeat(48), '--password-stdin'],
          5,
          '✗ 404: This reset link is not valid; check that you copied all of it',
          { input: P3 },
        ),
        fails(
          laptop,
          ['password', 'reset', `${r.url}/verify/abc`, '--password-stdin'],
          2,
          `✗ invalid: "${r.url}/verify/abc" is not a reset link (expected …/reset/<code>)`,
          { input: P3 },
        ),
        fails(
          laptop,
          ['password', 'reset', 'abc'],
          2,
          '✗ invalid: Missing --password-stdin (there is no terminal to ask on)',
        ),
      ]);
      await prints(
        laptop,
        ['password', 'forgot', '-e', 'alice@example.com'],
        [/^✓ If an account uses alice@example\.com/],
      );
      const late = accountLinkFrom(await nthMail(smtp.messages, 'alice@example.com', RESET_SUBJECT, 3), 'reset');
      r.clock.advance(61 * MINUTE);
      try {
        await fails(
          laptop,
          ['password', 'reset', late.link, '--password-stdin'],
          2,
          '✗ 410: This reset link has expired or was replaced by a newer one; ask for a new one with aerostack password forgot, or "Forgot password?" on the sign-in page',
          { input: P3 },
        );
      } finally {
        r.clock.advance(-61 * MINUTE);
      }
      await prints(
        laptop,
        ['password', 'forgot', '-e', 'alice@example.com'],
        [/^✓ If an account uses alice@example\.com/],
      );
      const fresh = accountLinkFrom(await nthMail(smtp.messages, 'alice@example.com', RESET_SUBJECT, 4), 'reset');
      await prints(
        laptop,
        ['password', 'reset', fresh.code, '--password-stdin'],
        ['✓ Password reset for alice; 1 session signed out. Sign in again with aerostack login.'],
        { input: P3 },
      );
    });
  });

  describe('password change', () => {
    it('asks for the current password, signs out the other sessions, keeps this terminal signed in', async () => {
      await Promise.all([
        prints(alice, ['login', '-u', 'alice', '--password-stdin'], [`✓ Logged in as alice on ${r.url}`], {
          input: P3,
        }),
        prints(laptop, ['login', '-u', 'alice', '--password-stdin'], [`✓ Logged in as alice on ${r.url}`], {
          input: P3,
        }),
      ]);
      const couch = await couchLogin(P3);
      await Promise.all([
        fails(alice, ['password', 'change', '--password-stdin'], 4, '✗ 403: Your current password is not correct', {
          input: `wrong password\n${P4}\n`,
        }),
        fails(
          alice,
          ['password', 'change', '--password-stdin'],
          2,
          '✗ 400: The new password is the same as the current one',
          {
            input: `${P3}\n${P3}\n`,
          },
        ),
        fails(alice, ['password', 'change', '--password-stdin'], 2, '✗ 400: Password must be at least 8 characters', {
          input: `${P3}\nshort\n`,
        }),
        fails(
          alice,
          ['password', 'change', '--password-stdin'],
          2,
          `✗ invalid: --password-stdin expects the current and the new password on two lines, e.g. printf '%s\\n%s\\n' "$OLD" "$NEW" | aerostack password change --password-stdin`,
          { input: P3 },
        ),
        fails(alice, ['password', 'change'], 2, '✗ invalid: Missing --password-stdin (there is no terminal to ask on)'),
      ]);
      await prints(
        alice,
        ['password', 'change', '--password-stdin'],
        ['✓ Password changed; 3 sessions signed out, and this terminal signed in again'],
        { input: `${P3}\n${P4}\n` },
      );
      await Promise.all([
        prints(alice, ['whoami'], ['alice']),
        fails(laptop, ['whoami'], 4, '✗ 401: This token has been revoked; sign in again'),
        npmWhoami(couch).then((s) => assert.equal(s, 401)),
        prints(laptop, ['whoami'], ['alice'], { env: { AEROSTACK_TOKEN: ci } }),
      ]);
      assert.deepEqual(await auditRows('password_changed'), [
        { namespace: 'alice', actor: 'alice@alice', detail: '3 sessions signed out' },
      ]);
    });

    it('with a token create token: the token keeps working; a read-only token may not', async () => {
      const readonly = (await json(alice, ['token', 'create', '--name', 'reader', '--read-only'])).token;
      await fails(
        laptop,
        ['password', 'change', '--password-stdin'],
        4,
        '✗ 403: This token is read-only; it cannot change the password',
        { input: `${P4}\n${P1}\n`, env: { AEROSTACK_TOKEN: readonly } },
      );
      const changed = await json(laptop, ['password', 'change', '--password-stdin'], 0, {
        input: `${P4}\n${P1}\n`,
        env: { AEROSTACK_TOKEN: ci },
      });
      assert.deepEqual(changed, { username: 'alice', revokedSessions: 1, signedInAgain: false });
      await Promise.all([
        prints(laptop, ['whoami'], ['alice'], { env: { AEROSTACK_TOKEN: ci } }),
        fails(alice, ['whoami'], 4, '✗ 401: This token has been revoked; sign in again'),
      ]);
    });
  });
});
