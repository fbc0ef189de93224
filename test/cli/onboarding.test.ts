/**
 * The generated team-setup.sh on a new laptop, end to end: bash runs the script that
 * `workspace onboarding-script` printed, in a clean HOME, with a PATH that has node and npm but no
 * `aerostack`, and NPM_CONFIG_PREFIX in a temporary folder. It installs the CLI from the test
 * registry with npm, signs in with AEROSTACK_TOKEN, uses the workspace, installs local copies at the
 * workspace's versions and writes ~/.cursor/mcp.json, which the MCP SDK's own Client then uses to call
 * a tool. Run twice by a plain member, it changes nothing in the workspace (versions, INSTALLED BY,
 * install audit rows) and leaves one token, not two. Also: --dry-run, `skill install --local` by the
 * owner, and `workspace connect` replacing a token whose secret the config lost, and printing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { publishBody, request, signup } from '../helpers/api.js';
import { cliUser, signInAs, type CliResult, type CliUser } from '../helpers/cli.js';
import { cliExpect, linesOf } from '../helpers/cli-expect.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { createIssueSkillTarball, skillTarball } from '../helpers/skills.js';
import { addMember } from '../helpers/teams.js';

const WS = 'acme-team';
const CRM = '@acme/crm-skill'; // team: 0.1.0 in the workspace, 0.2.0 the latest
const GITHUB = '@johndoe/github'; // public, tool create_issue
const DEVICE = hostname().split('.')[0];
const MWT = /^mwt_[A-Za-z0-9_-]{43}$/;

const { names, run, prints } = cliExpect();

describe('team-setup.sh on a new laptop (end to end)', function () {
  this.timeout(180_000);
  this.slow(30_000);

  let r: TestRegistry;
  let acme: CliUser;
  let alice: CliUser; // for `workspace connect` run directly
  let work: string;
  let home: string; // the laptop's clean HOME
  let prefix: string; // its NPM_CONFIG_PREFIX
  let script: string;
  let url: string;
  const tokens: Record<string, string> = {};

  /** The laptop: bash, a clean environment (no AEROSTACK_*, npm_*, CI), stdin closed. */
  const laptop = (args: string[] = [], env: Record<string, string> = {}, h = home, p = prefix) =>
    new Promise<CliResult>((resolve, reject) => {
      const clean = Object.fromEntries(
        Object.entries(process.env).filter(
          ([k]) => !/^(AEROSTACK_|npm_|NPM_CONFIG_)/i.test(k) && k !== 'CI' && k !== 'XDG_CONFIG_HOME',
        ),
      );
      const child = spawn('bash', [script, ...args], {
        cwd: h,
        env: {
          ...clean,
          HOME: h,
          PATH: `${path.dirname(process.execPath)}${path.delimiter}/usr/bin${path.delimiter}/bin`,
          NPM_CONFIG_PREFIX: p,
          AEROSTACK_TOKEN: tokens.alice!,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });

  /** What a member's runs must not change: the workspace's skills and its install audit rows. */
  const workspaceState = async () => ({
    skills: await r.db
      .selectFrom('workspace_skills as ws')
      .innerJoin('skills as s', 's.id', 'ws.skill_id')
      .innerJoin('users as u', 'u.id', 'ws.installed_by')
      .select(['s.name', 'ws.version', 'u.username as installedBy', 'ws.installed_at'])
      .orderBy('s.name')
      .execute(),
    installs: await r.db
      .selectFrom('audit_events')
      .select(['id', 'actor', 'action', 'skill'])
      .where('action', 'in', ['install', 'uninstall'])
      .orderBy('id')
      .execute(),
  });
  const tokenRows = () =>
    r.db
      .selectFrom('workspace_tokens as t')
      .leftJoin('users as u', 'u.id', 't.user_id')
      .select(['t.name', 'u.username', 't.revoked_at'])
      .orderBy('t.id')
      .execute();

  before(async () => {
    r = await startTestRegistry();
    url = `${r.config.publicUrl}/ws/${WS}`;
    work = await mkdtemp(path.join(tmpdir(), 'aerostack-onboarding-'));
    home = path.join(work, 'home');
    prefix = path.join(work, 'npm-prefix');
    await mkdir(home);
    script = path.join(work, 'team-setup.sh');
    for (const name of ['acme', 'alice', 'johndoe']) tokens[name] = await signup(r.url, name);
    await addMember(r, 'acme', 'alice');
    const publish = async (name: string, version: string, visibility: 'team' | 'public', owner: string) => {
      const tgz = name === GITHUB ? createIssueSkillTarball(name, version) : skillTarball(name, version);
      const res = await request(r.url, 'PUT', `/${name.replace('/', '%2f')}`, {
        token: tokens[owner],
        body: publishBody(name, version, tgz, { visibility }),
      });
      assert.equal(res.status, 201, `publish ${name}@${version}: ${JSON.stringify(res.body)}`);
    };
    await publish(CRM, '0.1.0', 'team', 'acme');
    await publish(CRM, '0.2.0', 'team', 'acme');
    await publish(GITHUB, '1.0.0', 'public', 'johndoe');
    [acme, alice] = await Promise.all([cliUser(r.url), cliUser(r.url)]);
    names.set(acme, 'acme').set(alice, 'alice');
    await signInAs(acme, r.url, 'acme', tokens.acme!);
    await signInAs(alice, r.url, 'alice', tokens.alice!);
    await prints(acme, ['workspace', 'create', WS], [`✓ Created workspace ${WS}`, `  Gateway URL: ${url}`]);
    for (const spec of [`${CRM}@0.1.0`, GITHUB]) {
      const res = await run(acme, ['skill', 'install', spec, '--workspace', WS]);
      assert.equal(res.code, 0, res.stderr);
    }
  });

  after(async () => {
    await Promise.all([acme, alice].map((u) => u?.cleanup()));
    if (work) await rm(work, { recursive: true, force: true });
    await r?.close();
  });

  it('the script has the registry URL, the workspace, the product page’s core lines and the editor baked in', async () => {
    await prints(
      acme,
      ['workspace', 'onboarding-script', WS, '--client', 'cursor', '--output', script],
      [`✓ Wrote ${script} (2 skills)`],
    );
    const text = await readFile(script, 'utf8');
    const lines = linesOf(text);
    assert.equal(lines[0], '#!/bin/bash');
    assert.equal(lines[1], '# team-setup.sh — run this when a new dev joins');
    for (const line of [
      `export AEROSTACK_REGISTRY=${r.url}`,
      'CLIENT=cursor',
      `aerostack workspace use ${WS}`,
      `aerostack skill install ${CRM} --local`,
      `aerostack skill install ${GITHUB} --local  # public skill`,
      'echo "✓ All team skills installed."',
      'echo "Add this to your editor MCP config:"',
      `echo "URL: ${url}"`,
      `aerostack workspace connect ${WS} \${CLIENT:+--client "$CLIENT"}`,
    ])
      assert.ok(lines.includes(line), `the script has the line: ${line}\n${text}`);
    assert.equal((await stat(script)).mode & 0o777, 0o755);
  });

  it('the registry serves the CLI the script installs', async () => {
    const res = await fetch(`${r.url}/aerostack`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 200, 'GET /aerostack: the registry serves its own CLI');
  });

  it('run twice by a member in a clean HOME: installs the CLI, the skills at the workspace’s versions, a working Cursor config; the workspace unchanged, one token', async () => {
    const before = await workspaceState();
    const first = await laptop();
    assert.equal(first.code, 0, `first run:\n${first.stdout}\n${first.stderr}`);
    const npmBin = path.join(prefix, 'bin');
    const addToPath = `! Add ${npmBin} to your PATH to run aerostack from a new shell\n`;
    assert.deepEqual(linesOf(first.stdout), [
      '✓ Installed aerostack 0.1.0',
      `✓ Using workspace ${WS}`,
      '✓ Installed (team membership verified)',
      `✓ Installed ${GITHUB}@1.0.0`,
      '✓ All team skills installed.',
      'Add this to your editor MCP config:',
      `URL: ${url}`,
      `✓ Token created: ${DEVICE} Cursor`,
      `✓ Wrote ${WS} to ~/.cursor/mcp.json`,
    ]);
    assert.equal(first.stderr, addToPath);
    assert.ok(existsSync(path.join(npmBin, 'aerostack')), 'npm installed aerostack under NPM_CONFIG_PREFIX');

    // The local copies are the workspace's versions (0.1.0), not the latest (0.2.0).
    const lock = JSON.parse(await readFile(path.join(home, '.aerostack', 'skills', 'aerostack-lock.json'), 'utf8'));
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(lock.skills as Record<string, { version: string }>).map(([k, v]) => [k, v.version]),
      ),
      { [CRM]: '0.1.0', [GITHUB]: '1.0.0' },
    );

    // The Cursor config: the product page's block, with alice's own token, readable by her only.
    const cursorFile = path.join(home, '.cursor', 'mcp.json');
    const cursor = JSON.parse(await readFile(cursorFile, 'utf8'));
    const entry = cursor.mcpServers[WS];
    assert.deepEqual(Object.keys(entry), ['url', 'headers']);
    assert.equal(entry.url, url);
    assert.match(entry.headers.Authorization.replace(/^Bearer /, ''), MWT);
    assert.equal((await stat(cursorFile)).mode & 0o777, 0o600);

    // A real MCP client, configured from that file, calls a tool through the gateway.
    const client = new Client({ name: 'cursor-stand-in', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers: entry.headers } }),
    );
    try {
      const result = await client.callTool({ name: 'github__create_issue', arguments: { title: 'hello' } });
      assert.deepEqual(result.content, [{ type: 'text', text: 'created issue: hello' }]);
    } finally {
      await client.close();
    }

    const second = await laptop();
    assert.equal(second.code, 0, `second run:\n${second.stdout}\n${second.stderr}`);
    assert.deepEqual(linesOf(second.stdout), [
      `✓ Using workspace ${WS}`,
      `✓ ${CRM}@0.1.0 is already installed`,
      `✓ ${GITHUB}@1.0.0 is already installed`,
      '✓ All team skills installed.',
      'Add this to your editor MCP config:',
      `URL: ${url}`,
      `✓ Cursor already reaches ${WS} (~/.cursor/mcp.json): its token works`,
    ]);
    assert.equal(second.stderr, addToPath);
    assert.deepEqual(
      JSON.parse(await readFile(cursorFile, 'utf8')),
      cursor,
      'the second run left the config as it was',
    );
    assert.ok(!existsSync(`${cursorFile}.bak`), 'nothing was rewritten, so there is no backup');

    assert.deepEqual(await workspaceState(), before, 'versions, INSTALLED BY and install audit rows unchanged');
    assert.deepEqual(
      (await tokenRows()).map((t) => [t.name, t.username, t.revoked_at]),
      [[`${DEVICE} Cursor`, 'alice', null]],
      'one token, bound to alice',
    );
    const tokenEvents = await r.db
      .selectFrom('audit_events')
      .select(['actor', 'action'])
      .where('action', 'in', ['token_created', 'token_revoked'])
      .execute();
    assert.deepEqual(tokenEvents, [{ actor: 'alice@acme', action: 'token_created' }]);
  });

  it('--dry-run on another new laptop says what it would do and changes nothing', async () => {
    const home2 = path.join(work, 'home2');
    const prefix2 = path.join(work, 'npm-prefix2');
    await mkdir(home2);
    const before = { state: await workspaceState(), tokens: await tokenRows() };
    const res = await laptop(['--dry-run'], {}, home2, prefix2);
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    assert.deepEqual(linesOf(res.stdout), [
      `Would run: npm install -g aerostack@0.1.0 --registry ${r.url}`,
      `Would run: aerostack workspace use ${WS}`,
      `Would run: aerostack skill install ${CRM} --local`,
      `Would run: aerostack skill install ${GITHUB} --local`,
      '✓ All team skills installed.',
      'Add this to your editor MCP config:',
      `URL: ${url}`,
      `Would run: aerostack workspace connect ${WS} --client cursor`,
    ]);
    assert.equal(res.stderr, '');
    assert.ok(!existsSync(prefix2), 'nothing installed');
    assert.deepEqual(
      (await readdir(home2)).filter((f) => f !== '.npm'),
      [],
      'no ~/.aerostack, no editor config',
    );
    assert.deepEqual({ state: await workspaceState(), tokens: await tokenRows() }, before);

    // On the first laptop (CLI there, signed in), connect explains itself: the config's token works.
    const again = await laptop(['--dry-run', '--client', 'cursor']);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(
      linesOf(again.stdout).includes(`✓ Cursor already reaches ${WS} (~/.cursor/mcp.json): its token works`),
      again.stdout,
    );
  });

  it('a signed-out laptop with no terminal gets a clear error naming AEROSTACK_TOKEN', async () => {
    const res = await laptop([], { AEROSTACK_TOKEN: '' });
    assert.equal(res.code, 4);
    assert.equal(
      res.stderr,
      `! Add ${path.join(prefix, 'bin')} to your PATH to run aerostack from a new shell\n` +
        '✗ Not signed in: set AEROSTACK_TOKEN to a token of yours (aerostack token create), or run this in a terminal to sign in\n',
    );
  });

  it("an outsider's token: the script stops at the first failure with the CLI's exit code", async () => {
    tokens.bob = await signup(r.url, 'bob');
    const res = await laptop([], { AEROSTACK_TOKEN: tokens.bob });
    assert.equal(res.code, 5, res.stdout + res.stderr);
    assert.equal(
      res.stderr,
      `! Add ${path.join(prefix, 'bin')} to your PATH to run aerostack from a new shell\n✗ 404: No workspace "${WS}"\n`,
    );
    assert.equal(res.stdout, '');
  });

  it('skill install --local by the owner installs the workspace’s version and leaves the workspace alone', async () => {
    const before = await workspaceState();
    const owner = await cliUser(r.url); // the owner on another machine, without the local copies
    names.set(owner, "acme's other machine");
    try {
      await writeFile(
        path.join(owner.configDir, 'config.json'),
        await readFile(path.join(acme.configDir, 'config.json')),
      );
      await prints(owner, ['workspace', 'use', WS], [`✓ Using workspace ${WS}`]);
      const lockFile = path.join(owner.configDir, 'skills', 'aerostack-lock.json');
      const installed = async () => JSON.parse(await readFile(lockFile, 'utf8')).skills[CRM].version;
      await prints(owner, ['skill', 'install', CRM, '--local'], ['✓ Installed (team membership verified)']);
      assert.equal(await installed(), '0.1.0', "the workspace's version, not the latest");
      await prints(owner, ['skill', 'install', `${CRM}@0.2.0`, '--local'], ['✓ Installed (team membership verified)']);
      assert.equal(await installed(), '0.2.0', 'a version named is the one installed');
      assert.deepEqual(await workspaceState(), before);
    } finally {
      await owner.cleanup();
    }
  });

  it('workspace connect: a config that lost its token gets a new one in place of the old (still one); --client print', async () => {
    const h = path.join(work, 'home3');
    await mkdir(path.join(h, '.cursor'), { recursive: true });
    const file = path.join(h, '.cursor', 'mcp.json');
    const other = { mcpServers: { github: { url: 'https://api.githubcopilot.com/mcp/' } } };
    await writeFile(file, JSON.stringify(other));
    const env = { HOME: h, XDG_CONFIG_HOME: undefined };
    // A token of that name exists (the first laptop's), but this config does not hold it.
    const res = await run(alice, ['workspace', 'connect', WS, '--client', 'cursor'], { env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, `! Revoked your token "${DEVICE} Cursor": the config did not hold a working copy of it\n`);
    assert.deepEqual(linesOf(res.stdout), [
      `✓ Token created: ${DEVICE} Cursor`,
      `✓ Wrote ${WS} to ~/.cursor/mcp.json (backup: ~/.cursor/mcp.json.bak)`,
    ]);
    const merged = JSON.parse(await readFile(file, 'utf8'));
    assert.deepEqual(Object.keys(merged.mcpServers), ['github', WS], 'the other server is kept');
    assert.deepEqual(JSON.parse(await readFile(`${file}.bak`, 'utf8')), other);
    const active = (await tokenRows()).filter((t) => !t.revoked_at);
    assert.deepEqual(
      active.map((t) => [t.name, t.username]),
      [[`${DEVICE} Cursor`, 'alice']],
    );

    // VS Code (`servers`, type http) and Claude Desktop (the mcp-remote bridge) in their own files.
    await prints(
      alice,
      ['workspace', 'connect', WS, '--client', 'vscode', '--client', 'claude-desktop'],
      [
        `✓ Token created: ${DEVICE} VSCode`,
        `✓ Wrote ${WS} to ~/.config/Code/User/mcp.json`,
        `✓ Token created: ${DEVICE} Claude Desktop`,
        `✓ Wrote ${WS} to ~/.config/Claude/claude_desktop_config.json`,
      ],
      { env },
    );
    const vscode = JSON.parse(await readFile(path.join(h, '.config', 'Code', 'User', 'mcp.json'), 'utf8'));
    assert.deepEqual(Object.keys(vscode.servers[WS]), ['type', 'url', 'headers']);
    const desktop = JSON.parse(await readFile(path.join(h, '.config', 'Claude', 'claude_desktop_config.json'), 'utf8'));
    assert.deepEqual(desktop.mcpServers[WS].args, ['-y', 'mcp-remote', url, '--header', 'Authorization:${AUTH}']);
    assert.match(desktop.mcpServers[WS].env.AUTH, /^Bearer mwt_/);

    // Claude Code with `claude` on the PATH: `claude mcp add`, its arguments passed as they are.
    const fakeBin = path.join(work, 'fake-bin');
    await mkdir(fakeBin, { recursive: true });
    await writeFile(path.join(fakeBin, 'claude'), '#!/bin/sh\nprintf "%s\\n" "$@" > "$HOME/claude-args"\n', {
      mode: 0o755,
    });
    await prints(
      alice,
      ['workspace', 'connect', WS, '--client', 'claude-code'],
      [`✓ Token created: ${DEVICE} Claude Code`, `✓ Added ${WS} to Claude Code (claude mcp add --scope user)`],
      { env: { ...env, PATH: `${fakeBin}${path.delimiter}${process.env.PATH}` } },
    );
    const argv = linesOf(await readFile(path.join(h, 'claude-args'), 'utf8'));
    assert.deepEqual(argv.slice(0, -1), ['mcp', 'add', '--transport', 'http', '--scope', 'user', WS, url, '--header']);
    assert.match(argv.at(-1)!, /^Authorization: Bearer mwt_[A-Za-z0-9_-]{43}$/);

    const printed = await run(alice, ['workspace', 'connect', WS, '--client', 'print'], { env });
    assert.equal(printed.code, 0, printed.stderr);
    const out = linesOf(printed.stdout);
    assert.deepEqual(out.slice(0, 2), [`✓ Token created: ${DEVICE} MCP`, 'Add this to your editor MCP config:']);
    const block = JSON.parse(out.slice(2).join('\n'));
    assert.equal(block.mcpServers[WS].url, url);
    assert.match(block.mcpServers[WS].headers.Authorization, /^Bearer mwt_/);
    await prints(
      alice,
      ['workspace', 'connect', WS, '--client', 'print'],
      [
        `✓ Your token "${DEVICE} MCP" is active; its secret was shown once, when it was created`,
        `For a new one: aerostack workspace token revoke ${WS} --name "${DEVICE} MCP", then run this again`,
      ],
      { env },
    );

    // The Cursor token revoked (by an admin, say): the gateway refuses it, so connect mints a new one.
    await prints(
      acme,
      ['workspace', 'token', 'revoke', WS, '--name', `${DEVICE} Cursor`],
      [`✓ Token revoked. ${DEVICE}'s gateway access is immediately disabled.`],
    );
    const revokedSecret = JSON.parse(await readFile(file, 'utf8')).mcpServers[WS].headers.Authorization;
    await prints(
      alice,
      ['workspace', 'connect', WS, '--client', 'cursor'],
      [`✓ Token created: ${DEVICE} Cursor`, `✓ Wrote ${WS} to ~/.cursor/mcp.json (backup: ~/.cursor/mcp.json.bak)`],
      { env },
    );
    const renewed = JSON.parse(await readFile(file, 'utf8')).mcpServers;
    assert.notEqual(renewed[WS].headers.Authorization, revokedSecret);
    assert.deepEqual(Object.keys(renewed), ['github', WS]);
  });
});
