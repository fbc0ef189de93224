/**
 * Agent Skills (SKILL.md) end to end with the BUILT CLI against a real registry: the owner scaffolds
 * one and publishes it as team; a member installs it into a folder (--dir) and into Claude Code's
 * (--agent claude-code, HOME a temporary folder), getting the files byte for byte; a non-member gets
 * the 403; the default folder is remembered; a folder Aerostack did not unpack is never replaced;
 * list shows where it is and uninstall removes it. In a workspace it is listed as an agent-skill and
 * the gateway serves no tool for it; the team's onboarding script unpacks it into the member's agent.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { publishBody, request, signup } from '../helpers/api.js';
import { AEROSTACK_BIN, cliUser, signInAs, type CliResult, type CliUser } from '../helpers/cli.js';
import { cliExpect, keys, linesOf } from '../helpers/cli-expect.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { createIssueSkillTarball } from '../helpers/skills.js';
import { addMember } from '../helpers/teams.js';

const SKILL = '@acme/pdf-forms';
const GITHUB = '@acme/github';
const WS = 'acme-team';
/** What the skill itself is made of: these land in the agent folder exactly as written. */
const OWN_FILES = ['SKILL.md', 'references/REFERENCE.md', 'scripts/example.sh'];
const MARKER = '.aerostack-installed';

const { names, prints, ok, fails, json } = cliExpect();

describe('Agent Skills: publish as team, install into an agent folder (CLI end to end)', function () {
  this.timeout(120_000);
  this.slow(10_000);

  let r: TestRegistry;
  let acme: CliUser; // owner of @acme
  let alice: CliUser; // member
  let carol: CliUser; // member, Claude Code user
  let bob: CliUser; // signed in, not a member
  let work: string;
  const tokens: Record<string, string> = {};
  const homes: Record<string, string> = {};
  const src = () => path.join(work, 'pdf-forms');
  /** Each person's own HOME, so ~/.claude/skills is a temporary folder. */
  const as = (who: string) => ({ env: { HOME: homes[who]! } });

  async function sameFiles(folder: string): Promise<void> {
    for (const f of OWN_FILES)
      assert.ok(
        Buffer.compare(await readFile(path.join(folder, f)), await readFile(path.join(src(), f))) === 0,
        `${f} byte for byte in ${folder}`,
      );
  }

  before(async () => {
    r = await startTestRegistry();
    work = await mkdtemp(path.join(tmpdir(), 'aerostack-agent-skills-'));
    for (const who of ['acme', 'alice', 'carol', 'bob']) {
      tokens[who] = await signup(r.url, who);
      const home = path.join(work, `home-${who}`);
      homes[who] = home;
      await mkdir(home);
    }
    await addMember(r, 'acme', 'alice');
    await addMember(r, 'acme', 'carol');
    [acme, alice, carol, bob] = await Promise.all([cliUser(r.url), cliUser(r.url), cliUser(r.url), cliUser(r.url)]);
    names.set(acme, 'acme').set(alice, 'alice').set(carol, 'carol').set(bob, 'bob');
    for (const [u, who] of [
      [acme, 'acme'],
      [alice, 'alice'],
      [carol, 'carol'],
      [bob, 'bob'],
    ] as const)
      await signInAs(u, r.url, who, tokens[who]!);
  });

  after(async () => {
    await Promise.all([acme, alice, carol, bob].map((u) => u?.cleanup()));
    if (work) await rm(work, { recursive: true, force: true });
    await r?.close();
  });

  it('skill init --type agent-skill scaffolds SKILL.md, scripts/ and references/; it publishes as team as it is', async () => {
    await prints(
      acme,
      ['skill', 'init', 'pdf-forms', '--type', 'agent-skill'],
      [`✓ Created agent-skill "pdf-forms" in ${src()}`, '  next: cd pdf-forms && aerostack skill publish --dry-run'],
      { cwd: work },
    );
    assert.deepEqual((await readdir(src(), { recursive: true })).sort(), [
      '.aerostackignore',
      'README.md',
      'SKILL.md',
      'aerostack.json',
      'package.json',
      'references',
      'references/REFERENCE.md',
      'scripts',
      'scripts/example.sh',
    ]);
    assert.match(await readFile(path.join(src(), 'SKILL.md'), 'utf8'), /^---\nname: pdf-forms\ndescription: .+\n---\n/);
    await fails(
      acme,
      ['skill', 'init', 'pdf_forms', '--type', 'agent-skill'],
      2,
      '✗ invalid: "pdf_forms" is not a valid Agent Skill name: use lowercase letters, digits and single "-" (not first or last), such as pdf-forms',
      { cwd: work },
    );

    const published = await json(acme, ['skill', 'publish', '--private', 'team'], 0, { cwd: src() });
    assert.deepEqual([published.name, published.version, published.visibility], [SKILL, '0.1.0', 'team']);
  });

  it('the CLI refuses a bad SKILL.md before uploading, naming the field', async () => {
    const bad = path.join(work, 'bad-skill');
    await ok(acme, ['skill', 'init', 'bad-skill', '--type', 'agent-skill'], { cwd: work });
    await writeFile(path.join(bad, 'SKILL.md'), '---\nname: bad-skill\ndescription: ""\n---\n');
    await fails(acme, ['skill', 'publish'], 2, '✗ invalid: Invalid SKILL.md: description must not be empty', {
      cwd: bad,
    });
    await rm(path.join(bad, 'SKILL.md'));
    await fails(
      acme,
      ['skill', 'publish'],
      2,
      '✗ invalid: SKILL.md is missing: an Agent Skill (type "agent-skill") needs it at the package root',
      { cwd: bad },
    );
  });

  it('a member installs it with --dir: SKILL.md, scripts/ and references/ byte for byte; the folder becomes the default', async () => {
    const dir = path.join(work, 'alice-skills');
    await prints(
      alice,
      ['skill', 'install', SKILL, '--dir', dir],
      [
        '✓ Installed (team membership verified)',
        `✓ Agent Skill unpacked into ${dir}/pdf-forms`,
        `  Agent Skills now install into ${dir} by default`,
      ],
      as('alice'),
    );
    const folder = path.join(dir, 'pdf-forms');
    await sameFiles(folder);
    // The package as published (its package.json and aerostack.json too), plus Aerostack's marker.
    assert.deepEqual((await readdir(folder)).sort(), [
      MARKER,
      'README.md',
      'SKILL.md',
      'aerostack.json',
      'package.json',
      'references',
      'scripts',
    ]);
    assert.deepEqual(JSON.parse(await readFile(path.join(alice.configDir, 'config.json'), 'utf8')).agentSkills, {
      dir,
    });

    // Without a flag: the default. Already there, so nothing is downloaded.
    await prints(
      alice,
      ['skill', 'install', SKILL],
      [`✓ ${SKILL}@0.1.0 is already installed in ${folder}`],
      as('alice'),
    );
    const again = await json(alice, ['skill', 'install', SKILL], 0, as('alice'));
    assert.deepEqual(keys(again), ['alreadyInstalled', 'integrity', 'name', 'path', 'version', 'visibility']);
    assert.deepEqual([again.path, again.alreadyInstalled, again.visibility], [folder, true, 'team']);
  });

  it('a non-member gets exactly "✗ 403: You are not a member of @acme" and nothing is written', async () => {
    const dir = path.join(work, 'bob-skills');
    await fails(bob, ['skill', 'install', SKILL, '--dir', dir], 4, '✗ 403: You are not a member of @acme', as('bob'));
    await fails(
      bob,
      ['skill', 'install', SKILL, '--agent', 'claude-code'],
      4,
      '✗ 403: You are not a member of @acme',
      as('bob'),
    );
    assert.ok(!existsSync(dir));
    assert.ok(!existsSync(path.join(homes.bob!, '.claude')));
  });

  it('--agent claude-code lands in $HOME/.claude/skills/<name>/; with no flag and no default the CLI asks for one', async () => {
    await fails(
      carol,
      ['skill', 'install', SKILL],
      2,
      `✗ invalid: ${SKILL} is an Agent Skill: choose where it goes with --agent claude-code|codex or --dir PATH (the first choice is kept as your default)`,
      as('carol'),
    );
    await prints(
      carol,
      ['skill', 'install', SKILL, '--agent', 'claude-code'],
      [
        '✓ Installed (team membership verified)',
        '✓ Agent Skill unpacked into ~/.claude/skills/pdf-forms',
        '  Agent Skills now install into claude-code (~/.claude/skills) by default',
      ],
      as('carol'),
    );
    const claude = path.join(homes.carol!, '.claude', 'skills', 'pdf-forms');
    await sameFiles(claude);

    // Codex too: one place per skill, so it moves (the default stays Claude Code's unless --set-default).
    await prints(
      carol,
      ['skill', 'install', SKILL, '--agent', 'codex'],
      ['✓ Installed (team membership verified)', '✓ Agent Skill unpacked into ~/.agents/skills/pdf-forms'],
      as('carol'),
    );
    await sameFiles(path.join(homes.carol!, '.agents', 'skills', 'pdf-forms'));
    assert.ok(!existsSync(claude), 'the Claude Code copy was removed');
    await prints(
      carol,
      ['skill', 'install', SKILL],
      ['✓ Installed (team membership verified)', '✓ Agent Skill unpacked into ~/.claude/skills/pdf-forms'],
      as('carol'),
    );
    await sameFiles(claude);
    assert.deepEqual(JSON.parse(await readFile(path.join(carol.configDir, 'config.json'), 'utf8')).agentSkills, {
      agent: 'claude-code',
    });
  });

  it('never replaces a folder Aerostack did not unpack', async () => {
    const dir = path.join(work, 'hand-made');
    await mkdir(path.join(dir, 'pdf-forms'), { recursive: true });
    await writeFile(path.join(dir, 'pdf-forms', 'SKILL.md'), 'my own\n');
    await fails(
      alice,
      ['skill', 'install', SKILL, '--dir', dir],
      2,
      `✗ invalid: ${dir}/pdf-forms already exists and was not installed by aerostack: move it away, or install elsewhere with --dir PATH`,
      as('alice'),
    );
    assert.equal(await readFile(path.join(dir, 'pdf-forms', 'SKILL.md'), 'utf8'), 'my own\n');
    assert.deepEqual(await readdir(dir), ['pdf-forms'], 'no staging folder left behind');
  });

  it('skill list shows where it is installed; skill uninstall removes that folder only', async () => {
    const dir = path.join(work, 'alice-skills');
    const listed = await json(alice, ['skill', 'list'], 0, as('alice'));
    const row = listed.skills.find((s: any) => s.name === SKILL);
    assert.deepEqual(row, {
      name: SKILL,
      latest: '0.1.0',
      visibility: 'team',
      installed: '0.1.0',
      path: path.join(dir, 'pdf-forms'),
      source: 'team',
    });
    const out = await ok(alice, ['skill', 'list'], as('alice'));
    const [header, ...rows] = linesOf(out).map((l) => l.split(/ {2,}/));
    assert.deepEqual(header, ['SKILL', 'LATEST', 'VISIBILITY', 'INSTALLED', 'FOLDER']);
    assert.deepEqual(
      rows.find((r) => r[0] === SKILL),
      [SKILL, '0.1.0', 'team', '0.1.0', `${dir}/pdf-forms`],
    );

    await prints(
      alice,
      ['skill', 'uninstall', SKILL],
      [`✓ Uninstalled ${SKILL}@0.1.0 (removed ${dir}/pdf-forms)`],
      as('alice'),
    );
    assert.deepEqual(await readdir(dir), [], 'the skill folder is gone, the skills folder stays');
    await fails(alice, ['skill', 'uninstall', SKILL], 5, `✗ 404: ${SKILL} is not installed`, as('alice'));
  });

  describe('in a workspace', () => {
    let url: string;

    before(async () => {
      url = `${r.config.publicUrl}/ws/${WS}`;
      const tgz = createIssueSkillTarball(GITHUB, '1.0.0');
      const res = await request(r.url, 'PUT', `/${GITHUB.replace('/', '%2f')}`, {
        token: tokens.acme,
        body: publishBody(GITHUB, '1.0.0', tgz, { visibility: 'team' }),
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      await ok(acme, ['workspace', 'create', WS], as('acme'));
      await ok(acme, ['skill', 'install', GITHUB, '--workspace', WS], as('acme'));
    });

    it("the owner adds it to the workspace: listed as an agent-skill, and the gateway's tools/list has no tool for it", async () => {
      await prints(
        acme,
        ['skill', 'install', SKILL, '--workspace', WS, '--agent', 'claude-code'],
        [
          '✓ Installed (team membership verified)',
          '✓ Agent Skill unpacked into ~/.claude/skills/pdf-forms',
          '  Agent Skills now install into claude-code (~/.claude/skills) by default',
          `✓ Added to workspace ${WS}`,
        ],
        as('acme'),
      );
      const listed = await json(acme, ['workspace', 'skills', WS], 0, as('acme'));
      assert.deepEqual(
        listed.skills.map((s: any) => [s.name, s.type]),
        [
          [GITHUB, 'skill'],
          [SKILL, 'agent-skill'],
        ],
      );

      const token = (await json(acme, ['workspace', 'token', 'create', WS, '--name', 'Test', '--user', 'alice'])).token;
      const client = new Client({ name: 'agent-skills-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: `Bearer ${token}` } },
        }),
      );
      try {
        assert.deepEqual(
          (await client.listTools()).tools.map((t) => t.name),
          ['github__create_issue'],
        );
      } finally {
        await client.close();
      }
    });

    it("the onboarding script unpacks the workspace's Agent Skill into the member's agent folder", async () => {
      const script = path.join(work, 'team-setup.sh');
      await ok(acme, ['workspace', 'onboarding-script', WS, '--output', script], as('acme'));
      const lines = linesOf(await readFile(script, 'utf8'));
      assert.ok(lines.includes(`aerostack skill install ${GITHUB} --local`));
      assert.ok(
        lines.includes(
          `aerostack skill install ${SKILL} --local \${SKILLS_AGENT:+--agent "$SKILLS_AGENT"} \${SKILLS_DIR:+--dir "$SKILLS_DIR"}`,
        ),
        lines.join('\n'),
      );

      // A new laptop that already has this aerostack on its PATH (test/cli/onboarding.test.ts covers
      // installing the CLI itself), signed in with the member's token.
      const home = path.join(work, 'laptop');
      const bin = path.join(work, 'laptop-bin');
      await mkdir(home);
      await mkdir(bin);
      await writeFile(path.join(bin, 'aerostack'), `#!/bin/sh\nexec "${process.execPath}" "${AEROSTACK_BIN}" "$@"\n`);
      await chmod(path.join(bin, 'aerostack'), 0o755);
      const res = await bash(script, ['--agent', 'claude-code', '--client', 'print'], {
        HOME: home,
        PATH: [bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
        AEROSTACK_TOKEN: tokens.alice!,
      });
      assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
      const out = linesOf(res.stdout);
      assert.deepEqual(out.slice(0, 6), [
        `✓ Using workspace ${WS}`,
        '✓ Installed (team membership verified)',
        '✓ Installed (team membership verified)',
        '✓ Agent Skill unpacked into ~/.claude/skills/pdf-forms',
        '  Agent Skills now install into claude-code (~/.claude/skills) by default',
        '✓ All team skills installed.',
      ]);
      await sameFiles(path.join(home, '.claude', 'skills', 'pdf-forms'));
      const lock = JSON.parse(await readFile(path.join(home, '.aerostack', 'skills', 'aerostack-lock.json'), 'utf8'));
      assert.deepEqual(Object.keys(lock.skills).sort(), [GITHUB, SKILL]);
      assert.equal(lock.skills[SKILL].path, path.join(home, '.claude', 'skills', 'pdf-forms'));
    });
  });
});

/** bash runs the script in a clean environment (no AEROSTACK_*, npm_*, CI), stdin closed. */
function bash(script: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AEROSTACK_|npm_|NPM_CONFIG_)/i.test(k) && k !== 'CI'),
  );
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      cwd: env.HOME,
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
