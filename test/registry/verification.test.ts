/**
 * Email verification (issue 14) over real SMTP: a sign-up mails a verification link; until it is
 * opened the account signs in, publishes and installs public skills but joins no email-bound team;
 * a refused join leaves the link usable. The attacks of the issue: a leaked join link used by someone
 * who signs up with the invitee's address (refused until that address is verified, then the link
 * still works for its owner), an invitee's address registered first (harmless), and sign-up telling
 * which addresses have accounts (it answers the same, and mails the owner instead).
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Migrator, sql, type Migration } from 'kysely';
import { migrateToLatest } from '@aerostack/registry/db/migrate.js';
import { publishBody, request, signup } from '../helpers/api.js';
import { accountLinkFrom, mailsTo, nthMail, NOTICE_SUBJECT, VERIFY_SUBJECT } from '../helpers/account-mail.js';
import { openTestDatabase, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import { joinCodeFrom, type SmtpSink, startMailingRegistry, startSmtpSink } from '../helpers/smtp.js';

const HOUR = 3600 * 1000;
const PASSWORD = 'correct horse battery';
const INVITE_SUBJECT = 'acme invited you to join @acme on Aerostack';

describe('email verification: mailed links, joining, and what sign-up reveals', function () {
  this.timeout(60_000);
  let smtp: SmtpSink;
  let r: TestRegistry;
  let acme: string;

  before(async () => {
    smtp = await startSmtpSink();
    r = await startMailingRegistry(smtp);
    acme = await signup(r.url, 'acme');
    for (const [name, visibility] of [
      ['@acme/crm', 'team'],
      ['@acme/open', 'public'],
    ] as const) {
      const res = await request(r.url, 'PUT', `/${name.replace('/', '%2f')}`, {
        token: acme,
        body: publishBody(name, '1.0.0', skillTarball(name, '1.0.0'), { visibility }),
      });
      assert.equal(res.status, 201);
    }
  });
  after(async () => {
    await r?.close();
    await smtp?.close();
  });

  const signupAs = (username: string, email: string) =>
    request(r.url, 'POST', '/-/api/v1/signup', { body: { username, email, password: PASSWORD } });
  const verify = (code: string) => request(r.url, 'POST', '/-/api/v1/account/verify', { body: { code } });
  const resend = (token: string) => request(r.url, 'POST', '/-/api/v1/account/verify/resend', { token, body: {} });
  const status = async (token: string) => (await request(r.url, 'GET', '/-/api/v1/account', { token })).body;
  const invite = async (email: string, body: object = {}) => {
    const res = await request(r.url, 'POST', '/-/api/v1/teams/acme/invitations', {
      token: acme,
      body: { email, ...body },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    // An invitation is mailed before the registry answers: the newest one is this one.
    const n = Math.max(1, mailsTo(smtp.messages, email, INVITE_SUBJECT).length);
    return joinCodeFrom(await nthMail(smtp.messages, email, INVITE_SUBJECT, n));
  };
  const join = (token: string, code: string) =>
    request(r.url, 'POST', '/-/api/v1/teams/join', { token, body: { code } });
  const readTeamSkill = (token: string) => request(r.url, 'GET', '/@acme%2fcrm', { token });
  const pendingFor = async (email: string) =>
    (
      (await request(r.url, 'GET', '/-/api/v1/teams/acme/members', { token: acme })).body.members as Array<{
        email: string;
        status: string;
      }>
    ).find((m) => m.email === email)?.status;
  const VERIFY_FIRST =
    /^Verify your email before you join @acme: open the link we mailed to \S+, or run aerostack account verify --resend for a new one$/;

  it('sign-up mails a link; unverified, the account signs in, publishes and installs, but joins no team', async () => {
    const res = await signupAs('alice', 'alice@acme.test');
    assert.equal(res.status, 201);
    const alice = res.body.token as string;
    const mail = await nthMail(smtp.messages, 'alice@acme.test', VERIFY_SUBJECT);
    assert.deepEqual(
      mail.from?.value.map((a) => a.address),
      ['noreply@aerostack.test'],
    );
    const { link, code } = accountLinkFrom(mail, 'verify');
    assert.equal(link, `${r.url}/verify/${code}`);
    assert.ok((mail.text ?? '').includes(`aerostack account verify ${code}`), 'the terminal command too');
    assert.ok(
      !JSON.stringify(await r.db.selectFrom('account_codes').selectAll().execute()).includes(code),
      'the code is stored hashed only',
    );
    assert.deepEqual(await status(alice), { username: 'alice', email: 'alice@acme.test', emailVerified: false });

    // What an unverified account may do.
    const login = await request(r.url, 'POST', '/-/api/v1/login', { body: { username: 'alice', password: PASSWORD } });
    assert.equal(login.status, 200);
    const tgz = skillTarball('@alice/tool', '1.0.0');
    assert.equal(
      (await request(r.url, 'PUT', '/@alice%2ftool', { token: alice, body: publishBody('@alice/tool', '1.0.0', tgz) }))
        .status,
      201,
    );
    assert.equal((await request(r.url, 'GET', '/@acme%2fopen', { token: alice })).status, 200);

    // What it may not: join, even with its own invitation. The refusal leaves the link usable.
    const { code: joinCode } = await invite('alice@acme.test');
    const refused = await join(alice, joinCode);
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, VERIFY_FIRST);
    assert.equal(await pendingFor('alice@acme.test'), 'pending');
    assert.equal((await readTeamSkill(alice)).status, 403);

    // Opening the link in a browser (or a mail scanner fetching it) only shows a confirmation form.
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await page.text(), /Verify alice@acme\.test/);
    assert.equal((await status(alice)).emailVerified, false, 'a GET verifies nothing');

    const verified = await verify(code);
    assert.equal(verified.status, 200);
    assert.deepEqual(verified.body, { username: 'alice', email: 'alice@acme.test' });
    assert.equal((await status(alice)).emailVerified, true);
    const again = await verify(code);
    assert.equal(again.status, 410);
    assert.equal(again.body.error, 'This verification link has already been used');

    assert.deepEqual((await join(alice, joinCode)).body, { namespace: 'acme', role: 'member' });
    assert.equal((await readTeamSkill(alice)).status, 200);
    assert.deepEqual((await resend(alice)).body, { email: 'alice@acme.test', verified: true, sent: false });
  });

  it('the join-link takeover: a leaked link and a sign-up with the invitee’s address get nowhere', async () => {
    const { code: leaked } = await invite('carol@acme.test');
    // Mallory holds the link and signs up as carol@acme.test: answered as any sign-up.
    const res = await signupAs('mallory', 'carol@acme.test');
    assert.equal(res.status, 201);
    const mallory = res.body.token as string;
    const refused = await join(mallory, leaked);
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, VERIFY_FIRST);
    assert.equal((await readTeamSkill(mallory)).status, 403);
    // Asking for more links only fills carol's inbox.
    await nthMail(smtp.messages, 'carol@acme.test', VERIFY_SUBJECT, 1);
    assert.deepEqual((await resend(mallory)).body, { email: 'carol@acme.test', verified: false, sent: true });
    const mallorysLink = accountLinkFrom(await nthMail(smtp.messages, 'carol@acme.test', VERIFY_SUBJECT, 2), 'verify');
    assert.equal(await pendingFor('carol@acme.test'), 'pending', 'the refusals did not use the link up');

    // Carol signs up (her address was not "taken" for her), proves it, and the same link admits her.
    const carolRes = await signupAs('carol', 'carol@acme.test');
    assert.equal(carolRes.status, 201);
    const carol = carolRes.body.token as string;
    const carolsMail = await nthMail(smtp.messages, 'carol@acme.test', VERIFY_SUBJECT, 3);
    assert.match(carolsMail.text ?? '', /^Hi carol,$/m);
    assert.equal((await verify(accountLinkFrom(carolsMail, 'verify').code)).status, 200);
    // Even if carol now clicked the link mallory's account had mailed her, it could not take her address.
    const stolen = await verify(mallorysLink.code);
    assert.equal(stolen.status, 409);
    assert.equal(stolen.body.error, 'Another account has already verified this address');
    assert.equal((await join(mallory, leaked)).status, 403);
    assert.deepEqual((await join(carol, leaked)).body, { namespace: 'acme', role: 'member' });
    assert.equal((await readTeamSkill(carol)).status, 200);
    assert.equal((await join(mallory, leaked)).status, 410);
    assert.equal((await readTeamSkill(mallory)).status, 403);
  });

  it('registering an invitee’s address first is harmless', async () => {
    const squatter = (await signupAs('squatter', 'dave@acme.test')).body.token as string;
    const { code } = await invite('dave@acme.test');
    const dave = await signupAs('dave', 'dave@acme.test');
    assert.equal(dave.status, 201, 'the address is not locked by the account that named it first');
    // Two verification mails reached dave's inbox: the squatter's (ignored) and his own.
    const mine = (
      await Promise.all([1, 2].map((n) => nthMail(smtp.messages, 'dave@acme.test', VERIFY_SUBJECT, n)))
    ).find((m) => /^Hi dave,$/m.test(m.text ?? ''));
    assert.ok(mine);
    assert.equal((await join(squatter, code)).status, 403);
    assert.equal((await verify(accountLinkFrom(mine, 'verify').code)).status, 200);
    assert.equal((await join(squatter, code)).status, 403);
    assert.equal((await join(dave.body.token as string, code)).status, 200);
  });

  it('--any-account invitations stay as they were: any signed-in account, verified or not', async () => {
    const { code } = await invite('shared-inbox@acme.test', { anyAccount: true });
    const eve = (await signupAs('eve', 'eve@elsewhere.test')).body.token as string;
    assert.equal((await status(eve)).emailVerified, false);
    assert.deepEqual((await join(eve, code)).body, { namespace: 'acme', role: 'member' });
  });

  it('sign-up answers the same for a free and a taken address, and mails the owner instead', async () => {
    // alice@acme.test is taken (and verified); fresh@acme.test is free.
    const [taken, fresh] = await Promise.all([
      signupAs('alice2', 'ALICE@acme.test'),
      signupAs('fresh', 'fresh@acme.test'),
    ]);
    const shape = (res: Awaited<ReturnType<typeof signupAs>>) => ({
      status: res.status,
      type: res.headers.get('content-type'),
      keys: Object.keys(res.body).sort(),
      token: /^aer_[A-Za-z0-9_-]{43}$/.test(res.body.token),
    });
    assert.deepEqual(shape(taken), shape(fresh));
    assert.deepEqual(shape(taken), {
      status: 201,
      type: 'application/json; charset=utf-8',
      keys: ['email', 'token', 'username'],
      token: true,
    });
    assert.deepEqual({ ...taken.body, token: 0 }, { username: 'alice2', email: 'ALICE@acme.test', token: 0 });
    // Both accounts work; only the free address gets a verification link.
    for (const res of [taken, fresh])
      assert.equal((await request(r.url, 'GET', '/-/whoami', { token: res.body.token })).status, 200);
    await nthMail(smtp.messages, 'fresh@acme.test', VERIFY_SUBJECT);
    const notice = await nthMail(smtp.messages, 'alice@acme.test', NOTICE_SUBJECT);
    assert.match(notice.text ?? '', /Someone tried to sign up for Aerostack with your address, as "alice2"\./);
    assert.match(notice.text ?? '', /You already have an account with this address: alice\./);
    assert.ok((notice.text ?? '').includes(`${r.url}/forgot-password`));
    assert.doesNotMatch(notice.text ?? '', /\/verify\//, 'no link that would hand the address over');
    // The new account asks for its link as any unverified one would: the owner hears of it again.
    assert.deepEqual((await resend(taken.body.token)).body, { email: 'ALICE@acme.test', verified: false, sent: true });
    await nthMail(smtp.messages, 'alice@acme.test', NOTICE_SUBJECT, 2);
    assert.equal(mailsTo(smtp.messages, 'alice@acme.test', VERIFY_SUBJECT).length, 1, 'only alice’s own, long used');

    // npm adduser with a taken address: a token, as for any new account.
    const npm = await request(r.url, 'PUT', '/-/user/org.couchdb.user:alice3', {
      body: { name: 'alice3', password: PASSWORD, email: 'alice@acme.test' },
    });
    assert.equal(npm.status, 201);
    assert.match(npm.body.token, /^aer_/);
    await nthMail(smtp.messages, 'alice@acme.test', NOTICE_SUBJECT, 3);
    // A taken username is still a 409: usernames are public (they are namespaces).
    const dup = await signupAs('alice', 'someone@else.test');
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error, 'The username "alice" is already taken');
  });

  it('an inbox gets at most 10 account mails an hour, however many sign-ups name it', async () => {
    const victim = 'victim@elsewhere.test';
    const signups = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signupAs(`flood${i}`, victim).then((res) => res.status)),
    );
    assert.deepEqual(signups, Array<number>(12).fill(201), 'every sign-up answers as usual');
    await nthMail(smtp.messages, victim, VERIFY_SUBJECT, 10);
    // The cap is checked when a mail is asked for: once a mail asked for later has arrived, the two
    // held back would have arrived too, had they been sent.
    assert.equal((await signupAs('control', 'control@elsewhere.test')).status, 201);
    await nthMail(smtp.messages, 'control@elsewhere.test', VERIFY_SUBJECT);
    assert.equal(mailsTo(smtp.messages, victim, VERIFY_SUBJECT).length, 10);
  });

  it('a link works once, for 24 hours; a new one retires the old', async () => {
    const frank = (await signupAs('frank', 'frank@acme.test')).body.token as string;
    const first = accountLinkFrom(await nthMail(smtp.messages, 'frank@acme.test', VERIFY_SUBJECT), 'verify');
    assert.equal((await resend(frank)).status, 200);
    const second = accountLinkFrom(await nthMail(smtp.messages, 'frank@acme.test', VERIFY_SUBJECT, 2), 'verify');
    const replaced = await verify(first.code);
    assert.equal(replaced.status, 410);
    assert.equal(
      replaced.body.error,
      'This verification link has expired or was replaced by a newer one; run aerostack account verify --resend for a new one',
    );
    r.clock.advance(24 * HOUR + 60_000);
    try {
      assert.equal((await verify(second.code)).status, 410);
      const expiredPage = await fetch(second.link);
      assert.equal(expiredPage.status, 410);
      assert.match(await expiredPage.text(), /has expired/);
      assert.equal((await resend(frank)).status, 200);
      const third = accountLinkFrom(await nthMail(smtp.messages, 'frank@acme.test', VERIFY_SUBJECT, 3), 'verify');
      assert.equal((await verify(third.code)).status, 200);
    } finally {
      r.clock.advance(-(24 * HOUR + 60_000));
    }
    for (const bad of ['0'.repeat(48), 'not-a-code', `${'a'.repeat(47)}-`]) {
      const res = await verify(bad);
      assert.equal(res.status, 404, bad);
      assert.equal(res.body.error, 'This verification link is not valid; check that you copied all of it');
    }
    assert.equal((await request(r.url, 'POST', '/-/api/v1/account/verify/resend', { body: {} })).status, 401);
    assert.equal((await request(r.url, 'GET', '/-/api/v1/account')).status, 401);
  });

  it('the /verify page confirms with a form (CSRF-checked) and says so', async () => {
    const grace = (await signupAs('grace', 'grace@acme.test')).body.token as string;
    const { link } = accountLinkFrom(await nthMail(smtp.messages, 'grace@acme.test', VERIFY_SUBJECT), 'verify');
    const page = await fetch(link);
    const body = await page.text();
    assert.match(body, /the Aerostack account <strong>grace<\/strong>/);
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    assert.ok(csrf);
    const forged = await fetch(link, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: 'forged' }),
      headers: { cookie },
    });
    assert.equal(forged.status, 403);
    assert.equal((await status(grace)).emailVerified, false);
    const done = await fetch(link, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }), headers: { cookie } });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /✓ Your email is verified/);
    assert.equal((await status(grace)).emailVerified, true);
    const used = await fetch(link);
    assert.equal(used.status, 410);
    assert.match(await used.text(), /already been used/);
  });
});

describe('migration 0009: accounts made before it', function () {
  this.timeout(60_000);

  /** Every migration the build holds, by name: the list migrate.ts runs, read from disk here. */
  async function allMigrations(): Promise<Record<string, Migration>> {
    const dir = fileURLToPath(new URL('./migrations/', import.meta.resolve('@aerostack/registry/db/migrate.js')));
    const files = (await readdir(dir)).filter((f) => /^\d{4}-.*\.js$/.test(f)).sort();
    const entries = await Promise.all(
      files.map(async (f) => [f.replace(/\.js$/, ''), (await import(path.join(dir, f))) as Migration] as const),
    );
    return Object.fromEntries(entries);
  }

  it('keeps them, unverified, with their memberships; their addresses no longer lock anyone out', async () => {
    // A migrated database taken back to the migration before 0009 (its `down` runs too), as an
    // older registry left it.
    const { db, drop } = await openTestDatabase();
    try {
      const migrations = await allMigrations();
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
      const migrator = new Migrator({
        db,
        provider: { getMigrations: () => Promise.resolve(migrations) },
        migrationTableSchema: rows[0]!.schema,
      });
      const before = Object.keys(migrations)
        .filter((n) => n < '0009')
        .at(-1)!;
      assert.equal((await migrator.migrateTo(before)).error, undefined);
      await sql`insert into users (username, email, password_hash) values ('old', 'old@acme.test', 'x')`.execute(db);
      await sql`insert into namespaces (name, owner_id) select 'old', id from users where username = 'old'`.execute(db);
      await sql`insert into memberships (namespace, user_id, role) select 'old', id, 'owner' from users where username = 'old'`.execute(
        db,
      );
      assert.ok((await migrateToLatest(db)).includes('0009-account-codes'));
      const old = await db.selectFrom('users').selectAll().where('username', '=', 'old').executeTakeFirstOrThrow();
      assert.equal(old.email_verified_at, null);
      assert.equal(
        (await db.selectFrom('memberships').select('role').where('user_id', '=', old.id).executeTakeFirstOrThrow())
          .role,
        'owner',
      );
      // Another account may now name the address; only one may ever prove it.
      await sql`insert into users (username, email, password_hash) values ('other', 'OLD@acme.test', 'x')`.execute(db);
      await db.updateTable('users').set({ email_verified_at: new Date() }).where('username', '=', 'old').execute();
      await assert.rejects(
        db.updateTable('users').set({ email_verified_at: new Date() }).where('username', '=', 'other').execute(),
        (err: { code?: string }) => err.code === '23505',
      );
    } finally {
      await drop();
    }
  });
});
