/**
 * The team workflow's messages, end to end with the BUILT binary against a registry with no SMTP
 * configured (mail goes to the outbox): `team role` (owner only, audited, the owner's own role never
 * changes), the invitation line that says where the mail went, the audit table's DETAIL column, and
 * an unknown command. Every line is asserted exactly.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { request, signup } from '../helpers/api.js';
import { cliUser, type CliUser } from '../helpers/cli.js';
import { AUDIT_EVENT_KEYS, cliExpect, keys, linesOf } from '../helpers/cli-expect.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { addMember, setVerifiedEmail } from '../helpers/teams.js';

const { names, prints, fails, json, run } = cliExpect();

/** `2026-03-07 10:12 UTC`, as the audit table prints an ISO time. */
const utcMinute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

describe('team roles, honest invitations, audit DETAIL and unknown commands (CLI end to end)', function () {
  this.timeout(60_000);
  this.slow(5_000);

  let r: TestRegistry;
  let acme: CliUser; // owner of @acme
  let bob: CliUser; // member of @acme, promoted to admin and back
  let carol: CliUser; // member of @acme, removed at the end
  const env: Map<CliUser, Record<string, string>> = new Map();
  const WS = 'acme-team';

  before(async () => {
    r = await startTestRegistry();
    for (const name of ['acme', 'bob', 'carol']) {
      const token = await signup(r.url, name);
      await setVerifiedEmail(r, name, `${name}@acme.com`);
      const u = await cliUser(r.url);
      names.set(u, name);
      env.set(u, { AEROSTACK_TOKEN: token });
      if (name === 'acme') acme = u;
      else if (name === 'bob') bob = u;
      else carol = u;
    }
    await addMember(r, 'acme', 'bob');
    await addMember(r, 'acme', 'carol');
  });
  after(async () => {
    await Promise.all([acme, bob, carol].map((u) => u?.cleanup()));
    await r?.close();
  });

  const as = (u: CliUser) => ({ env: env.get(u)! });

  describe('aerostack team role', () => {
    it('the owner makes a member an admin: one ✓ line, and the role takes effect on the next request', async () => {
      await fails(
        bob,
        ['workspace', 'create', 'bob-ws', '--namespace', 'acme'],
        4,
        '✗ 403: Only the owner and admins of @acme can create its workspaces',
        as(bob),
      );
      await prints(
        acme,
        ['team', 'role', 'bob@acme.com', 'admin'],
        ['✓ bob@acme.com is now an admin of @acme (was member).'],
        as(acme),
      );
      await prints(
        bob,
        ['workspace', 'create', WS, '--namespace', 'acme'],
        [/^✓ Created workspace acme-team$/, /Gateway URL/],
        as(bob),
      );
    });

    it('the same role again is a no-op that says so; by username too', async () => {
      await prints(
        acme,
        ['team', 'role', 'bob', 'admin'],
        ['bob@acme.com is already an admin of @acme; nothing changed.'],
        as(acme),
      );
      const res = await json(acme, ['team', 'role', 'bob', 'admin'], 0, as(acme));
      assert.deepEqual(res, {
        namespace: 'acme',
        username: 'bob',
        email: 'bob@acme.com',
        role: 'admin',
        previous: 'admin',
        changed: false,
      });
    });

    it('refuses: an unknown member (404), the owner’s own role (403), an admin (403), a bad role (2)', async () => {
      await fails(
        acme,
        ['team', 'role', 'nobody@acme.com', 'admin'],
        5,
        '✗ 404: nobody@acme.com is not a member of @acme',
        as(acme),
      );
      await fails(
        acme,
        ['team', 'role', 'acme', 'member'],
        4,
        '✗ 403: The owner of @acme keeps the owner role; it cannot be changed with team role',
        as(acme),
      );
      await fails(
        bob,
        ['team', 'role', 'carol', 'admin', '--namespace', 'acme'],
        4,
        '✗ 403: Only the owner of @acme can change roles',
        as(bob),
      );
      await fails(
        carol,
        ['team', 'role', 'bob', 'member', '--namespace', 'acme'],
        4,
        '✗ 403: Only the owner and admins of @acme can manage its team',
        as(carol),
      );
      await fails(
        acme,
        ['team', 'role', 'bob', 'owner'],
        2,
        /^✗ invalid: Expected owner to be one of: admin, member/,
        as(acme),
      );
    });

    it('an admin is made a member again, and the team list shows roles as they are', async () => {
      await prints(
        acme,
        ['team', 'role', 'bob@acme.com', 'member'],
        ['✓ bob@acme.com is now a member of @acme (was admin).'],
        as(acme),
      );
      const { members } = await json(acme, ['team', 'list'], 0, as(acme));
      assert.deepEqual(
        members.map((m: any) => [m.username, m.role]),
        [
          ['acme', 'owner'],
          ['bob', 'member'],
          ['carol', 'member'],
        ],
      );
    });
  });

  describe('aerostack team invite with no SMTP configured', () => {
    it("keeps the product page's line and adds where the mail went and the join link", async () => {
      const res = await run(acme, ['team', 'invite', 'alice@acme.com'], as(acme));
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stderr, '');
      const lines = linesOf(res.stdout);
      assert.equal(lines.length, 2, res.stdout);
      assert.equal(lines[0], 'Invitation sent. Alice will receive an email with a join link.');
      const m = /^ {2}No mail server is configured: the mail is in (\/\S+\.eml); join link: (\S+)$/.exec(lines[1]!);
      assert.ok(m, lines[1]);
      const [, file, link] = m;
      assert.match(link!, new RegExp(`^${r.url.replace(/[.]/g, '\\.')}/join/[0-9a-f]{48}$`));
      // The file is the mail itself, holding that very link; the link works.
      const mail = await simpleParser(await readFile(file!));
      assert.ok(mail.text?.includes(link!), 'the outbox mail holds the join link');
      const code = link!.split('/').at(-1)!;
      const described = await request(r.url, 'GET', `/-/api/v1/invitations/${code}`);
      assert.equal(described.status, 200);
      assert.equal(described.body.email, 'alice@acme.com');

      const answer = await json(acme, ['team', 'invite', 'dave@acme.com'], 0, as(acme));
      assert.equal(answer.delivery.via, 'outbox');
      assert.match(answer.delivery.file, /\.eml$/);
      assert.match(answer.delivery.link, /\/join\/[0-9a-f]{48}$/);
    });

    it('revoke keeps its line exactly', async () => {
      await prints(
        acme,
        ['team', 'invite', 'dave@acme.com', '--revoke'],
        ['✓ Invitation for dave@acme.com revoked.'],
        as(acme),
      );
    });
  });

  describe('aerostack workspace audit: the DETAIL column', () => {
    it('names the member removed, the token revoked in quotes, the roles changed; --json keeps its keys', async () => {
      const created = await run(
        acme,
        ['workspace', 'token', 'create', WS, '--name', 'Carol Cursor', '--user', 'carol'],
        as(acme),
      );
      assert.equal(created.code, 0, created.stderr);
      await prints(
        acme,
        ['workspace', 'token', 'revoke', WS, '--name', 'Carol Cursor'],
        ["✓ Token revoked. Carol's gateway access is immediately disabled."],
        as(acme),
      );
      await prints(acme, ['team', 'remove', 'carol@acme.com'], ['✓ Removed carol@acme.com from @acme'], as(acme));

      const { events } = await json(acme, ['workspace', 'audit', WS], 0, as(acme));
      for (const e of events) assert.deepEqual(keys(e), AUDIT_EVENT_KEYS);
      const byAction = (a: string) => events.filter((e: any) => e.action === a);
      assert.deepEqual(
        byAction('member_role_changed').map((e: any) => [e.user, e.detail]),
        [
          ['acme@acme', 'bob@acme.com: admin → member'],
          ['acme@acme', 'bob@acme.com: member → admin'],
        ],
      );
      assert.deepEqual(
        byAction('member_removed').map((e: any) => e.detail),
        ['carol@acme.com'],
      );

      const at = (a: string) => utcMinute(byAction(a)[0].at);
      const out = await run(acme, ['workspace', 'audit', WS], as(acme));
      assert.equal(out.code, 0, out.stderr);
      const lines = linesOf(out.stdout);
      assert.equal(lines[0], 'DATE                  USER          SKILL                   ACTION               DETAIL');
      assert.ok(
        lines.includes(
          `${at('member_removed')}  acme@acme     -                       member_removed       carol@acme.com`,
        ),
        out.stdout,
      );
      assert.ok(
        lines.includes(
          `${at('token_revoked')}  acme@acme     -                       token_revoked        "Carol Cursor"`,
        ),
        out.stdout,
      );
      assert.ok(
        lines.includes(
          `${at('token_created')}  acme@acme     -                       token_created        "Carol Cursor"`,
        ),
        out.stdout,
      );
      assert.ok(
        lines.includes(
          `${at('member_role_changed')}  acme@acme     -                       member_role_changed  bob@acme.com: admin → member`,
        ),
        out.stdout,
      );
      // A row with nothing to add prints as the product page shows it: four columns.
      assert.ok(
        lines.includes(`${at('workspace_created')}  bob@acme      -                       workspace_created`),
        out.stdout,
      );
    });
  });

  describe('an unknown command', () => {
    it('exits 2 with a ✗ invalid line, and suggests the nearest command when there is one', async () => {
      const frob = await run(acme, ['frob']);
      assert.equal(frob.code, 2);
      assert.equal(frob.stdout, '');
      assert.equal(frob.stderr, '✗ invalid: "aerostack frob" is not a command; see aerostack --help\n');

      const whoam = await run(acme, ['whoam']);
      assert.equal(whoam.code, 2);
      assert.equal(whoam.stdout, '');
      assert.equal(
        whoam.stderr,
        '✗ invalid: "aerostack whoam" is not a command; see aerostack --help\nDid you mean "aerostack whoami"?\n',
      );

      const serch = await run(acme, ['skill', 'serch', 'crm']);
      assert.equal(serch.code, 2);
      assert.equal(
        serch.stderr,
        '✗ invalid: "aerostack skill serch crm" is not a command; see aerostack --help\nDid you mean "aerostack skill search"?\n',
      );
    });
  });
});
