/**
 * `aerostack team …` end to end, as the product page tells it: the BUILT binary run as a subprocess by
 * several people against one in-process registry that sends its invitation mail over real SMTP (an
 * `smtp-server` listener on a loopback port; each message parsed with mailparser). acme (the namespace
 * owner) publishes a team skill and invites alice; the mail carries the join link; alice signs up,
 * is refused until she opens her verification mail's link, joins with the link, installs the team skill; bob, not a member, is refused; acme removes alice and
 * her very next install is refused. Around it: used, withdrawn, expired and mismatched links, any-account
 * invitations, re-invites, roles, `--mine`, `leave` and the `--json` shapes. Lines are asserted exactly.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { cliUser, type CliUser } from '../helpers/cli.js';
import { cliExpect, keys } from '../helpers/cli-expect.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const PASSWORD = 'password123';
const SKILL = '@acme/internal-crm-skill';
const NOT_A_MEMBER = '✗ 403: You are not a member of @acme';
const DAY_MS = 24 * 3600 * 1000;
const FAILURE_KEYS = ['error', 'ok', 'status'];

// ---------------------------------------------------------------------------------------------------
// Running commands and checking what they printed.

const { names, prints, ok, fails, json } = cliExpect();

// ---------------------------------------------------------------------------------------------------
// The mail server.

interface Received {
  rcptTo: string[];
  mailFrom: string;
  mail: ParsedMail;
}

async function startSmtp(): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    secure: false,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      // The message is parsed and stored before the server answers 250, so it is here by the time the
      // registry (and so the CLI) is told the mail was accepted.
      simpleParser(stream).then(
        (mail) => {
          received.push({
            rcptTo: session.envelope.rcptTo.map((a) => a.address),
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            mail,
          });
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return { port, received, close: () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve()))) };
}

// ---------------------------------------------------------------------------------------------------

describe('aerostack team (CLI end to end, mail over SMTP)', function () {
  this.timeout(60_000);
  this.slow(5_000);

  let r: TestRegistry;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let work: string;
  let acme: CliUser; // owner of @acme
  let alice: CliUser; // invited as alice@acme.com; signs up when the mail arrives
  let bob: CliUser; // bob@acme.com, signed in, not a member (at first)
  let carol: CliUser; // re-invited; later leaves
  let dave: CliUser; // invited as an admin
  let mallory: CliUser; // mallory@elsewhere.test: someone else's link; an any-account invitation
  let frank: CliUser; // an invitation that expires
  let today: string;

  const link = (code: string) => `${r.url}/join/${code}`;

  /** Every invitation the registry mailed to `to`, oldest first (verification mails aside). */
  const mailsTo = (to: string) =>
    smtp.received.filter((m) => m.rcptTo.includes(to) && /invited you to join/.test(m.mail.subject ?? ''));

  /** Opens the newest verification link mailed to `to` with `aerostack account verify <link>`. */
  async function verify(u: CliUser, username: string, to: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    const verifications = () =>
      smtp.received.filter((m) => m.rcptTo.includes(to) && m.mail.subject === 'Verify your email for Aerostack');
    while (!verifications().length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 25));
    const text = verifications().at(-1)?.mail.text ?? '';
    const m = /(https?:\/\/\S+\/verify\/[0-9a-f]{48})$/m.exec(text);
    assert.ok(m, `no verification link in the mail to ${to}:\n${text}`);
    await prints(u, ['account', 'verify', m[1]!], [`✓ Verified ${to} for ${username}`]);
  }

  /** The `n`-th (1-based) mail to `to`, waiting briefly for it; returns it with its join link and code. */
  async function mailTo(to: string, n = 1): Promise<{ mail: ParsedMail; link: string; code: string }> {
    const deadline = Date.now() + 5_000;
    while (mailsTo(to).length < n && Date.now() < deadline) await new Promise((res) => setTimeout(res, 25));
    const all = mailsTo(to);
    assert.equal(all.length, n, `expected ${n} mail(s) to ${to}, got ${all.length}`);
    const { mail, mailFrom } = all[n - 1]!;
    assert.equal(mailFrom, 'noreply@aerostack.test');
    const text = mail.text ?? '';
    const m = new RegExp(
      `Join here: (${r.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/join/([A-Za-z0-9_-]{20,}))$`,
      'm',
    ).exec(text);
    assert.ok(m, `no join link in the mail to ${to}:\n${text}`);
    return { mail, link: m[1]!, code: m[2]! };
  }

  async function signup(u: CliUser, username: string, email: string): Promise<void> {
    await prints(
      u,
      ['signup', '--username', username, '--email', email, '--password-stdin'],
      [
        `✓ Signed up as ${username}. Your skills live at @${username}/<skill>.`,
        `We mailed a link to ${email}: open it to verify your email before joining a team (aerostack account verify --resend mails a new one).`,
      ],
      {
        input: `${PASSWORD}\n`,
      },
    );
  }

  before(async () => {
    smtp = await startSmtp();
    r = await startTestRegistry({
      env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'Aerostack <noreply@aerostack.test>' },
    });
    today = r.clock.now().toISOString().slice(0, 10);
    work = await mkdtemp(path.join(tmpdir(), 'aerostack-teams-work-'));
    [acme, alice, bob, carol, dave, mallory, frank] = await Promise.all([
      cliUser(r.url),
      cliUser(r.url),
      cliUser(r.url),
      cliUser(r.url),
      cliUser(r.url),
      cliUser(r.url),
      cliUser(r.url),
    ]);
    names
      .set(acme, 'acme')
      .set(alice, 'alice')
      .set(bob, 'bob')
      .set(carol, 'carol')
      .set(dave, 'dave')
      .set(mallory, 'mallory')
      .set(frank, 'frank');
    await Promise.all([
      signup(acme, 'acme', 'owner@acme.com'),
      signup(bob, 'bob', 'bob@acme.com'),
      signup(mallory, 'mallory', 'mallory@elsewhere.test'),
    ]);
    await verify(bob, 'bob', 'bob@acme.com');
    // acme's team skill, published with the CLI as the seed does.
    await ok(acme, ['skill', 'init', 'internal-crm-skill'], { cwd: work });
    const pub = await ok(acme, ['skill', 'publish', '--private', 'team'], {
      cwd: path.join(work, 'internal-crm-skill'),
    });
    assert.match(pub, /^✓ .*@acme\/internal-crm-skill@0\.1\.0/m);
  });

  after(async () => {
    await Promise.all([acme, alice, bob, carol, dave, mallory, frank].map((u) => u?.cleanup()));
    if (work) await rm(work, { recursive: true, force: true });
    await r?.close();
    await smtp?.close(); // (a no-op when a test already closed it)
  });

  // -------------------------------------------------------------------------------------------------
  describe('the seed flow', () => {
    let alicesLink: string;

    it('an owner with no members yet sees an empty list with a hint', async () => {
      await prints(acme, ['team', 'list'], ['Members of @acme:', '  (no members yet: aerostack team invite EMAIL)']);
    });

    it('team invite prints the exact line, and the mail arrives over SMTP with a join link', async () => {
      await prints(
        acme,
        ['team', 'invite', 'alice@acme.com'],
        ['Invitation sent. Alice will receive an email with a join link.'],
      );
      const { mail, link: joinLink, code } = await mailTo('alice@acme.com');
      assert.equal(mail.subject, 'acme invited you to join @acme on Aerostack');
      assert.equal(mail.from?.value[0]?.address, 'noreply@aerostack.test');
      assert.equal(mail.from?.value[0]?.name, 'Aerostack');
      assert.deepEqual(
        (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((t) => t?.value.map((v) => v.address)),
        ['alice@acme.com'],
      );
      assert.match(mail.text ?? '', /^Hi Alice,$/m);
      assert.ok((mail.text ?? '').includes(`aerostack team join ${code}`), 'the mail also gives the terminal command');
      assert.ok(
        typeof mail.html === 'string' && mail.html.includes(`href="${joinLink}"`),
        'the HTML part links to the same join URL',
      );
      assert.equal(joinLink, link(code));
      alicesLink = joinLink;
    });

    it('team list shows the invitation as pending, invited today', async () => {
      await prints(acme, ['team', 'list'], ['Members of @acme:', `alice@acme.com     pending   invited ${today}`]);
    });

    it('a non-member is refused the team skill with the seed line (exit 4), and cannot see the team', async () => {
      await Promise.all([
        fails(bob, ['skill', 'install', SKILL], 4, NOT_A_MEMBER),
        fails(bob, ['team', 'list', '--namespace', 'acme'], 4, NOT_A_MEMBER),
      ]);
    });

    it('joining needs an account: signed out, the link is refused with how to sign in', async () => {
      await fails(
        alice,
        ['team', 'join', alicesLink],
        4,
        `✗ 401: Not signed in to ${r.url}: run aerostack login (or set AEROSTACK_TOKEN)`,
      );
    });

    it('alice signs up with the invited email, verifies it, and joins with the link from the mail', async () => {
      await signup(alice, 'alice', 'alice@acme.com');
      // Not before the address is proved: the refusal says how, and leaves the link usable.
      await fails(
        alice,
        ['team', 'join', alicesLink],
        4,
        '✗ 403: Verify your email before you join @acme: open the link we mailed to alice@acme.com, or run aerostack account verify --resend for a new one',
      );
      await verify(alice, 'alice', 'alice@acme.com');
      await prints(alice, ['team', 'join', alicesLink], ['✓ Joined @acme as member']);
    });

    it('the used link is refused with a clear message', async () => {
      await Promise.all([
        fails(alice, ['team', 'join', alicesLink], 2, '✗ 410: This invitation has already been used'),
        fails(bob, ['team', 'join', alicesLink.split('/join/')[1]!], 2, '✗ 410: This invitation has already been used'),
      ]);
    });

    it('team list shows alice active, joined today, aligned as on the product page', async () => {
      await prints(
        acme,
        ['team', 'invite', 'bob@acme.com'],
        ['Invitation sent. Bob will receive an email with a join link.'],
      );
      const seedList = [
        'Members of @acme:',
        `alice@acme.com     active    joined ${today}`,
        `bob@acme.com       pending   invited ${today}`,
      ];
      // A member sees the same list of the namespace.
      await Promise.all([
        prints(acme, ['team', 'list'], seedList),
        prints(alice, ['team', 'list', '--namespace', '@acme'], seedList),
      ]);
    });

    it('alice installs the team skill: "✓ Installed (team membership verified)"', async () => {
      await prints(alice, ['skill', 'install', SKILL], ['✓ Installed (team membership verified)']);
    });

    it('a plain member cannot invite or remove (403)', async () => {
      await Promise.all([
        fails(
          alice,
          ['team', 'invite', 'eve@acme.com', '--namespace', 'acme'],
          4,
          '✗ 403: Only the owner and admins of @acme can manage its team',
        ),
        fails(
          alice,
          ['team', 'remove', 'bob@acme.com', '--namespace', 'acme'],
          4,
          '✗ 403: Only the owner and admins of @acme can manage its team',
        ),
      ]);
      assert.equal(mailsTo('eve@acme.com').length, 0, 'no mail for a refused invitation');
    });

    it('team list --mine lists the namespaces alice belongs to', async () => {
      await prints(
        alice,
        ['team', 'list', '--mine'],
        ['NAMESPACE  ROLE    SINCE', `@acme      member  ${today}`, `@alice     owner   ${today}`],
      );
    });

    it('acme removes alice: her very next install is refused', async () => {
      // (Uninstalling first: the install below really fetches again.)
      await Promise.all([
        prints(acme, ['team', 'remove', 'alice@acme.com'], ['✓ Removed alice@acme.com from @acme']),
        prints(alice, ['skill', 'uninstall', SKILL], [`✓ Uninstalled ${SKILL}@0.1.0`]),
      ]);
      await fails(alice, ['skill', 'install', SKILL], 4, NOT_A_MEMBER);
      await Promise.all([
        fails(alice, ['team', 'list', '--namespace', 'acme'], 4, NOT_A_MEMBER),
        prints(alice, ['team', 'list', '--mine'], ['NAMESPACE  ROLE   SINCE', `@alice     owner  ${today}`]),
        fails(acme, ['team', 'remove', 'alice@acme.com'], 5, '✗ 404: alice@acme.com is not a member of @acme'),
        prints(acme, ['team', 'list'], ['Members of @acme:', `bob@acme.com     pending   invited ${today}`]),
      ]);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('invitations', () => {
    it('a withdrawn invitation: team invite --revoke, and its link is refused', async () => {
      const { link: bobsLink } = await mailTo('bob@acme.com');
      await prints(acme, ['team', 'invite', '--revoke', 'bob@acme.com'], ['✓ Invitation for bob@acme.com revoked.']);
      await Promise.all([
        fails(bob, ['team', 'join', bobsLink], 2, '✗ 410: This invitation was withdrawn; ask @acme for a new one'),
        fails(
          acme,
          ['team', 'invite', 'bob@acme.com', '--revoke'],
          5,
          '✗ 404: No pending invitation for bob@acme.com in @acme',
        ),
        prints(acme, ['team', 'list'], ['Members of @acme:', '  (no members yet: aerostack team invite EMAIL)']),
      ]);
    });

    it("someone else's invitation is refused with the email rule (403), and stays usable by its addressee", async () => {
      await prints(
        acme,
        ['team', 'invite', 'carol@acme.com'],
        ['Invitation sent. Carol will receive an email with a join link.'],
      );
      const { link: carolsLink } = await mailTo('carol@acme.com');
      await fails(
        mallory,
        ['team', 'join', carolsLink],
        4,
        '✗ 403: This invitation was sent to carol@acme.com; sign in with the account that uses that email (you are mallory, mallory@elsewhere.test)',
      );
      // The refusal did not use the invitation up, nor let mallory in.
      await Promise.all([
        fails(mallory, ['skill', 'install', SKILL], 4, NOT_A_MEMBER),
        prints(acme, ['team', 'list'], ['Members of @acme:', `carol@acme.com     pending   invited ${today}`]),
      ]);
    });

    it('re-inviting resends: a new mail with a new link, and the old link stops working', async () => {
      const { link: first } = await mailTo('carol@acme.com', 1);
      await Promise.all([
        prints(
          acme,
          ['team', 'invite', 'carol@acme.com'],
          [
            'Invitation sent. Carol will receive an email with a join link.',
            '  (this replaces the earlier invitation: its link no longer works)',
          ],
        ),
        signup(carol, 'carol', 'carol@acme.com'),
      ]);
      const { link: second, code } = await mailTo('carol@acme.com', 2);
      assert.notEqual(second, first);
      await Promise.all([
        prints(acme, ['team', 'list'], ['Members of @acme:', `carol@acme.com     pending   invited ${today}`]),
        fails(carol, ['team', 'join', first], 2, '✗ 410: This invitation was withdrawn; ask @acme for a new one'),
      ]);
      // The bare code from the mail works as well as the link (once carol's address is verified).
      await verify(carol, 'carol', 'carol@acme.com');
      await prints(carol, ['team', 'join', code], ['✓ Joined @acme as member']);
      await Promise.all([
        prints(carol, ['skill', 'install', SKILL], ['✓ Installed (team membership verified)']),
        fails(acme, ['team', 'invite', 'carol@acme.com'], 6, '✗ 409: carol@acme.com is already a member of @acme'),
      ]);
    });

    it('--any-account lets an account with another email join', async () => {
      await prints(
        acme,
        ['team', 'invite', 'contractor@gmail.test', '--any-account'],
        ['Invitation sent. Contractor will receive an email with a join link.'],
      );
      const { link: contractorLink } = await mailTo('contractor@gmail.test');
      await prints(mallory, ['team', 'join', `${contractorLink}/`], ['✓ Joined @acme as member']);
      await Promise.all([
        prints(mallory, ['skill', 'install', SKILL], ['✓ Installed (team membership verified)']),
        prints(
          acme,
          ['team', 'list'],
          [
            'Members of @acme:',
            `carol@acme.com             active    joined ${today}`,
            `mallory@elsewhere.test     active    joined ${today}`,
          ],
        ),
      ]);
    });

    it('an admin invited with --role admin manages the team with --namespace, but cannot invite admins', async () => {
      const [invited] = await Promise.all([
        json(acme, ['team', 'invite', 'dave@acme.com', '--role', 'admin']),
        signup(dave, 'dave', 'dave@acme.com'),
      ]);
      assert.deepEqual(keys(invited), [
        'anyAccount',
        'delivery',
        'email',
        'expires',
        'name',
        'namespace',
        'resent',
        'role',
      ]);
      assert.deepEqual(
        { ...invited, expires: undefined },
        {
          namespace: 'acme',
          email: 'dave@acme.com',
          name: 'Dave',
          role: 'admin',
          expires: undefined,
          resent: false,
          anyAccount: false,
          delivery: { via: 'smtp' },
        },
      );
      assert.equal(
        Date.parse(invited.expires) - r.clock.now().getTime() > 7 * DAY_MS - 60_000,
        true,
        'valid for 7 days',
      );
      const { mail, code } = await mailTo('dave@acme.com');
      assert.match(mail.text ?? '', /as an admin\./);
      await verify(dave, 'dave', 'dave@acme.com');
      const joined = await json(dave, ['team', 'join', code]);
      assert.deepEqual(joined, { namespace: 'acme', role: 'admin' });

      await Promise.all([
        prints(
          dave,
          ['team', 'invite', 'grace@acme.com', '--namespace', '@acme'],
          ['Invitation sent. Grace will receive an email with a join link.'],
        ),
        fails(
          dave,
          ['team', 'invite', 'heidi@acme.com', '--role', 'admin', '--namespace', 'acme'],
          4,
          '✗ 403: Only the owner of @acme can invite admins',
        ),
        // Removing by username.
        prints(
          dave,
          ['team', 'remove', 'mallory', '--namespace', 'acme'],
          ['✓ Removed mallory@elsewhere.test from @acme'],
        ),
        fails(
          dave,
          ['team', 'remove', 'acme', '--namespace', 'acme'],
          4,
          '✗ 403: The owner of @acme cannot be removed',
        ),
      ]);
      await mailTo('grace@acme.com');
      // A pending invitation given by email is withdrawn; mallory's access ended with her removal.
      await Promise.all([
        prints(
          dave,
          ['team', 'remove', 'grace@acme.com', '--namespace', 'acme'],
          ['✓ Invitation for grace@acme.com revoked.'],
        ),
        fails(mallory, ['skill', 'install', SKILL], 4, NOT_A_MEMBER),
      ]);
    });

    it('bad links, codes, addresses and namespaces are refused with a clear message', async () => {
      // Independent refusals, run side by side.
      await Promise.all([
        fails(
          bob,
          ['team', 'join', 'https://registry.example/skills/foo'],
          2,
          '✗ invalid: "https://registry.example/skills/foo" is not a join link (expected …/join/<code>)',
        ),
        fails(
          bob,
          ['team', 'join', 'not-a-real-code'],
          5,
          '✗ 404: This invitation link is not valid; check that you copied all of it',
        ),
        fails(
          bob,
          ['team', 'join', `${r.url}/join/not-a-real-code`],
          5,
          '✗ 404: This invitation link is not valid; check that you copied all of it',
        ),
        fails(
          bob,
          ['team', 'join'],
          2,
          '✗ invalid: Missing 1 required arg: invitation the join link (…/join/<code>) or the bare code',
        ),
        fails(acme, ['team', 'invite', 'not-an-email'], 2, '✗ 400: "not-an-email" is not a valid email address'),
        fails(
          acme,
          ['team', 'invite', 'x@acme.com', '--role', 'owner'],
          2,
          '✗ invalid: Expected --role=owner to be one of: member, admin',
        ),
        fails(acme, ['team', 'list', '--namespace', 'Not Valid'], 2, '✗ invalid: "Not Valid" is not a valid namespace'),
        fails(acme, ['team', 'list', '--namespace', 'nobody-here'], 5, '✗ 404: No namespace @nobody-here'),
        fails(
          acme,
          ['team', 'list', '--mine', '--namespace', 'acme'],
          2,
          '✗ invalid: --mine=true cannot also be provided when using --namespace',
        ),
      ]);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('leaving, --json, expiry', () => {
    it('team leave @acme: carol leaves and loses access; the owner cannot leave', async () => {
      await Promise.all([
        prints(carol, ['team', 'leave', '@acme'], ['✓ Left @acme']),
        prints(carol, ['skill', 'uninstall', SKILL], [`✓ Uninstalled ${SKILL}@0.1.0`]),
        fails(acme, ['team', 'leave', '@acme'], 4, '✗ 403: You own @acme; an owner cannot leave its own namespace'),
      ]);
      await Promise.all([
        fails(carol, ['skill', 'install', SKILL], 4, NOT_A_MEMBER),
        fails(carol, ['team', 'leave', '@acme'], 5, '✗ 404: You are not a member of @acme'),
      ]);
    });

    it('--json shapes: list (with the owner and roles), --mine, remove, revoke, leave, failures', async () => {
      const [list, mine] = await Promise.all([json(acme, ['team', 'list']), json(dave, ['team', 'list', '--mine'])]);
      assert.deepEqual(keys(list), ['members', 'namespace']);
      assert.equal(list.namespace, 'acme');
      assert.deepEqual(
        list.members.map((m: any) => [m.email, m.username, m.role, m.status]),
        [
          ['owner@acme.com', 'acme', 'owner', 'active'],
          ['dave@acme.com', 'dave', 'admin', 'active'],
        ],
      );
      for (const m of list.members) {
        assert.deepEqual(keys(m), ['email', 'role', 'since', 'status', 'username']);
        assert.equal(m.since.slice(0, 10), today);
      }

      const invited = await json(acme, ['team', 'invite', 'ivan@acme.com', '--any-account']);
      assert.equal(invited.anyAccount, true);
      const again = await json(acme, ['team', 'invite', 'ivan@acme.com']);
      assert.equal(again.resent, true);
      assert.equal(again.anyAccount, false);
      const withPending = await json(acme, ['team', 'list']);
      const pending = withPending.members.find((m: any) => m.status === 'pending');
      assert.deepEqual(keys(pending), ['email', 'expires', 'role', 'since', 'status', 'username']);
      assert.deepEqual([pending.email, pending.username, pending.role], ['ivan@acme.com', null, 'member']);

      assert.deepEqual(await json(acme, ['team', 'invite', 'ivan@acme.com', '--revoke']), {
        namespace: 'acme',
        email: 'ivan@acme.com',
        revoked: true,
      });

      assert.deepEqual(keys(mine), ['teams']);
      assert.deepEqual(
        mine.teams.map((t: any) => [t.namespace, t.role, t.since.slice(0, 10)]),
        [
          ['acme', 'admin', today],
          ['dave', 'owner', today],
        ],
      );
      for (const t of mine.teams) assert.deepEqual(keys(t), ['namespace', 'role', 'since']);

      // A member added back and removed by username; then leave, as JSON.
      await prints(
        acme,
        ['team', 'invite', 'bob@acme.com'],
        ['Invitation sent. Bob will receive an email with a join link.'],
      );
      const { code } = await mailTo('bob@acme.com', 2);
      assert.deepEqual(await json(bob, ['team', 'join', link(code)]), { namespace: 'acme', role: 'member' });
      const [left, removed] = await Promise.all([
        json(bob, ['team', 'leave', 'acme']),
        json(acme, ['team', 'remove', 'dave']),
      ]);
      assert.deepEqual(left, { namespace: 'acme', left: true });
      assert.deepEqual(removed, { namespace: 'acme', email: 'dave@acme.com', username: 'dave', status: 'active' });

      const refused = await json(bob, ['team', 'invite', 'x@acme.com', '--namespace', 'acme'], 4);
      assert.deepEqual(keys(refused), FAILURE_KEYS);
      assert.deepEqual(refused, { ok: false, status: 403, error: 'You are not a member of @acme' });
    });

    it('an expired link (8 days later) is refused and no longer listed', async () => {
      const expiresOn = new Date(r.clock.now().getTime() + 7 * DAY_MS).toISOString().slice(0, 10);
      await Promise.all([
        prints(
          acme,
          ['team', 'invite', 'frank@acme.com'],
          ['Invitation sent. Frank will receive an email with a join link.'],
        ),
        signup(frank, 'frank', 'frank@acme.com'),
      ]);
      const { link: franksLink } = await mailTo('frank@acme.com');
      await prints(acme, ['team', 'list'], ['Members of @acme:', `frank@acme.com     pending   invited ${today}`]);
      r.clock.advance(8 * DAY_MS);
      await Promise.all([
        fails(
          frank,
          ['team', 'join', franksLink],
          2,
          `✗ 410: This invitation expired on ${expiresOn}; ask @acme for a new one`,
        ),
        prints(acme, ['team', 'list'], ['Members of @acme:', '  (no members yet: aerostack team invite EMAIL)']),
      ]);
      await fails(frank, ['skill', 'install', SKILL], 4, NOT_A_MEMBER);
    });

    it('when the mail server is down, the invitation fails (502) and is withdrawn', async () => {
      await smtp.close();
      await fails(
        acme,
        ['team', 'invite', 'zoe@acme.com'],
        1,
        `✗ 502: Could not send the invitation to zoe@acme.com: The mail server did not accept the message (connect ECONNREFUSED 127.0.0.1:${smtp.port})`,
      );
      await prints(acme, ['team', 'list'], ['Members of @acme:', '  (no members yet: aerostack team invite EMAIL)']);
    });
  });
});
