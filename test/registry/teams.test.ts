import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { request, publishBody, signup } from '../helpers/api.js';
import { freePort, startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import { joinCodeFrom, type SmtpSink, startMailingRegistry, startSmtpSink } from '../helpers/smtp.js';
import { setVerifiedEmail } from '../helpers/teams.js';

const DAY = 24 * 3600 * 1000;

describe('teams: invitations over real SMTP, joining, members, removal', function () {
  this.timeout(60_000);
  let smtp: SmtpSink;
  let r: TestRegistry;
  let acme: string;

  before(async () => {
    smtp = await startSmtpSink();
    r = await startMailingRegistry(smtp);
    acme = await signup(r.url, 'acme');
    const tgz = skillTarball('@acme/crm', '1.0.0');
    assert.equal(
      (
        await request(r.url, 'PUT', '/@acme%2fcrm', {
          token: acme,
          body: publishBody('@acme/crm', '1.0.0', tgz, { visibility: 'team' }),
        })
      ).status,
      201,
    );
  });
  after(async () => {
    await r?.close();
    await smtp?.close();
  });

  const invite = (email: string, body: object = {}, token = acme) =>
    request(r.url, 'POST', '/-/api/v1/teams/acme/invitations', { token, body: { email, ...body } });
  const join = (token: string, code: string) =>
    request(r.url, 'POST', '/-/api/v1/teams/join', { token, body: { code } });
  const members = async () =>
    (await request(r.url, 'GET', '/-/api/v1/teams/acme/members', { token: acme })).body.members as Array<{
      email: string;
      status: string;
      role: string;
    }>;
  const readSkill = (token: string) => request(r.url, 'GET', '/@acme/crm', { token });

  it('mails a join link over SMTP; the link admits the invitee, once', async () => {
    const res = await invite('alice@acme.test');
    assert.equal(res.status, 201);
    assert.equal(res.body.name, 'Alice');
    const mail = await smtp.next('alice@acme.test');
    assert.deepEqual(
      mail.from?.value.map((a) => [a.name, a.address]),
      [['Aerostack', 'noreply@aerostack.test']],
    );
    assert.match(mail.subject ?? '', /acme invited you to join @acme/);
    const { link, code } = joinCodeFrom(mail);
    assert.equal(link, `${r.url}/join/${code}`);
    // Hex only: a code starting with "-" would read as a flag in `aerostack team join <code>`.
    assert.match(code, /^[0-9a-f]{48}$/);
    assert.ok(
      !JSON.stringify(await r.db.selectFrom('invitations').selectAll().execute()).includes(code),
      'the code is stored hashed only',
    );
    assert.deepEqual(
      (await members()).map((m) => [m.email, m.status]),
      [
        ['acme@example.com', 'active'],
        ['alice@acme.test', 'pending'],
      ],
    );

    const alice = await signup(r.url, 'alice', 'alice-password');
    await setVerifiedEmail(r, 'alice', 'alice@acme.test');
    assert.equal((await readSkill(alice)).status, 403, 'not a member yet');
    const joined = await join(alice, link.split('/join/')[1]!);
    assert.equal(joined.status, 200);
    assert.deepEqual(joined.body, { namespace: 'acme', role: 'member' });
    assert.equal((await readSkill(alice)).status, 200, 'a member reads the team skill at once');
    const again = await join(alice, code);
    assert.equal(again.status, 410);
    assert.equal(again.body.error, 'This invitation has already been used');
    assert.equal((await members()).find((m) => m.email === 'alice@acme.test')?.status, 'active');
  });

  it('refuses an invitation for another account unless the inviter allowed any account', async () => {
    await invite('carol@acme.test');
    const { code } = joinCodeFrom(await smtp.next('carol@acme.test'));
    const mallory = await signup(r.url, 'mallory');
    const res = await join(mallory, code);
    assert.equal(res.status, 403);
    assert.match(res.body.error, /sent to carol@acme\.test; sign in with the account that uses that email/);

    await invite('shared-inbox@acme.test', { anyAccount: true });
    const open = joinCodeFrom(await smtp.next('shared-inbox@acme.test'));
    assert.equal((await join(mallory, open.code)).status, 200);
  });

  it('refuses revoked and expired links with a clear message; re-inviting replaces the link', async () => {
    await invite('dave@acme.test');
    const first = joinCodeFrom(await smtp.next('dave@acme.test'));
    const resent = await invite('dave@acme.test');
    assert.equal(resent.body.resent, true);
    const second = joinCodeFrom(await smtp.next('dave@acme.test'));
    assert.notEqual(first.code, second.code);
    const dave = await signup(r.url, 'dave');
    await setVerifiedEmail(r, 'dave', 'dave@acme.test');
    const old = await join(dave, first.code);
    assert.equal(old.status, 410);
    assert.match(old.body.error, /withdrawn/);

    assert.equal(
      (await request(r.url, 'DELETE', '/-/api/v1/teams/acme/invitations/dave@acme.test', { token: acme })).status,
      200,
    );
    const revoked = await join(dave, second.code);
    assert.equal(revoked.status, 410);
    assert.match(revoked.body.error, /withdrawn; ask @acme for a new one/);

    await invite('dave@acme.test');
    const third = joinCodeFrom(await smtp.next('dave@acme.test'));
    r.clock.advance(8 * DAY);
    try {
      const expired = await join(dave, third.code);
      assert.equal(expired.status, 410);
      assert.match(expired.body.error, /expired on \d{4}-\d{2}-\d{2}; ask @acme for a new one/);
      assert.ok(
        !(await members()).some((m) => m.email === 'dave@acme.test'),
        'expired invitations leave the pending list',
      );
    } finally {
      r.clock.advance(-8 * DAY);
    }
    const bogus = await join(dave, 'not-a-real-code');
    assert.equal(bogus.status, 404);
    assert.match(bogus.body.error, /not valid/);
  });

  it('removing a member takes effect on their very next request', async () => {
    const alice = (
      await request(r.url, 'POST', '/-/api/v1/login', { body: { username: 'alice', password: 'alice-password' } })
    ).body.token;
    assert.equal((await readSkill(alice)).status, 200);
    const removed = await request(r.url, 'DELETE', '/-/api/v1/teams/acme/members/alice@acme.test', { token: acme });
    assert.equal(removed.status, 200);
    const after = await readSkill(alice);
    assert.equal(after.status, 403);
    assert.deepEqual(after.body, { error: 'You are not a member of @acme' });
  });

  it('enforces roles: members cannot invite or remove; only the owner invites admins; the owner cannot be removed', async () => {
    await invite('erin@acme.test');
    const { code } = joinCodeFrom(await smtp.next('erin@acme.test'));
    const erin = await signup(r.url, 'erin');
    await setVerifiedEmail(r, 'erin', 'erin@acme.test');
    assert.equal((await join(erin, code)).status, 200);
    const byMember = await invite('x@acme.test', {}, erin);
    assert.equal(byMember.status, 403);
    assert.match(byMember.body.error, /Only the owner and admins of @acme/);

    await r.db
      .updateTable('memberships')
      .set({ role: 'admin' })
      .where('namespace', '=', 'acme')
      .where('user_id', '=', r.db.selectFrom('users').select('id').where('username', '=', 'erin'))
      .execute();
    assert.equal((await invite('frank@acme.test', {}, erin)).status, 201, 'an admin invites members');
    await smtp.next('frank@acme.test');
    const adminByAdmin = await invite('grace@acme.test', { role: 'admin' }, erin);
    assert.equal(adminByAdmin.status, 403);
    const removeOwner = await request(r.url, 'DELETE', '/-/api/v1/teams/acme/members/acme', { token: erin });
    assert.equal(removeOwner.status, 403);
    const outsider = await signup(r.url, 'outsider');
    const list = await request(r.url, 'GET', '/-/api/v1/teams/acme/members', { token: outsider });
    assert.equal(list.status, 403);
    assert.equal(list.body.error, 'You are not a member of @acme');
    assert.equal((await invite('alice@acme.test', {}, acme)).status, 201, 'a removed member can be invited again');
    await smtp.next('alice@acme.test');
    const dup = await invite('erin@acme.test');
    assert.equal(dup.status, 409);
    assert.match(dup.body.error, /already a member/);
    assert.equal((await invite('not-an-email')).status, 400);
  });

  it('lists the namespaces a user belongs to, and lets a member leave', async () => {
    const erin = (
      await request(r.url, 'POST', '/-/api/v1/login', { body: { username: 'erin', password: 'correct horse battery' } })
    ).body.token;
    const mine = await request(r.url, 'GET', '/-/api/v1/teams', { token: erin });
    assert.deepEqual(
      mine.body.teams.map((t: { namespace: string; role: string }) => [t.namespace, t.role]),
      [
        ['acme', 'admin'],
        ['erin', 'owner'],
      ],
    );
    assert.equal((await request(r.url, 'POST', '/-/api/v1/teams/acme/leave', { token: erin })).status, 200);
    assert.equal((await readSkill(erin)).status, 403);
    assert.equal(
      (await request(r.url, 'POST', '/-/api/v1/teams/acme/leave', { token: acme })).status,
      403,
      'the owner cannot leave',
    );
  });

  it('the /join page signs up in the form, accepts once the address is verified, and escapes what it echoes', async () => {
    await invite('heidi@acme.test');
    const { link } = joinCodeFrom(await smtp.next('heidi@acme.test'));
    const pageRes = await fetch(link);
    assert.equal(pageRes.status, 200);
    const body = await pageRes.text();
    assert.match(body, /Join @acme/);
    assert.match(body, /sent to heidi@acme\.test/);
    assert.equal(pageRes.headers.get('referrer-policy'), 'no-referrer');
    // The page's forms carry a CSRF token tied to the (pre-)session cookie it set; both must come back.
    const cookie = pageRes.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    assert.ok(cookie && csrf, 'the join page sets a cookie and embeds a CSRF token');
    const forged = await fetch(link, {
      method: 'POST',
      body: new URLSearchParams({
        action: 'signup',
        username: 'heidi',
        email: 'heidi@acme.test',
        password: 'heidi-password',
      }),
    });
    assert.equal(forged.status, 403, 'a form post without the page token is refused');
    const form = new URLSearchParams({
      action: 'signup',
      username: 'heidi',
      email: 'heidi@acme.test',
      password: 'heidi-password',
      _csrf: csrf,
    });
    const signedUp = await fetch(link, { method: 'POST', body: form, headers: { cookie } });
    // The account exists and is signed in, but its address is not proved yet: the link stays unused.
    assert.equal(signedUp.status, 403);
    const refusal = await signedUp.text();
    assert.match(refusal, /Verify your email before you join @acme: .*aerostack account verify --resend/);
    assert.match(refusal, /You are signed in as <strong>heidi<\/strong>/);
    const session = signedUp.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .filter((c) => !c!.endsWith('='))
      .join('; ');
    const sessionCsrf = /name="_csrf" value="([^"]+)"/.exec(refusal)?.[1];
    const verifyLink = /(https?:\/\/\S+\/verify\/([0-9a-f]+))/.exec((await smtp.next('heidi@acme.test')).text ?? '');
    assert.ok(verifyLink && sessionCsrf && session);
    assert.equal(
      (await request(r.url, 'POST', '/-/api/v1/account/verify', { body: { code: verifyLink[2] } })).status,
      200,
    );
    const accepted = await fetch(link, {
      method: 'POST',
      body: new URLSearchParams({ action: 'accept', _csrf: sessionCsrf }),
      headers: { cookie: session },
    });
    assert.equal(accepted.status, 200);
    assert.match(await accepted.text(), /You joined @acme/);
    const used = await fetch(link);
    assert.equal(used.status, 410);
    assert.match(await used.text(), /already been used/);
    const hostile = await fetch(`${r.url}/join/${encodeURIComponent('<script>alert(1)</script>')}`);
    assert.equal(hostile.status, 404);
    assert.ok(!(await hostile.text()).includes('<script>'));
  });

  it('an unreachable mail server fails the invitation with 502 and leaves no pending invite', async () => {
    const dead = await startTestRegistry({ env: { SMTP_URL: `smtp://127.0.0.1:${await freePort()}` } });
    try {
      const owner = await signup(dead.url, 'owner');
      const res = await request(dead.url, 'POST', '/-/api/v1/teams/owner/invitations', {
        token: owner,
        body: { email: 'ivan@acme.test' },
      });
      assert.equal(res.status, 502);
      assert.match(res.body.error, /Could not send the invitation to ivan@acme\.test/);
      const list = await request(dead.url, 'GET', '/-/api/v1/teams/owner/members', { token: owner });
      assert.ok(!list.body.members.some((m: { status: string }) => m.status === 'pending'));
    } finally {
      await dead.close();
    }
  });

  it('without SMTP_URL the mail is written to data/outbox/<id>.eml', async () => {
    const local = await startTestRegistry();
    try {
      const owner = await signup(local.url, 'owner');
      assert.equal(
        (
          await request(local.url, 'POST', '/-/api/v1/teams/owner/invitations', {
            token: owner,
            body: { email: 'judy@acme.test' },
          })
        ).status,
        201,
      );
      const dir = path.join(local.config.dataDir, 'outbox');
      // The owner's sign-up writes its verification mail there too (off the request's path).
      const files = await readdir(dir);
      for (const f of files) assert.match(f, /^[0-9a-f-]{36}\.eml$/);
      const emls = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
      const invitations = emls.filter((e) => /^To: judy@acme\.test$/m.test(e));
      assert.equal(invitations.length, 1);
      const eml = invitations[0]!;
      assert.match(eml, /^To: judy@acme\.test$/m);
      assert.match(
        eml.replace(/=\r?\n/g, ''),
        new RegExp(`${local.url.replace(/[.:/]/g, '\\$&')}/join/[A-Za-z0-9_-]+`),
      );
    } finally {
      await local.close();
    }
  });
});
