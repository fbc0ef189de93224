/**
 * `aerostack workspace …` end to end, as the product page tells it: the BUILT binary run as a
 * subprocess by several people against one in-process registry. acme (owner of @acme) creates the
 * shared workspace acme-team, uses it, and `skill install` puts skills into it; carol (admin) and
 * alice (member) and bob (outsider) are refused or allowed as the rules say; acme issues mwt_ tokens
 * (with each editor's config block), alice's token reaches the MCP gateway, `token list` shows it used,
 * revoking it cuts the gateway off at once; `workspace audit` prints who installed and called what;
 * the generated team-setup.sh is printed (test/cli/onboarding.test.ts runs it on a new laptop);
 * `skill uninstall` leaves the workspace too; `workspace delete`. Lines are asserted exactly.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { publishBody, request, signup } from '../helpers/api.js';
import { AEROSTACK_BIN, cliUser, signInAs, type CliUser } from '../helpers/cli.js';
import { AUDIT_EVENT_KEYS, cliExpect, keys, linesOf } from '../helpers/cli-expect.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { createIssueSkillTarball, skillTarball } from '../helpers/skills.js';

const WS = 'acme-team';
const CRM = '@acme/crm-skill'; // team
const DEPLOY = '@acme/deploy-skill'; // team
const INTERNAL_CRM = '@acme/internal-crm-skill'; // team (a long name: widens the audit table)
const JIRA = '@acme/jira-skill'; // public
const SECRET = '@acme/secret'; // private
const GITHUB = '@johndoe/github'; // public, tool create_issue → github__create_issue
const FAILURE_KEYS = ['error', 'ok', 'status'];
const MWT = /^mwt_[A-Za-z0-9_-]{43}$/;
const SHIPPED_SCRIPT = path.resolve(path.dirname(AEROSTACK_BIN), '../../scripts/team-setup.sh');

// ---------------------------------------------------------------------------------------------------
// Running commands and checking what they printed.

const { names, describeRun, run, prints, fails, json } = cliExpect();

const readConfig = async (u: CliUser) =>
  JSON.parse(await readFile(path.join(u.configDir, 'config.json'), 'utf8')) as { workspace?: string; auth?: object };
const readLock = async (u: CliUser): Promise<Record<string, { version: string }>> => {
  const file = path.join(u.configDir, 'skills', 'aerostack-lock.json');
  return existsSync(file)
    ? (JSON.parse(await readFile(file, 'utf8')) as { skills: Record<string, { version: string }> }).skills
    : {};
};

/** `2026-03-07 10:12 UTC`, computed here independently of the CLI's formatter. */
const utcMinute = (iso: string) => new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
const today = (iso: string) => new Date(iso).toISOString().slice(0, 10);

describe('aerostack workspace (CLI end to end)', function () {
  this.timeout(60_000);
  this.slow(10_000);

  let r: TestRegistry;
  let acme: CliUser; // owner of @acme
  let carol: CliUser; // admin of @acme
  let alice: CliUser; // member of @acme
  let bob: CliUser; // signed in, not a member
  let anon: CliUser; // never signs in
  let work: string;
  const tokens: Record<string, string> = {};
  let url: string; // the gateway URL of acme-team
  let aliceMwt: string;

  /** One JSON-RPC request to the MCP gateway, as an editor sends it (Streamable HTTP, JSON answer). */
  async function gateway(token: string, slug: string, method: string, params: object = {}) {
    const res = await fetch(`${r.url}/ws/${slug}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  /** Signs `u` in as `username` by writing the login the way `aerostack login` saves it. */
  const loginAs = (u: CliUser, username: string) => signInAs(u, r.url, username, tokens[username]!);

  before(async () => {
    r = await startTestRegistry();
    url = `${r.config.publicUrl}/ws/${WS}`;
    work = await mkdtemp(path.join(tmpdir(), 'aerostack-ws-work-'));
    for (const name of ['acme', 'carol', 'alice', 'bob', 'johndoe']) tokens[name] = await signup(r.url, name);
    const ids = Object.fromEntries(
      (await r.db.selectFrom('users').select(['id', 'username']).execute()).map((u) => [u.username, u.id]),
    );
    await r.db
      .insertInto('memberships')
      .values([
        { namespace: 'acme', user_id: ids.carol!, role: 'admin' },
        { namespace: 'acme', user_id: ids.alice!, role: 'member' },
      ])
      .execute();
    const skills: [string, 'team' | 'public' | 'private', string][] = [
      [CRM, 'team', 'acme'],
      [DEPLOY, 'team', 'acme'],
      [INTERNAL_CRM, 'team', 'acme'],
      [JIRA, 'public', 'acme'],
      [SECRET, 'private', 'acme'],
      [GITHUB, 'public', 'johndoe'],
    ];
    for (const [name, visibility, owner] of skills) {
      const tgz = name === GITHUB ? createIssueSkillTarball(name, '1.0.0') : skillTarball(name, '1.0.0');
      const res = await request(r.url, 'PUT', `/${name.replace('/', '%2f')}`, {
        token: tokens[owner],
        body: publishBody(name, '1.0.0', tgz, { visibility }),
      });
      assert.equal(res.status, 201, `publish ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    [acme, carol, alice, bob, anon] = await Promise.all([
      cliUser(r.url),
      cliUser(r.url),
      cliUser(r.url),
      cliUser(r.url),
      cliUser(r.url),
    ]);
    names.set(acme, 'acme').set(carol, 'carol').set(alice, 'alice').set(bob, 'bob').set(anon, 'anonymous');
    await Promise.all([loginAs(acme, 'acme'), loginAs(carol, 'carol'), loginAs(alice, 'alice'), loginAs(bob, 'bob')]);
  });

  after(async () => {
    await Promise.all([acme, carol, alice, bob, anon].map((u) => u?.cleanup()));
    if (work) await rm(work, { recursive: true, force: true });
    await r?.close();
  });

  // -------------------------------------------------------------------------------------------------
  describe('workspace create / list / use', () => {
    it('the owner creates acme-team: "✓ Created workspace acme-team" and the gateway URL', async () => {
      await prints(acme, ['workspace', 'create', WS], [`✓ Created workspace ${WS}`, `  Gateway URL: ${url}`]);
    });

    it('an admin creates one for @acme with --namespace (--json); refusals: member 403, taken 409, bad slug, signed out', async () => {
      const [labs] = await Promise.all([
        json(carol, ['workspace', 'create', 'acme-labs', '--namespace', '@acme']),
        fails(
          alice,
          ['workspace', 'create', 'alice-ws', '--namespace', 'acme'],
          4,
          '✗ 403: Only the owner and admins of @acme can create its workspaces',
        ),
        fails(bob, ['workspace', 'create', WS], 6, `✗ 409: The workspace name "${WS}" is taken`),
        fails(
          acme,
          ['workspace', 'create', 'Bad_Slug'],
          2,
          '✗ invalid: Invalid workspace name "Bad_Slug": use lowercase letters, digits and "-" (at most 63)',
        ),
        fails(
          anon,
          ['workspace', 'create', 'anon-ws'],
          4,
          `✗ 401: Not signed in to ${r.url}: run aerostack login (or set AEROSTACK_TOKEN)`,
        ),
        fails(acme, ['workspace', 'create'], 2, /^✗ invalid: Missing 1 required arg/),
      ]);
      assert.deepEqual(keys(labs), ['createdAt', 'namespace', 'slug', 'url']);
      assert.deepEqual(
        [labs.slug, labs.namespace, labs.url],
        ['acme-labs', 'acme', `${r.config.publicUrl}/ws/acme-labs`],
      );
      const rows = await r.db.selectFrom('workspaces').select('slug').orderBy('slug').execute();
      assert.deepEqual(
        rows.map((w) => w.slug),
        ['acme-labs', WS],
        'the refused creates wrote nothing',
      );
      const failure = await json(alice, ['workspace', 'create', 'alice-ws', '--namespace', 'acme'], 4);
      assert.deepEqual(keys(failure), FAILURE_KEYS);
      assert.deepEqual([failure.ok, failure.status], [false, 403]);
    });

    it('use: unknown (404) and not-your-team (404) are refused and change nothing; "✓ Using workspace acme-team" saves it', async () => {
      await Promise.all([
        fails(acme, ['workspace', 'use', 'nope'], 5, '✗ 404: No workspace "nope"'),
        fails(bob, ['workspace', 'use', WS], 5, `✗ 404: No workspace "${WS}"`),
      ]);
      assert.equal((await readConfig(acme)).workspace, undefined);
      assert.equal((await readConfig(bob)).workspace, undefined);
      await prints(acme, ['workspace', 'use', WS], [`✓ Using workspace ${WS}`]);
      const config = await readConfig(acme);
      assert.equal(config.workspace, WS);
      assert.ok(config.auth, 'the login is kept');
      const used = await json(alice, ['workspace', 'use', WS]);
      assert.deepEqual(used, { workspace: WS, url, skills: 0 });
    });

    it('list: a table marking the one in use; a member sees its role; an outsider sees none; --json', async () => {
      await Promise.all([
        prints(
          acme,
          ['workspace', 'list'],
          [
            '  SLUG       NAMESPACE  ROLE   SKILLS  URL',
            `  acme-labs  @acme      owner  0       ${r.config.publicUrl}/ws/acme-labs`,
            `* acme-team  @acme      owner  0       ${url}`,
          ],
        ),
        prints(
          carol,
          ['workspace', 'list'],
          [
            '  SLUG       NAMESPACE  ROLE   SKILLS  URL',
            `  acme-labs  @acme      admin  0       ${r.config.publicUrl}/ws/acme-labs`,
            `  acme-team  @acme      admin  0       ${url}`,
          ],
        ),
        prints(bob, ['workspace', 'list'], ['No workspaces yet: aerostack workspace create SLUG']),
      ]);
      const list = await json(alice, ['workspace', 'list']);
      assert.deepEqual(keys(list), ['current', 'workspaces']);
      assert.equal(list.current, WS);
      assert.deepEqual(keys(list.workspaces[1]), [
        'canManage',
        'createdAt',
        'current',
        'namespace',
        'role',
        'skills',
        'slug',
        'url',
      ]);
      assert.deepEqual(
        list.workspaces.map((w: any) => [w.slug, w.role, w.canManage, w.current]),
        [
          ['acme-labs', 'member', false, false],
          [WS, 'member', false, true],
        ],
      );
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('skill install with a workspace in use', () => {
    it('installs locally and into the workspace: "✓ Installed (team membership verified)" + "✓ Added to workspace acme-team"', async () => {
      // One after another: installs into one config folder share its lockfile.
      await prints(
        acme,
        ['skill', 'install', CRM],
        ['✓ Installed (team membership verified)', `✓ Added to workspace ${WS}`],
      );
      await prints(
        acme,
        ['skill', 'install', DEPLOY],
        ['✓ Installed (team membership verified)', `✓ Added to workspace ${WS}`],
      );
      await prints(
        acme,
        ['skill', 'install', INTERNAL_CRM],
        ['✓ Installed (team membership verified)', `✓ Added to workspace ${WS}`],
      );
      await prints(
        acme,
        ['skill', 'install', 'johndoe/github'],
        [`✓ Installed ${GITHUB}@1.0.0`, `✓ Added to workspace ${WS}`],
      );
      assert.deepEqual(Object.keys(await readLock(acme)).sort(), [CRM, DEPLOY, INTERNAL_CRM, GITHUB].sort());
    });

    it('installing what is installed succeeds (--json: alreadyInstalled, workspace.changed false)', async () => {
      await prints(
        acme,
        ['skill', 'install', CRM],
        [`✓ ${CRM}@1.0.0 is already installed`, `✓ Added to workspace ${WS}`],
      );
      const again = await json(acme, ['skill', 'install', CRM]);
      assert.deepEqual(keys(again), [
        'alreadyInstalled',
        'integrity',
        'name',
        'path',
        'version',
        'visibility',
        'workspace',
      ]);
      assert.equal(again.alreadyInstalled, true);
      assert.deepEqual(again.workspace, { slug: WS, version: '1.0.0', changed: false });
    });

    it('--workspace WS works without `use`; without a workspace only the local line is printed; a member installs the local copy only, and is told', async () => {
      await Promise.all([
        prints(
          carol,
          ['skill', 'install', JIRA, '--workspace', WS],
          [`✓ Installed ${JIRA}@1.0.0`, `✓ Added to workspace ${WS}`],
        ),
        prints(bob, ['skill', 'install', JIRA], [`✓ Installed ${JIRA}@1.0.0`]),
      ]);
      const before = await r.db.selectFrom('workspace_skills').selectAll().orderBy('skill_id').execute();
      // alice (a member) uses acme-team too (set above): only its owner and admins change it.
      const mine = await run(alice, ['skill', 'install', DEPLOY]);
      assert.equal(mine.code, 0, describeRun(alice, ['skill', 'install', DEPLOY], mine));
      assert.deepEqual(linesOf(mine.stdout), ['✓ Installed (team membership verified)']);
      assert.equal(
        mine.stderr,
        `! Workspace ${WS} is unchanged: only the owner and admins of @acme add skills to it (you are a member)\n`,
      );
      assert.ok((await readLock(alice))[DEPLOY], 'the local copy is installed');
      const json_ = await json(alice, ['skill', 'install', JIRA]);
      assert.deepEqual(json_.workspace, { slug: WS, version: null, changed: false });
      assert.deepEqual(
        await r.db.selectFrom('workspace_skills').selectAll().orderBy('skill_id').execute(),
        before,
        'the workspace is as it was',
      );
      assert.equal(before.length, 5);
    });

    it('refusals install nothing anywhere: an outsider (404), a private skill (403), an unknown workspace (404)', async () => {
      await Promise.all([
        fails(bob, ['skill', 'install', GITHUB, '--workspace', WS], 5, `✗ 404: No workspace "${WS}"`),
        fails(
          acme,
          ['skill', 'install', SECRET],
          4,
          `✗ 403: ${SECRET} is private; a workspace can hold only skills its team may read`,
        ),
        fails(carol, ['skill', 'install', DEPLOY, '--workspace', 'nope'], 5, '✗ 404: No workspace "nope"'),
        fails(
          carol,
          ['skill', 'install', DEPLOY, '--workspace', 'No!'],
          2,
          '✗ invalid: Invalid workspace name "No!": use lowercase letters, digits and "-" (at most 63)',
        ),
      ]);
      assert.deepEqual(Object.keys(await readLock(bob)), [JIRA]);
      assert.equal((await readLock(acme))[SECRET], undefined);
      assert.deepEqual(Object.keys(await readLock(carol)), [JIRA]);
    });

    it('workspace skills [WS]: SKILL, VERSION, VISIBILITY, INSTALLED BY, INSTALLED, NETWORK; the one in use by default', async () => {
      const listed = await json(alice, ['workspace', 'skills', WS]);
      const d = listed.skills.map((s: any) => today(s.installedAt));
      const rows = [
        'SKILL                     VERSION  VISIBILITY  INSTALLED BY  INSTALLED   NETWORK',
        `${CRM}           1.0.0    team        acme          ${d[0]}  -`,
        `${DEPLOY}        1.0.0    team        acme          ${d[1]}  -`,
        `${INTERNAL_CRM}  1.0.0    team        acme          ${d[2]}  -`,
        `${JIRA}          1.0.0    public      carol         ${d[3]}  -`,
        `${GITHUB}           1.0.0    public      acme          ${d[4]}  -`,
      ];
      await Promise.all([
        prints(acme, ['workspace', 'skills'], rows),
        prints(carol, ['workspace', 'skills', WS], rows),
        fails(bob, ['workspace', 'skills', WS], 5, `✗ 404: No workspace "${WS}"`),
        fails(
          bob,
          ['workspace', 'skills'],
          2,
          '✗ invalid: No workspace given and none in use: name one, or run aerostack workspace use SLUG',
        ),
      ]);
      assert.deepEqual(keys(listed), ['skills', 'url', 'workspace']);
      assert.deepEqual([listed.workspace, listed.url], [WS, url]);
      assert.deepEqual(keys(listed.skills[0]), [
        'installedAt',
        'installedBy',
        'name',
        'network',
        'type',
        'version',
        'visibility',
      ]);
      assert.deepEqual(
        listed.skills.map((s: any) => s.name),
        [CRM, DEPLOY, INTERNAL_CRM, JIRA, GITHUB],
      );
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('workspace token create / list / revoke', () => {
    const sharedName = 'Shared CI token for the whole team'; // 34 characters: widens TOKEN NAME
    let bobMwt: string;
    let sharedMwt: string;

    it('create prints "✓ Token created: NAME", the mwt_ token alone, and the product page\'s config block', async () => {
      const out = await prints(
        acme,
        ['workspace', 'token', 'create', WS, '--name', 'Alice Cursor', '--user', 'alice'],
        [
          '✓ Token created: Alice Cursor',
          MWT,
          'Add this to your editor MCP config:',
          '{',
          '  "mcpServers": {',
          `    "${WS}": {`,
          `      "url": "${url}",`,
          /^ {6}"headers": \{ "Authorization": "Bearer mwt_[A-Za-z0-9_-]{43}" \}$/,
          '    }',
          '  }',
          '}',
        ],
      );
      const lines = linesOf(out);
      aliceMwt = lines[1]!;
      assert.equal(lines[7], `      "headers": { "Authorization": "Bearer ${aliceMwt}" }`);
      assert.deepEqual(JSON.parse(lines.slice(3).join('\n')), {
        mcpServers: { [WS]: { url, headers: { Authorization: `Bearer ${aliceMwt}` } } },
      });
      const stored = await r.db.selectFrom('workspace_tokens').select(['token_hash', 'token_prefix']).execute();
      assert.ok(!JSON.stringify(stored).includes(aliceMwt), 'only the hash is stored');
    });

    it('--client vscode (--json: token and config), --client claude (the `claude mcp add` line)', async () => {
      // One after the other: the token list and the audit log below show them in creation order.
      const vscode = await json(acme, [
        'workspace',
        'token',
        'create',
        WS,
        '--name',
        'Bob VSCode',
        '--client',
        'vscode',
      ]);
      const claude = await run(carol, ['workspace', 'token', 'create', WS, '--name', sharedName, '--client', 'claude']);
      assert.deepEqual(keys(vscode), [
        'client',
        'config',
        'created',
        'expires',
        'lastUsed',
        'name',
        'prefix',
        'rateLimitPerMinute',
        'status',
        'token',
        'url',
        'user',
        'workspace',
      ]);
      assert.match(vscode.token, MWT);
      bobMwt = vscode.token;
      assert.deepEqual(
        [
          vscode.name,
          vscode.user,
          vscode.status,
          vscode.lastUsed,
          vscode.expires,
          vscode.workspace,
          vscode.url,
          vscode.client,
          vscode.prefix,
        ],
        ['Bob VSCode', null, 'active', null, null, WS, url, 'vscode', vscode.token.slice(0, 10)],
      );
      assert.deepEqual(vscode.config, {
        servers: { [WS]: { type: 'http', url, headers: { Authorization: `Bearer ${bobMwt}` } } },
      });

      assert.equal(claude.code, 0, describeRun(carol, ['token create --client claude'], claude));
      const lines = linesOf(claude.stdout);
      assert.equal(lines.length, 4, claude.stdout);
      sharedMwt = lines[1]!;
      assert.match(sharedMwt, MWT);
      assert.deepEqual(lines, [
        `✓ Token created: ${sharedName}`,
        sharedMwt,
        'Add this to your editor MCP config:',
        `claude mcp add --transport http ${WS} ${url} --header "Authorization: Bearer ${sharedMwt}"`,
      ]);
    });

    it('refusals: a member (403), a taken name (409), a non-member --user (400), a bad --client or --expires-in (2), an unknown workspace (404)', async () => {
      await Promise.all([
        fails(
          alice,
          ['workspace', 'token', 'create', WS, '--name', 'For Bob', '--user', 'carol'],
          4,
          '✗ 403: Only the owner of @acme can mint a token for another member',
        ),
        fails(
          carol,
          ['workspace', 'token', 'create', WS, '--name', 'For Alice', '--user', 'alice'],
          4,
          '✗ 403: Only the owner of @acme can mint a token for another member',
        ),
        fails(
          acme,
          ['workspace', 'token', 'create', WS, '--name', 'Alice Cursor'],
          6,
          `✗ 409: Workspace ${WS} already has an active token named "Alice Cursor"`,
        ),
        fails(
          acme,
          ['workspace', 'token', 'create', WS, '--name', 'Bob', '--user', 'bob'],
          2,
          '✗ 400: bob is not a member of @acme; invite them first',
        ),
        fails(
          acme,
          ['workspace', 'token', 'create', WS, '--name', 'X', '--client', 'emacs'],
          2,
          /^✗ invalid: Expected --client=emacs to be one of: cursor, vscode, claude/,
        ),
        fails(
          acme,
          ['workspace', 'token', 'create', WS, '--name', 'X', '--expires-in', '0'],
          2,
          /^✗ invalid: Parsing --expires-in/,
        ),
        fails(acme, ['workspace', 'token', 'create', 'nope', '--name', 'X'], 5, '✗ 404: No workspace "nope"'),
        fails(acme, ['workspace', 'token', 'create', WS], 2, /^✗ invalid: Missing required flag name/),
      ]);
      const names = await r.db.selectFrom('workspace_tokens').select('name').orderBy('id').execute();
      assert.deepEqual(
        names.map((t) => t.name),
        ['Alice Cursor', 'Bob VSCode', sharedName],
      );
    });

    it("alice's token reaches the gateway: tools/list shows the workspace's tools, tools/call runs one", async () => {
      const list = await gateway(aliceMwt, WS, 'tools/list');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      const tools = (list.body.result.tools as { name: string }[]).map((t) => t.name).sort();
      assert.ok(tools.includes('github__create_issue'), tools.join(', '));
      assert.equal(tools.length, 5, tools.join(', '));
      const call = await gateway(aliceMwt, WS, 'tools/call', {
        name: 'github__create_issue',
        arguments: { title: 'hello' },
      });
      assert.equal(call.status, 200, JSON.stringify(call.body));
      assert.deepEqual(
        call.body.result.content,
        [{ type: 'text', text: 'created issue: hello' }],
        JSON.stringify(call.body),
      );
    });

    it('token list prints the product page\'s table (widened for a long name); "-" when never used', async () => {
      const listed = await json(acme, ['workspace', 'token', 'list', WS]);
      assert.deepEqual(keys(listed), ['tokens', 'workspace']);
      assert.deepEqual(keys(listed.tokens[0]), [
        'created',
        'expires',
        'lastUsed',
        'name',
        'prefix',
        'rateLimitPerMinute',
        'status',
        'user',
      ]);
      const [a, b, c] = listed.tokens as any[];
      assert.deepEqual(
        [a.name, a.user, a.status, b.lastUsed, c.lastUsed],
        ['Alice Cursor', 'alice', 'active', null, null],
      );
      assert.ok(a.lastUsed, 'the gateway marked it used');
      // Widened: the 34-character name takes 36 columns, the others keep the seed's 15 and 15…
      await prints(
        acme,
        ['workspace', 'token', 'list', WS],
        [
          'TOKEN NAME                          CREATED        LAST USED      STATUS',
          `Alice Cursor                        ${today(a.created)}     ${today(a.lastUsed)}     active`,
          `Bob VSCode                          ${today(b.created)}     -              active`,
          `${sharedName}  ${today(c.created)}     -              active`,
        ],
      );
      // …and exactly the seed's widths (21, 15, 15) when every name fits.
      const labs = await json(carol, ['workspace', 'token', 'create', 'acme-labs', '--name', 'Bob VSCode']);
      await prints(
        carol,
        ['workspace', 'token', 'list', 'acme-labs'],
        [
          'TOKEN NAME           CREATED        LAST USED      STATUS',
          `Bob VSCode           ${today(labs.created)}     -              active`,
        ],
      );
    });

    it('revoke: "✓ Token revoked. Alice\'s gateway access is immediately disabled." and the gateway refuses it at once', async () => {
      await prints(
        acme,
        ['workspace', 'token', 'revoke', WS, '--name', 'Alice Cursor'],
        ["✓ Token revoked. Alice's gateway access is immediately disabled."],
      );
      const refused = await gateway(aliceMwt, WS, 'tools/list');
      assert.equal(refused.status, 401, JSON.stringify(refused.body));
      await prints(
        carol,
        ['workspace', 'token', 'revoke', WS, '--name', sharedName],
        ["✓ Token revoked. Shared's gateway access is immediately disabled."],
      );
      assert.equal((await gateway(sharedMwt, WS, 'tools/list')).status, 401);
      assert.equal((await gateway(bobMwt, WS, 'tools/list')).status, 200, "Bob's token still works");
    });

    it('revoke refusals: an unknown or already revoked name (404), a member (403), an unknown workspace (404)', async () => {
      await Promise.all([
        fails(
          acme,
          ['workspace', 'token', 'revoke', WS, '--name', 'Alice Cursor'],
          5,
          `✗ 404: Workspace ${WS} has no active token named "Alice Cursor"`,
        ),
        fails(
          acme,
          ['workspace', 'token', 'revoke', WS, '--name', 'Nobody / 100%'],
          5,
          `✗ 404: Workspace ${WS} has no active token named "Nobody / 100%"`,
        ),
        // A member may revoke its own tokens only; someone else's is as good as missing to it.
        fails(
          alice,
          ['workspace', 'token', 'revoke', WS, '--name', 'Bob VSCode'],
          5,
          `✗ 404: Workspace ${WS} has no active token named "Bob VSCode"`,
        ),
        fails(acme, ['workspace', 'token', 'revoke', 'nope', '--name', 'Bob VSCode'], 5, '✗ 404: No workspace "nope"'),
      ]);
      assert.equal((await gateway(bobMwt, WS, 'tools/list')).status, 200, 'the refused revokes changed nothing');
    });

    it('statuses: revoked, expired (--expires-in), active; the name is free again once revoked; --json revoke', async () => {
      await prints(
        acme,
        ['workspace', 'token', 'create', WS, '--name', 'Temp', '--expires-in', '1', '--client', 'claude'],
        [
          '✓ Token created: Temp',
          MWT,
          'Add this to your editor MCP config:',
          /^claude mcp add --transport http acme-team \S+ --header "Authorization: Bearer mwt_[A-Za-z0-9_-]{43}"$/,
        ],
      );
      r.clock.advance(2_000);
      const revoked = await json(acme, ['workspace', 'token', 'revoke', WS, '--name', 'Bob VSCode']);
      assert.deepEqual(revoked, { workspace: WS, revoked: 'Bob VSCode' });
      const out = await prints(
        acme,
        ['workspace', 'token', 'list', WS],
        [
          'TOKEN NAME                          CREATED        LAST USED      STATUS',
          /^Alice Cursor {24}\d{4}-\d\d-\d\d {5}\d{4}-\d\d-\d\d {5}revoked$/,
          /^Bob VSCode {26}\d{4}-\d\d-\d\d {5}\d{4}-\d\d-\d\d {5}revoked$/,
          /^Shared CI token for the whole team {2}\d{4}-\d\d-\d\d {5}- {14}revoked$/,
          /^Temp {32}\d{4}-\d\d-\d\d {5}- {14}expired$/,
        ],
      );
      assert.ok(out);
      const again = await json(acme, ['workspace', 'token', 'create', WS, '--name', 'Alice Cursor', '--user', 'alice']);
      aliceMwt = again.token;
      assert.equal((await gateway(aliceMwt, WS, 'tools/list')).status, 200);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('workspace audit', () => {
    it("prints the product page's table, newest first, at the seed's widths, and DETAIL (--user alice)", async () => {
      // alice is a member: she calls tools; her installs never reached the workspace.
      const { events } = await json(acme, ['workspace', 'audit', WS, '--user', 'alice']);
      assert.deepEqual(
        events.map((e: any) => [e.user, e.action, e.skill, e.tool]),
        [['alice@acme', 'tool_call', GITHUB, 'github__create_issue']],
      );
      assert.equal(events[0].status, 'ok');
      await prints(
        acme,
        ['workspace', 'audit', WS, '--user', 'alice'],
        [
          'DATE                  USER          SKILL                   ACTION         DETAIL',
          `${utcMinute(events[0].at)}  alice@acme    github__create_issue    tool_call      ok ${events[0].durationMs} ms`,
        ],
      );
    });

    it('the whole log (widened for a long skill name): installs, tool calls, tokens, creation', async () => {
      const { events } = await json(carol, ['workspace', 'audit', WS]);
      // DETAIL: `ok 12 ms` for a tool call, a token's name in quotes, an install's version.
      const detail = (e: any): string =>
        e.action === 'tool_call'
          ? `${e.status} ${e.durationMs} ms`
          : e.action.startsWith('token_')
            ? `"${e.detail}"`
            : e.action === 'install'
              ? e.detail.slice(e.skill.length + 1)
              : (e.detail ?? '');
      const width = Math.max(15, ...events.map((e: any) => e.action.length + 2));
      const fmt = (e: any) => {
        const subject = e.action === 'tool_call' ? e.tool : (e.skill ?? '-');
        return `${utcMinute(e.at)}  ${e.user.padEnd(14)}${subject.padEnd(26)}${e.action.padEnd(width)}${detail(e)}`.trimEnd();
      };
      await prints(
        carol,
        ['workspace', 'audit', WS],
        [
          `DATE                  USER          SKILL                     ${'ACTION'.padEnd(width)}DETAIL`,
          ...events.map(fmt),
        ],
      );
      const actions = events.map((e: any) => e.action);
      assert.equal(actions.at(-1), 'workspace_created', 'oldest last');
      assert.equal(actions[0], 'token_created', 'newest first');
      for (const a of ['install', 'tool_call', 'token_created', 'token_revoked']) assert.ok(actions.includes(a), a);
      const installs = events.filter((e: any) => e.action === 'install').map((e: any) => `${e.user} ${e.skill}`);
      assert.deepEqual(
        installs.slice().sort(),
        [
          `acme@acme ${CRM}`,
          `acme@acme ${CRM}`,
          `acme@acme ${CRM}`,
          `acme@acme ${DEPLOY}`,
          `acme@acme ${GITHUB}`,
          `acme@acme ${INTERNAL_CRM}`,
          `carol@acme ${JIRA}`,
        ].sort(),
      );
    });

    it('--action, --skill, --since, --limit and --json; bad --since (2), bad --action (2), a member (403), unknown (404)', async () => {
      const [installs, crm, week, date, one] = await Promise.all([
        json(acme, ['workspace', 'audit', WS, '--action', 'install']),
        json(acme, ['workspace', 'audit', WS, '--skill', 'crm-skill']),
        json(acme, ['workspace', 'audit', WS, '--since', '7d']),
        json(acme, ['workspace', 'audit', WS, '--since', '2000-01-01']),
        json(acme, ['workspace', 'audit', WS, '--limit', '1']),
        fails(
          acme,
          ['workspace', 'audit', WS, '--since', 'yesterday'],
          2,
          '✗ invalid: --since must be like 7d, 12h, 30m or a date (got "yesterday")',
        ),
        fails(
          acme,
          ['workspace', 'audit', WS, '--action', 'hack'],
          2,
          /^✗ invalid: Expected --action=hack to be one of: install, /,
        ),
        fails(
          alice,
          ['workspace', 'audit', WS],
          4,
          `✗ 403: Only the owner and admins of @acme can do that in workspace ${WS}`,
        ),
        fails(acme, ['workspace', 'audit', 'nope'], 5, '✗ 404: No workspace "nope"'),
      ]);
      assert.deepEqual(keys(installs), ['events', 'workspace']);
      assert.deepEqual(keys(installs.events[0]), AUDIT_EVENT_KEYS);
      assert.equal(installs.events.length, 7);
      assert.ok(installs.events.every((e: any) => e.action === 'install'));
      assert.deepEqual(new Set(crm.events.map((e: any) => e.skill)), new Set([CRM]));
      assert.ok(week.events.length > 10 && week.events.length === date.events.length);
      assert.equal(one.events.length, 1);
      const ats = week.events.map((e: any) => e.at);
      assert.deepEqual(ats, [...ats].sort().reverse(), 'newest first');
      const call = week.events.find((e: any) => e.action === 'tool_call');
      assert.deepEqual(
        [call.status, typeof call.durationMs, call.detail],
        ['ok', 'number', null],
        'who, what, how long — no arguments',
      );
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('workspace onboarding-script', () => {
    /** The product page's core of the script: its `aerostack` and `echo` lines (test/cli/onboarding.test.ts runs it). */
    const coreOf = (script: string) => linesOf(script).filter((l) => /^(aerostack |echo ")/.test(l));
    const coreFor = (skills: string[], u = url) => [
      `aerostack workspace use ${WS}`,
      ...skills.map((s) => `aerostack skill install ${s}`),
      'echo "✓ All team skills installed."',
      'echo "Add this to your editor MCP config:"',
      `echo "URL: ${u}"`,
      `aerostack workspace connect ${WS} \${CLIENT:+--client "$CLIENT"}`,
    ];
    const local = (s: string) => s.replace(/^(\S+)/, '$1 --local');

    it("prints a team-setup.sh like the product page's: the registry baked in, the workspace's skills, exact names, public ones remarked", async () => {
      const res = await run(acme, ['workspace', 'onboarding-script', WS]);
      assert.equal(res.code, 0, describeRun(acme, ['workspace', 'onboarding-script'], res));
      assert.equal(res.stderr, '');
      assert.ok(res.stdout.startsWith('#!/bin/bash\n# team-setup.sh — run this when a new dev joins\n'));
      assert.ok(linesOf(res.stdout).includes(`export AEROSTACK_REGISTRY=${r.url}`), res.stdout);
      assert.deepEqual(
        coreOf(res.stdout),
        coreFor([CRM, DEPLOY, INTERNAL_CRM, `${JIRA}  # public skill`, `${GITHUB}  # public skill`].map(local)),
      );
    });

    it("--skills names them; with the product page's skills it is scripts/team-setup.sh (but for the URLs); --json; --output", async () => {
      const seedSkills = ['@acme/internal-crm-skill', '@acme/deploy-skill', '@acme/jira-skill', 'johndoe/github-skill'];
      const res = await run(acme, ['workspace', 'onboarding-script', WS, '--skills', seedSkills.join(',')]);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(coreOf(res.stdout), coreFor(seedSkills.map(local)));
      const shipped = await readFile(SHIPPED_SCRIPT, 'utf8');
      assert.equal(
        shipped.replace('  # public skill', ''),
        res.stdout
          .replaceAll(url, 'https://gateway.aerostack.dev/ws/acme-team')
          .replaceAll(r.url, 'https://registry.acme.dev'),
      );
      assert.ok(((await stat(SHIPPED_SCRIPT)).mode & 0o111) !== 0, 'scripts/team-setup.sh is executable');

      const out = path.join(work, 'team-setup.sh');
      const [body] = await Promise.all([
        json(acme, ['workspace', 'onboarding-script', WS, '--skills', `${CRM}, ${JIRA}@^1`]),
        prints(acme, ['workspace', 'onboarding-script', WS, '--output', out], [`✓ Wrote ${out} (5 skills)`]),
        fails(
          acme,
          ['workspace', 'onboarding-script', WS, '--skills', 'not a skill'],
          2,
          /^✗ invalid: Invalid skill name "not a skill"/,
        ),
        fails(acme, ['workspace', 'onboarding-script', WS, '--skills', ' , '], 2, '✗ invalid: --skills names no skill'),
        fails(bob, ['workspace', 'onboarding-script', WS], 5, `✗ 404: No workspace "${WS}"`),
      ]);
      assert.deepEqual(keys(body), ['registry', 'script', 'skills', 'url', 'workspace']);
      assert.deepEqual(body.skills, [CRM, `${JIRA}@^1`]);
      assert.equal(body.registry, r.url);
      assert.deepEqual(coreOf(body.script), coreFor([CRM, `'${JIRA}@^1'`].map(local)));
      assert.deepEqual(
        coreOf(await readFile(out, 'utf8')),
        coreFor([CRM, DEPLOY, INTERNAL_CRM, `${JIRA}  # public skill`, `${GITHUB}  # public skill`].map(local)),
      );
      assert.equal((await stat(out)).mode & 0o777, 0o755);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('skill uninstall with a workspace in use', () => {
    it('a member is refused (403) and keeps the local copy; the owner removes locally and from the workspace', async () => {
      await fails(
        alice,
        ['skill', 'uninstall', JIRA],
        4,
        `✗ 403: Only the owner and admins of @acme can do that in workspace ${WS}`,
      );
      assert.ok((await readLock(alice))[JIRA], 'the refused uninstall kept the local copy');
      await Promise.all([
        prints(acme, ['skill', 'uninstall', CRM], [`✓ Uninstalled ${CRM}@1.0.0`, `✓ Removed from workspace ${WS}`]),
        // Not installed on acme's machine, but in the workspace: only the workspace line.
        prints(acme, ['skill', 'uninstall', JIRA], [`✓ Removed from workspace ${WS}`]),
        // --workspace without `use`; a --json shape.
        json(carol, ['skill', 'uninstall', DEPLOY, '--workspace', WS]).then((b) =>
          assert.deepEqual(b, { name: DEPLOY, version: '1.0.0', workspace: { slug: WS, removed: true } }),
        ),
        // No workspace in use: the local cache only, as before.
        prints(bob, ['skill', 'uninstall', JIRA], [`✓ Uninstalled ${JIRA}@1.0.0`]),
      ]);
      await Promise.all([
        fails(acme, ['skill', 'uninstall', CRM], 5, `✗ 404: ${CRM} is not installed (locally or in workspace ${WS})`),
        fails(bob, ['skill', 'uninstall', JIRA], 5, `✗ 404: ${JIRA} is not installed`),
        fails(bob, ['skill', 'uninstall', JIRA, '--workspace', WS], 5, `✗ 404: No workspace "${WS}"`),
      ]);
      const listed = await json(acme, ['workspace', 'skills']);
      assert.deepEqual(
        listed.skills.map((s: any) => s.name),
        [INTERNAL_CRM, GITHUB],
      );
      assert.ok(!(await readLock(acme))[CRM]);
      const { events } = await json(acme, ['workspace', 'audit', WS, '--action', 'uninstall']);
      assert.deepEqual(events.map((e: any) => `${e.user} ${e.skill}`).sort(), [
        `acme@acme ${CRM}`,
        `acme@acme ${JIRA}`,
        `carol@acme ${DEPLOY}`,
      ]);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('workspace delete', () => {
    it('a member is refused (403); "✓ Deleted workspace SLUG" clears it from the config when in use; then 404', async () => {
      await Promise.all([
        fails(
          alice,
          ['workspace', 'delete', WS],
          4,
          `✗ 403: Only the owner and admins of @acme can do that in workspace ${WS}`,
        ),
        fails(bob, ['workspace', 'delete', WS], 5, `✗ 404: No workspace "${WS}"`),
      ]);
      await prints(acme, ['workspace', 'delete', 'acme-labs'], ['✓ Deleted workspace acme-labs']);
      assert.equal((await readConfig(acme)).workspace, WS, 'deleting another workspace keeps the one in use');
      const deleted = await json(acme, ['workspace', 'delete', WS]);
      assert.deepEqual(deleted, { deleted: WS, wasInUse: true });
      const config = await readConfig(acme);
      assert.equal(config.workspace, undefined);
      assert.ok(config.auth, 'the login is kept');
      assert.equal((await gateway(aliceMwt, WS, 'tools/list')).status, 401, "the workspace's tokens stop working");
      await Promise.all([
        fails(acme, ['workspace', 'delete', WS], 5, `✗ 404: No workspace "${WS}"`),
        fails(acme, ['workspace', 'use', WS], 5, `✗ 404: No workspace "${WS}"`),
        // alice still has it in her config: her next install says so and installs nothing.
        fails(alice, ['skill', 'install', CRM], 5, `✗ 404: No workspace "${WS}"`),
        prints(acme, ['skill', 'install', CRM], ['✓ Installed (team membership verified)']),
        prints(acme, ['workspace', 'list'], ['No workspaces yet: aerostack workspace create SLUG']),
      ]);
      assert.equal((await readLock(alice))[CRM], undefined);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('help', () => {
    it('--help on every workspace command exits 0 with USAGE and EXAMPLES', async () => {
      const commands = [
        'create',
        'list',
        'use',
        'delete',
        'skills',
        'token create',
        'token list',
        'token revoke',
        'audit',
        'onboarding-script',
        'connect',
      ];
      const outs = await Promise.all(commands.map((c) => run(anon, ['workspace', ...c.split(' '), '--help'])));
      outs.forEach((o, i) => {
        assert.equal(o.code, 0, o.stderr);
        assert.ok(o.stdout.includes('USAGE') && o.stdout.includes('EXAMPLES'), `${commands[i]}: ${o.stdout}`);
        assert.ok(
          o.stdout.includes(`$ aerostack workspace ${commands[i]}`),
          `${commands[i]} --help shows aerostack workspace ${commands[i]}`,
        );
      });
    });
  });
});
