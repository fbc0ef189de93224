/**
 * The `aerostack skill …` commands end to end: the BUILT binary run as a subprocess by several people
 * (acme, the namespace owner; alice, a member of @acme; bob, signed in but not a member; anonymous; a CI
 * job with only AEROSTACK_TOKEN) against one in-process registry. One story, in order: init → dry run →
 * publish → install (team membership verified) → list/search/info → versions, dist-tags, deprecate,
 * unpublish, access → uninstall → a tampered download → CI publish. Output lines, `--json` shapes,
 * exit codes and what lands on disk are asserted exactly (the product page's lines are the contract).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssri from 'ssri';
import { FsBlobStore } from '@aerostack/storage/fs-blob-store.js';
import { request } from '../helpers/api.js';
import { cliUser, type CliResult, type CliUser } from '../helpers/cli.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const PASSWORD = 'password123';
const CRM = '@acme/internal-crm-skill';
const DEV_TOOL = '@acme/my-dev-tool';
const MCP = '@acme/files-mcp';
const VERS = '@acme/vers';
const TAMPERED = '@acme/tampered';
const NOTES = '@bob/notes';

// Key sets of the `--json` outputs (the stable machine output CI scripts read).
const DRY_RUN_KEYS = [
  'bundled',
  'bundledSize',
  'dryRun',
  'fileCount',
  'files',
  'integrity',
  'name',
  'size',
  'tag',
  'unpackedSize',
  'version',
  'visibility',
];
const PUBLISH_KEYS = [
  'bundled',
  'bundledSize',
  'dryRun',
  'fileCount',
  'integrity',
  'name',
  'shasum',
  'size',
  'tag',
  'tags',
  'unpackedSize',
  'version',
  'visibility',
];
const INSTALL_KEYS = ['alreadyInstalled', 'integrity', 'name', 'path', 'version', 'visibility'];
const LIST_ROW_KEYS = ['installed', 'latest', 'name', 'path', 'source', 'visibility'];
const SEARCH_ROW_KEYS = ['description', 'name', 'version', 'visibility'];
const INFO_KEYS = ['description', 'distTags', 'name', 'provides', 'readmeSummary', 'type', 'versions', 'visibility'];
const INFO_VERSION_KEYS = ['deprecated', 'published', 'version'];
const LOCK_ENTRY_KEYS = ['installedAt', 'integrity', 'path', 'resolved', 'version', 'visibility'];
const FAILURE_KEYS = ['error', 'ok', 'status'];
const SHA512 = /^sha512-[A-Za-z0-9+/]{86}==$/;

// ---------------------------------------------------------------------------------------------------
// Running commands and checking what they printed.

interface Run extends CliResult {
  who: string;
  cmd: string;
}

const people = new Map<CliUser, string>();

async function sh(
  user: CliUser,
  args: string[],
  opts: { input?: string; env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<Run> {
  const res = await user.run(args, opts);
  return { ...res, who: people.get(user) ?? '?', cmd: `aerostack ${args.join(' ')}` };
}

const describeRun = (r: Run) =>
  `${r.who}$ ${r.cmd}\n  exit ${r.code}\n  stdout: ${JSON.stringify(r.stdout)}\n  stderr: ${JSON.stringify(r.stderr)}`;

function ok(r: Run): Run {
  assert.equal(r.code, 0, `expected success:\n${describeRun(r)}`);
  return r;
}

/** A failure: exactly this exit code, nothing on stdout, and exactly one `✗` line on stderr. */
function fails(r: Run, code: number, line: string | RegExp): Run {
  assert.equal(r.code, code, `expected exit ${code}:\n${describeRun(r)}`);
  assert.equal(r.stdout, '', `a failure prints nothing on stdout:\n${describeRun(r)}`);
  if (typeof line === 'string') assert.equal(r.stderr, `${line}\n`, describeRun(r));
  else {
    assert.match(r.stderr, /^✗ [^\n]+\n$/, describeRun(r));
    assert.match(r.stderr.trimEnd(), line, describeRun(r));
  }
  return r;
}

/** stdout is exactly these lines (strings compared exactly, regexps must match the whole line). */
function printed(r: Run, expected: (string | RegExp)[]): void {
  const lines = r.stdout.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, expected.length, `expected ${expected.length} lines:\n${describeRun(r)}`);
  expected.forEach((e, i) => {
    if (typeof e === 'string') assert.equal(lines[i], e, `line ${i + 1}:\n${describeRun(r)}`);
    else assert.match(lines[i]!, e, `line ${i + 1}:\n${describeRun(r)}`);
  });
}

function parseJson<T = any>(r: Run): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new assert.AssertionError({ message: `stdout is not JSON:\n${describeRun(r)}` });
  }
}

const keys = (o: object) => Object.keys(o).sort();

/** A table printed by `skill list` / `skill search`: header cells, then rows, split on the 2+ space gaps. */
function table(r: Run): { header: string[]; rows: string[][] } {
  const [header, ...rows] = r.stdout
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.split(/ {2,}/));
  return { header: header!, rows };
}

async function setManifest(dir: string, change: (m: Record<string, any>) => void): Promise<void> {
  const file = path.join(dir, 'aerostack.json');
  const m = JSON.parse(await readFile(file, 'utf8')) as Record<string, any>;
  change(m);
  await writeFile(file, JSON.stringify(m, null, 2) + '\n');
}

async function readLock(user: CliUser): Promise<{ lockfileVersion: number; skills: Record<string, any> }> {
  return JSON.parse(await readFile(path.join(user.configDir, 'skills', 'aerostack-lock.json'), 'utf8'));
}

const installedFolder = (user: CliUser, name: string, version?: string) =>
  path.join(user.configDir, 'skills', ...name.split('/'), ...(version ? [version] : []));

describe('aerostack skill (CLI end to end)', function () {
  this.timeout(60_000);
  this.slow(5_000);

  let r: TestRegistry;
  let acme: CliUser; // owner of @acme
  let alice: CliUser; // member of @acme
  let bob: CliUser; // signed in, not a member
  let anon: CliUser; // never signs in
  let work: string; // skill folders live here (a checkout), not in anyone's config folder
  const dirOf = (slug: string) => path.join(work, slug);
  const extraUsers: CliUser[] = [];

  /** The registry's own view of a version, over HTTP, as its owner sees it. */
  async function registryVersion(name: string, version: string) {
    const config = JSON.parse(await readFile(path.join(acme.configDir, 'config.json'), 'utf8'));
    const token = config.auth[new URL(r.url).origin].token as string;
    const res = await request(r.url, 'GET', `/${name.replace('/', '%2f')}`, { token });
    assert.equal(res.status, 200);
    return res.body.versions[version] as { dist: { integrity: string; tarball: string; shasum: string } };
  }

  /** Installs `spec` as a brand-new anonymous user (own config folder), so resolutions can run side by side. */
  async function freshInstall(spec: string): Promise<Run> {
    const u = await cliUser(r.url);
    people.set(u, 'fresh');
    extraUsers.push(u);
    return sh(u, ['skill', 'install', spec, '--json']);
  }

  before(async () => {
    r = await startTestRegistry();
    work = await mkdtemp(path.join(tmpdir(), 'aerostack-skills-work-'));
    [acme, alice, bob, anon] = await Promise.all([cliUser(r.url), cliUser(r.url), cliUser(r.url), cliUser(r.url)]);
    people.set(acme, 'acme').set(alice, 'alice').set(bob, 'bob').set(anon, 'anonymous');
    const signups = await Promise.all(
      (
        [
          [acme, 'acme'],
          [alice, 'alice'],
          [bob, 'bob'],
        ] as const
      ).map(([u, name]) =>
        sh(u, ['signup', '--username', name, '--email', `${name}@acme.test`, '--password-stdin'], {
          input: `${PASSWORD}\n`,
        }),
      ),
    );
    for (const s of signups) ok(s);
    // There is no team-invite command yet: alice joins @acme directly in the database.
    const { id } = await r.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'alice')
      .executeTakeFirstOrThrow();
    await r.db.insertInto('memberships').values({ namespace: 'acme', user_id: id, role: 'member' }).execute();
  });

  after(async () => {
    await Promise.all([acme, alice, bob, anon, ...extraUsers].map((u) => u?.cleanup()));
    if (work) await rm(work, { recursive: true, force: true });
    await r?.close();
  });

  // -------------------------------------------------------------------------------------------------
  describe('skill init', () => {
    it('scaffolds a "skill" folder and an "mcp" folder, with the signed-in namespace in package.json', async () => {
      const [skill, mcp, vers] = await Promise.all([
        sh(acme, ['skill', 'init', 'internal-crm-skill'], { cwd: work }),
        sh(acme, ['skill', 'init', dirOf('files-mcp'), '--type', 'mcp'], { cwd: work }),
        sh(acme, ['skill', 'init', 'vers', '--json'], { cwd: work }),
      ]);
      printed(ok(skill), [
        `✓ Created skill "internal-crm-skill" in ${dirOf('internal-crm-skill')}`,
        '  next: cd internal-crm-skill && aerostack skill publish --dry-run',
      ]);
      printed(ok(mcp), [
        `✓ Created mcp "files-mcp" in ${dirOf('files-mcp')}`,
        '  next: cd files-mcp && npm install && aerostack skill publish --dry-run',
      ]);
      assert.deepEqual(parseJson(ok(vers)), {
        name: 'vers',
        type: 'skill',
        dir: dirOf('vers'),
        files: ['.aerostackignore', 'README.md', 'aerostack.json', 'index.js', 'package.json'],
      });

      assert.deepEqual((await readdir(dirOf('internal-crm-skill'))).sort(), [
        '.aerostackignore',
        'README.md',
        'aerostack.json',
        'index.js',
        'package.json',
      ]);
      assert.deepEqual((await readdir(dirOf('files-mcp'))).sort(), [
        '.aerostackignore',
        'README.md',
        'aerostack.json',
        'package.json',
        'server.mjs',
      ]);
      const crm = JSON.parse(await readFile(path.join(dirOf('internal-crm-skill'), 'aerostack.json'), 'utf8'));
      assert.equal(crm.name, 'internal-crm-skill');
      assert.equal(crm.type, 'skill');
      assert.equal(crm.version, '0.1.0');
      assert.equal(crm.main, 'index.js');
      assert.equal(crm.tool.name, 'internal_crm_skill');
      assert.equal(crm.tool.input_schema.type, 'object');
      const mcpManifest = JSON.parse(await readFile(path.join(dirOf('files-mcp'), 'aerostack.json'), 'utf8'));
      assert.deepEqual([mcpManifest.type, mcpManifest.command, mcpManifest.args], ['mcp', 'node', ['server.mjs']]);
      const mcpPkg = JSON.parse(await readFile(path.join(dirOf('files-mcp'), 'package.json'), 'utf8'));
      assert.deepEqual(Object.keys(mcpPkg.dependencies).sort(), ['@modelcontextprotocol/sdk', 'zod']);
      const pkg = JSON.parse(await readFile(path.join(dirOf('internal-crm-skill'), 'package.json'), 'utf8'));
      assert.deepEqual([pkg.name, pkg.version, pkg.type], [CRM, '0.1.0', 'module']);
    });

    it('refuses a folder that is not empty (exit 2) unless --force, which keeps the other files', async () => {
      const before = await readFile(path.join(dirOf('internal-crm-skill'), 'index.js'), 'utf8');
      await writeFile(path.join(dirOf('internal-crm-skill'), 'index.js'), `${before}// my edit\n`);
      fails(
        await sh(acme, ['skill', 'init', 'internal-crm-skill'], { cwd: work }),
        2,
        `✗ invalid: ${dirOf('internal-crm-skill')} is not empty (use --force to write into it anyway)`,
      );
      assert.equal(
        await readFile(path.join(dirOf('internal-crm-skill'), 'index.js'), 'utf8'),
        `${before}// my edit\n`,
        'the refused init changed nothing',
      );
      await writeFile(path.join(dirOf('internal-crm-skill'), 'index.js'), before);

      await mkdir(dirOf('forced'));
      await writeFile(path.join(dirOf('forced'), 'NOTES.txt'), 'keep me');
      ok(await sh(acme, ['skill', 'init', 'forced', '--force'], { cwd: work }));
      assert.equal(await readFile(path.join(dirOf('forced'), 'NOTES.txt'), 'utf8'), 'keep me');
      assert.ok(existsSync(path.join(dirOf('forced'), 'aerostack.json')));
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('skill publish', () => {
    let crmIntegrity: string;

    it('--dry-run packs and validates each kind, prints name/version/size/integrity, uploads nothing', async () => {
      // What is never packed: .aerostackignore's entries (test/, *.log), .env*, and of node_modules all but
      // the production dependencies (bundled). Here the scaffold's two, as stand-ins for `npm install`
      // (test/cli/bundle.test.ts runs the real one).
      for (const [file, text] of [
        ['test/server.test.js', 'test'],
        ['debug.log', 'log'],
        ['.env', 'SECRET=1'],
        ['node_modules/dep/index.js', 'dep'],
        [
          'node_modules/@modelcontextprotocol/sdk/package.json',
          '{"name":"@modelcontextprotocol/sdk","version":"1.32.2"}',
        ],
        ['node_modules/zod/package.json', '{"name":"zod","version":"4.6.7"}'],
      ]) {
        await mkdir(path.dirname(path.join(dirOf('files-mcp'), file!)), { recursive: true });
        await writeFile(path.join(dirOf('files-mcp'), file!), text!);
      }
      const [skill, mcp] = await Promise.all([
        sh(acme, ['skill', 'publish', '--dry-run'], { cwd: dirOf('internal-crm-skill') }),
        sh(acme, ['skill', 'publish', '--dry-run', '--json'], { cwd: dirOf('files-mcp') }),
      ]);
      printed(ok(skill), [
        `  name:       ${CRM}`,
        '  version:    0.1.0',
        '  visibility: (unchanged; public if new)',
        /^ {2}size: {7}\d+(\.\d)? k?B \(4 files, \d+(\.\d)? k?B unpacked\)$/,
        /^ {2}integrity: {2}sha512-[A-Za-z0-9+/]{86}==$/,
        `✓ Dry run: ${CRM}@0.1.0 is ready to publish (nothing was uploaded)`,
      ]);
      crmIntegrity = skill.stdout.match(/integrity: {2}(\S+)/)![1]!;

      const dry = parseJson(ok(mcp));
      assert.deepEqual(keys(dry), DRY_RUN_KEYS);
      assert.equal(dry.name, MCP);
      assert.equal(dry.version, '0.1.0');
      assert.equal(dry.dryRun, true);
      assert.equal(dry.visibility, null, 'no --private: the visibility is left to the registry');
      assert.equal(dry.tag, 'latest');
      assert.deepEqual(
        dry.files,
        [
          'README.md',
          'aerostack.json',
          'node_modules/@modelcontextprotocol/sdk/package.json',
          'node_modules/zod/package.json',
          'package.json',
          'server.mjs',
        ],
        'ignored files are never packed',
      );
      assert.equal(dry.fileCount, 6);
      assert.deepEqual(dry.bundled, [
        { name: '@modelcontextprotocol/sdk', version: '1.32.2', path: 'node_modules/@modelcontextprotocol/sdk' },
        { name: 'zod', version: '4.6.7', path: 'node_modules/zod' },
      ]);
      assert.ok(dry.bundledSize > 0);
      assert.match(dry.integrity, SHA512);
      assert.ok(dry.size > 0 && dry.unpackedSize > dry.size);

      const skills = await r.db.selectFrom('skills').select('name').execute();
      assert.deepEqual(skills, [], 'a dry run uploads nothing');
    });

    it('--private team publishes a team skill; a member installs it with "✓ Installed (team membership verified)"', async () => {
      const pub = ok(await sh(acme, ['skill', 'publish', '--private', 'team'], { cwd: dirOf('internal-crm-skill') }));
      const lines = pub.stdout.trimEnd().split('\n');
      assert.equal(lines.at(-1), `✓ Published ${CRM}@0.1.0 (team)`, describeRun(pub));
      assert.ok(lines.includes('  visibility: team'), describeRun(pub));
      assert.ok(
        lines.includes(`  integrity:  ${crmIntegrity}`),
        'packing is reproducible: publish uploads what the dry run showed',
      );

      const install = ok(await sh(alice, ['skill', 'install', CRM]));
      assert.equal(install.stdout, '✓ Installed (team membership verified)\n', describeRun(install));
      assert.equal(install.stderr, '', describeRun(install));

      // The files, in <configDir>/skills/@acme/internal-crm-skill/0.1.0/
      const folder = installedFolder(alice, CRM, '0.1.0');
      assert.deepEqual((await readdir(folder)).sort(), ['README.md', 'aerostack.json', 'index.js', 'package.json']);
      assert.equal(
        await readFile(path.join(folder, 'index.js'), 'utf8'),
        await readFile(path.join(dirOf('internal-crm-skill'), 'index.js'), 'utf8'),
      );
      assert.deepEqual(
        JSON.parse(await readFile(path.join(folder, 'aerostack.json'), 'utf8')),
        JSON.parse(await readFile(path.join(dirOf('internal-crm-skill'), 'aerostack.json'), 'utf8')),
      );
      assert.equal(JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8')).name, CRM);

      // The lockfile records the version and the registry's sha512 integrity.
      const dist = (await registryVersion(CRM, '0.1.0')).dist;
      assert.equal(dist.integrity, crmIntegrity);
      const lock = await readLock(alice);
      assert.equal(lock.lockfileVersion, 1);
      assert.deepEqual(Object.keys(lock.skills), [CRM]);
      const entry = lock.skills[CRM];
      assert.deepEqual(keys(entry), LOCK_ENTRY_KEYS);
      assert.equal(entry.version, '0.1.0');
      assert.equal(entry.integrity, dist.integrity);
      assert.match(entry.integrity, SHA512);
      assert.equal(entry.resolved, dist.tarball);
      assert.equal(entry.visibility, 'team');
      assert.equal(entry.path, folder);
    });

    it('installing what is already installed succeeds (exit 0), also as --json', async () => {
      const again = ok(await sh(alice, ['skill', 'install', CRM]));
      assert.equal(again.stdout, `✓ ${CRM}@0.1.0 is already installed\n`, describeRun(again));
      const json = parseJson(ok(await sh(alice, ['skill', 'install', CRM, '--json'])));
      assert.deepEqual(keys(json), INSTALL_KEYS);
      assert.deepEqual(json, {
        name: CRM,
        version: '0.1.0',
        visibility: 'team',
        integrity: (await readLock(alice)).skills[CRM].integrity,
        path: installedFolder(alice, CRM, '0.1.0'),
        alreadyInstalled: true,
      });
    });

    it('a non-member gets exactly "✗ 403: You are not a member of @acme" (exit 4); anonymous gets 401; nothing is installed', async () => {
      const [bobs, anons, bobJson, bobNoAt] = await Promise.all([
        sh(bob, ['skill', 'install', CRM]),
        sh(anon, ['skill', 'install', CRM]),
        sh(bob, ['skill', 'install', CRM, '--json']),
        sh(bob, ['skill', 'install', 'acme/internal-crm-skill']),
      ]);
      fails(bobs, 4, '✗ 403: You are not a member of @acme');
      fails(bobNoAt, 4, '✗ 403: You are not a member of @acme');
      fails(anons, 4, /^✗ 401: .*Sign in.*@acme/);
      assert.equal(bobJson.code, 4);
      assert.equal(bobJson.stderr, '✗ 403: You are not a member of @acme\n');
      const failure = parseJson(bobJson);
      assert.deepEqual(keys(failure), FAILURE_KEYS);
      assert.deepEqual(failure, { ok: false, status: 403, error: 'You are not a member of @acme' });
      for (const u of [bob, anon])
        assert.equal(existsSync(path.join(u.configDir, 'skills')), false, `nothing installed for ${people.get(u)}`);
    });

    it('"--private" alone (with --name) publishes a private skill under the other name: 404 for everyone but its owner', async () => {
      // The flag may come before another flag too.
      const dry = parseJson(
        ok(
          await sh(acme, ['skill', 'publish', '--private', '--dry-run', '--json'], {
            cwd: dirOf('internal-crm-skill'),
          }),
        ),
      );
      assert.equal(dry.visibility, 'private');

      const pub = ok(
        await sh(acme, ['skill', 'publish', '--name', 'my-dev-tool', '--private'], {
          cwd: dirOf('internal-crm-skill'),
        }),
      );
      const lines = pub.stdout.trimEnd().split('\n');
      assert.equal(lines[0], `  name:       ${DEV_TOOL}`);
      assert.equal(lines.at(-1), `✓ Published ${DEV_TOOL}@0.1.0 (private)`);
      const row = await r.db
        .selectFrom('skills')
        .select(['slug', 'visibility'])
        .where('name', '=', DEV_TOOL)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { slug: 'my-dev-tool', visibility: 'private' });

      const [bobs, alices, anons, owner] = await Promise.all([
        sh(bob, ['skill', 'install', DEV_TOOL]),
        sh(alice, ['skill', 'install', DEV_TOOL]),
        sh(anon, ['skill', 'install', DEV_TOOL]),
        sh(acme, ['skill', 'info', DEV_TOOL]),
      ]);
      for (const f of [bobs, alices, anons]) fails(f, 5, `✗ 404: Skill ${DEV_TOOL} not found`);
      assert.equal(ok(owner).stdout.split('\n')[0], `${DEV_TOOL} (private)`);
      assert.equal((await readLock(alice)).skills[DEV_TOOL], undefined);
    });

    it('publishing the same version again is a 409 (exit 6) and keeps the published bytes', async () => {
      const before = (await registryVersion(CRM, '0.1.0')).dist.integrity;
      await writeFile(path.join(dirOf('internal-crm-skill'), 'extra.js'), 'export const changed = true;\n');
      try {
        const again = await sh(acme, ['skill', 'publish', '--private', 'team'], { cwd: dirOf('internal-crm-skill') });
        assert.equal(again.code, 6, describeRun(again));
        assert.match(again.stderr, /^✗ 409: [^\n]*@acme\/internal-crm-skill@0\.1\.0[^\n]*\n$/, describeRun(again));
        assert.ok(!again.stdout.includes('✓'), describeRun(again));
      } finally {
        await rm(path.join(dirOf('internal-crm-skill'), 'extra.js'));
      }
      assert.equal((await registryVersion(CRM, '0.1.0')).dist.integrity, before);
    });

    it('an invalid aerostack.json is refused before upload: "✗ invalid: …" naming the field, exit 2, nothing published', async () => {
      ok(await sh(acme, ['skill', 'init', 'broken'], { cwd: work }));
      await setManifest(dirOf('broken'), (m) => (m.tool.name = 'Not Snake'));
      const bad = fails(
        await sh(acme, ['skill', 'publish'], { cwd: dirOf('broken') }),
        2,
        /^✗ invalid: .*aerostack\.json.*tool\.name/,
      );
      assert.ok(!bad.stderr.includes('    at '), 'no stack trace');
      const badJson = await sh(acme, ['skill', 'publish', '--json'], { cwd: dirOf('broken') });
      assert.equal(badJson.code, 2);
      const failure = parseJson(badJson);
      assert.deepEqual(keys(failure), FAILURE_KEYS);
      assert.equal(failure.status, 'invalid');
      assert.match(failure.error, /tool\.name/);

      await writeFile(path.join(dirOf('broken'), 'aerostack.json'), '{ "name": "broken", ');
      fails(
        await sh(acme, ['skill', 'publish'], { cwd: dirOf('broken') }),
        2,
        /^✗ invalid: aerostack\.json is not valid JSON/,
      );
      await rm(path.join(dirOf('broken'), 'aerostack.json'));
      fails(
        await sh(acme, ['skill', 'publish'], { cwd: dirOf('broken') }),
        2,
        /^✗ invalid: No aerostack\.json in .*skill init/,
      );

      assert.equal(
        await r.db.selectFrom('skills').select('id').where('name', '=', '@acme/broken').executeTakeFirst(),
        undefined,
      );
    });

    it("publishing without a login is a 401 (exit 4); into someone else's namespace a 403", async () => {
      const [anonPub, bobPub] = await Promise.all([
        sh(anon, ['skill', 'publish'], { cwd: dirOf('files-mcp') }),
        sh(bob, ['skill', 'publish'], { cwd: dirOf('files-mcp') }),
      ]);
      assert.equal(anonPub.code, 4, describeRun(anonPub));
      assert.equal(anonPub.stderr, `✗ 401: Not signed in to ${r.url}: run aerostack login (or set AEROSTACK_TOKEN)\n`);
      assert.ok(!anonPub.stdout.includes('✓'));
      assert.equal(bobPub.code, 4, describeRun(bobPub));
      assert.equal(bobPub.stderr, '✗ 403: You do not have permission to publish to @acme\n');
      assert.equal(await r.db.selectFrom('skills').select('id').where('name', '=', MCP).executeTakeFirst(), undefined);
    });

    it('a public mcp skill installs for anyone, in the ns/skill form too', async () => {
      const pub = parseJson(ok(await sh(acme, ['skill', 'publish', '--json'], { cwd: dirOf('files-mcp') })));
      assert.deepEqual(keys(pub), PUBLISH_KEYS);
      assert.equal(pub.name, MCP);
      assert.equal(pub.version, '0.1.0');
      assert.equal(pub.visibility, 'public');
      assert.equal(pub.dryRun, false);
      assert.deepEqual(pub.tags, ['latest']);
      assert.equal(pub.integrity, (await registryVersion(MCP, '0.1.0')).dist.integrity);

      const [bobs, anons] = await Promise.all([
        sh(bob, ['skill', 'install', 'acme/files-mcp']),
        sh(anon, ['skill', 'install', 'acme/files-mcp', '--json']),
      ]);
      assert.equal(ok(bobs).stdout, `✓ Installed ${MCP}@0.1.0\n`);
      const json = parseJson(ok(anons));
      assert.deepEqual(keys(json), INSTALL_KEYS);
      assert.deepEqual(
        [json.name, json.version, json.visibility, json.alreadyInstalled],
        [MCP, '0.1.0', 'public', false],
      );
      assert.equal(json.path, installedFolder(anon, MCP, '0.1.0'));
      assert.ok(existsSync(path.join(installedFolder(bob, MCP, '0.1.0'), 'server.mjs')));
      assert.ok(existsSync(path.join(installedFolder(bob, MCP, '0.1.0'), 'node_modules', 'zod', 'package.json')));
      assert.equal((await readLock(bob)).skills[MCP].version, '0.1.0');
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('skill list, search, info', () => {
    before(async () => {
      // bob publishes a public skill of his own, which alice installs (a skill she only has installed).
      ok(await sh(bob, ['skill', 'init', 'notes'], { cwd: work }));
      ok(await sh(bob, ['skill', 'publish'], { cwd: dirOf('notes') }));
      ok(await sh(alice, ['skill', 'install', NOTES]));
    });

    it("the owner sees all its skills; a member sees the team's (not private) ones plus what it installed; others do not", async () => {
      const [owner, member, memberJson, other, nobody] = await Promise.all([
        sh(acme, ['skill', 'list', '--json']),
        sh(alice, ['skill', 'list']),
        sh(alice, ['skill', 'list', '--json']),
        sh(bob, ['skill', 'list']),
        sh(anon, ['skill', 'list']),
      ]);
      const mine = parseJson(ok(owner));
      assert.deepEqual(keys(mine), ['skills']);
      for (const s of mine.skills) assert.deepEqual(keys(s), LIST_ROW_KEYS);
      assert.deepEqual(
        mine.skills.map((s: any) => [s.name, s.latest, s.visibility, s.installed, s.source]),
        [
          [MCP, '0.1.0', 'public', null, 'yours'],
          [CRM, '0.1.0', 'team', null, 'yours'],
          [DEV_TOOL, '0.1.0', 'private', null, 'yours'],
        ],
      );

      const t = table(ok(member));
      assert.deepEqual(t.header, ['SKILL', 'LATEST', 'VISIBILITY', 'INSTALLED']);
      assert.deepEqual(t.rows, [
        [MCP, '0.1.0', 'public', '-'],
        [CRM, '0.1.0', 'team', '0.1.0'],
        [NOTES, '0.1.0', 'public', '0.1.0'],
      ]);
      assert.deepEqual(
        parseJson(ok(memberJson)).skills.map((s: any) => [s.name, s.source]),
        [
          [MCP, 'team'],
          [CRM, 'team'],
          [NOTES, 'installed'],
        ],
      );

      const b = table(ok(other));
      assert.deepEqual(b.header, ['SKILL', 'LATEST', 'VISIBILITY', 'INSTALLED']);
      assert.deepEqual(b.rows, [
        [MCP, '0.1.0', 'public', '0.1.0'],
        [NOTES, '0.1.0', 'public', '-'],
      ]);
      assert.ok(!other.stdout.includes(CRM) && !other.stdout.includes(DEV_TOOL));

      const a = table(ok(nobody));
      assert.deepEqual(a.rows, [[MCP, '0.1.0', 'public', '0.1.0']], describeRun(nobody));
    });

    it('search is the public marketplace for everyone: member, owner and anonymous see public skills only', async () => {
      const [member, memberText, owner, other, nobody, pub] = await Promise.all([
        sh(alice, ['skill', 'search', 'acme', '--json']),
        sh(alice, ['skill', 'search', 'crm']),
        sh(acme, ['skill', 'search', 'acme', '--json']),
        sh(bob, ['skill', 'search', 'crm']),
        sh(anon, ['skill', 'search', 'acme', '--json']),
        sh(anon, ['skill', 'search', 'files']),
      ]);
      const publicOnly = {
        total: 1,
        results: [{ name: MCP, version: '0.1.0', visibility: 'public', description: 'The files-mcp MCP server' }],
      };
      const found = parseJson(ok(member));
      assert.deepEqual(keys(found), ['results', 'total']);
      for (const row of found.results) assert.deepEqual(keys(row), SEARCH_ROW_KEYS);
      assert.deepEqual(found, publicOnly, 'a member does not find the team skill in the marketplace');
      assert.deepEqual(parseJson(ok(owner)), publicOnly, 'nor does the owner find its team and private skills');
      assert.deepEqual(parseJson(ok(nobody)), publicOnly);
      assert.equal(ok(memberText).stdout, 'No skills match "crm"\n');
      assert.equal(ok(other).stdout, 'No skills match "crm"\n');
      const t = table(ok(pub));
      assert.deepEqual(t.header, ['SKILL', 'VERSION', 'VISIBILITY', 'DESCRIPTION']);
      assert.deepEqual(t.rows, [[MCP, '0.1.0', 'public', 'The files-mcp MCP server']]);
    });

    it('search --team finds the team and private skills each may read: member the team skill, owner both, others none', async () => {
      const [member, memberText, owner, other, nobody] = await Promise.all([
        sh(alice, ['skill', 'search', 'acme', '--team', '--json']),
        sh(alice, ['skill', 'search', 'crm', '--team']),
        sh(acme, ['skill', 'search', 'acme', '--team', '--json']),
        sh(bob, ['skill', 'search', 'crm', '--team']),
        sh(anon, ['skill', 'search', 'acme', '--team', '--json']),
      ]);
      assert.deepEqual(parseJson(ok(member)), {
        total: 1,
        results: [{ name: CRM, version: '0.1.0', visibility: 'team', description: 'The internal-crm-skill skill' }],
      });
      const t = table(ok(memberText));
      assert.deepEqual(t.header, ['SKILL', 'VERSION', 'VISIBILITY', 'DESCRIPTION']);
      assert.deepEqual(t.rows, [[CRM, '0.1.0', 'team', 'The internal-crm-skill skill']]);
      const mine = parseJson(ok(owner));
      assert.equal(mine.total, 2);
      assert.deepEqual(mine.results.map((r: any) => [r.name, r.visibility]).sort(), [
        [CRM, 'team'],
        [DEV_TOOL, 'private'],
      ]);
      assert.equal(ok(other).stdout, 'No skills match "crm"\n');
      assert.deepEqual(parseJson(ok(nobody)), { total: 0, results: [] });
    });

    it('info shows visibility, dist-tags, versions, type and the readme summary (text and --json)', async () => {
      const [text, json, mcp, other] = await Promise.all([
        sh(alice, ['skill', 'info', CRM]),
        sh(alice, ['skill', 'info', CRM, '--json']),
        sh(anon, ['skill', 'info', 'acme/files-mcp', '--json']),
        sh(bob, ['skill', 'info', CRM]),
      ]);
      const info = parseJson(ok(json));
      assert.deepEqual(keys(info), INFO_KEYS);
      assert.equal(info.versions.length, 1);
      assert.deepEqual(keys(info.versions[0]), INFO_VERSION_KEYS);
      const published = info.versions[0].published as string;
      assert.ok(!Number.isNaN(Date.parse(published)));
      assert.deepEqual(info, {
        name: CRM,
        description: 'The internal-crm-skill skill',
        visibility: 'team',
        distTags: { latest: '0.1.0' },
        versions: [{ version: '0.1.0', published, deprecated: null }],
        type: 'skill',
        provides: {
          name: CRM,
          version: '0.1.0',
          type: 'skill',
          tools: [
            {
              name: 'internal_crm_skill',
              description: 'Echo a message back (replace with what internal-crm-skill does)',
              inputSchema: {
                type: 'object',
                properties: { message: { type: 'string', description: 'What to echo' } },
                required: ['message'],
              },
            },
          ],
          toolsCapturedAt: null,
          toolsTruncated: false,
          skillMd: null,
          files: info.provides.files,
          fileCount: info.provides.files.length,
          env: [],
          network: [],
        },
        readmeSummary: 'The internal-crm-skill skill.',
      });
      assert.ok(info.provides.files.includes('index.js'));
      printed(ok(text), [
        `${CRM} (team)`,
        'The internal-crm-skill skill',
        '',
        'dist-tags: latest: 0.1.0',
        'versions:  0.1.0',
        'type:      skill  tool: internal_crm_skill',
        `published: ${published.slice(0, 10)}  created: ${published.slice(0, 10)}`,
        '',
        'Provides (0.1.0):',
        '',
        'Tool internal_crm_skill',
        '  Echo a message back (replace with what internal-crm-skill does)',
        '  ARGUMENT  TYPE    REQUIRED  DESCRIPTION',
        '  message   string  yes       What to echo',
        '',
        'Secrets:   none',
        'Network:   none',
        /^Files \(\d+\): .*index\.js/,
        '',
        'The internal-crm-skill skill.',
      ]);
      const m = parseJson(ok(mcp));
      assert.deepEqual(
        [m.name, m.type, m.visibility, m.readmeSummary],
        [
          MCP,
          'mcp',
          'public',
          'The files-mcp MCP server: a stdio MCP server on the official SDK (`@modelcontextprotocol/sdk`, `zod`).',
        ],
      );
      fails(other, 4, '✗ 403: You are not a member of @acme');
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('versions, dist-tags, deprecate, unpublish, access', () => {
    before(async () => {
      // 1.0.0, 1.0.1, 1.1.0, then 1.2.0 under `next` and a 2.0 prerelease under `beta`.
      for (const [version, tag] of [['1.0.0'], ['1.0.1'], ['1.1.0'], ['1.2.0', 'next'], ['2.0.0-beta.1', 'beta']] as [
        string,
        string?,
      ][]) {
        await setManifest(dirOf('vers'), (m) => (m.version = version));
        const pub = ok(await sh(acme, ['skill', 'publish', ...(tag ? ['--tag', tag] : [])], { cwd: dirOf('vers') }));
        assert.equal(pub.stdout.trimEnd().split('\n').at(-1), `✓ Published ${VERS}@${version} (public)`);
      }
    });

    it('dist-tag add | ls | rm', async () => {
      // Roll `latest` back to 1.1.0 (1.2.0 stays reachable as `next`).
      assert.equal(
        ok(await sh(acme, ['skill', 'dist-tag', 'add', `${VERS}@1.1.0`, 'latest'])).stdout,
        `✓ latest: ${VERS}@1.1.0\n`,
      );
      assert.equal(
        ok(await sh(acme, ['skill', 'dist-tag', 'add', `${VERS}@1.0.0`, 'stable'])).stdout,
        `✓ stable: ${VERS}@1.0.0\n`,
      );
      const [ls, lsJson, stable] = await Promise.all([
        sh(anon, ['skill', 'dist-tag', 'ls', VERS]),
        sh(bob, ['skill', 'dist-tag', 'ls', 'acme/vers', '--json']),
        freshInstall(`${VERS}@stable`),
      ]);
      printed(ok(ls), ['beta: 2.0.0-beta.1', 'latest: 1.1.0', 'next: 1.2.0', 'stable: 1.0.0']);
      assert.deepEqual(parseJson(ok(lsJson)), {
        name: VERS,
        tags: { beta: '2.0.0-beta.1', latest: '1.1.0', next: '1.2.0', stable: '1.0.0' },
      });
      assert.equal(parseJson(ok(stable)).version, '1.0.0');

      const rmJson = parseJson(ok(await sh(acme, ['skill', 'dist-tag', 'rm', VERS, 'stable', '--json'])));
      assert.deepEqual(rmJson, { name: VERS, tags: { beta: '2.0.0-beta.1', latest: '1.1.0', next: '1.2.0' } });
      const [rmLatest, bobAdd, rmMissing] = await Promise.all([
        sh(acme, ['skill', 'dist-tag', 'rm', VERS, 'latest']),
        sh(bob, ['skill', 'dist-tag', 'add', `${VERS}@1.0.0`, 'evil']),
        sh(acme, ['skill', 'dist-tag', 'rm', VERS, 'stable']),
      ]);
      fails(rmLatest, 2, '✗ 400: The latest tag cannot be removed; point it at another version instead');
      fails(bobAdd, 4, '✗ 403: You do not have permission to publish to @acme');
      fails(rmMissing, 5, /^✗ 404: .*stable/);
      printed(ok(await sh(anon, ['skill', 'dist-tag', 'ls', VERS])), [
        'beta: 2.0.0-beta.1',
        'latest: 1.1.0',
        'next: 1.2.0',
      ]);
    });

    it('install resolves exact versions, ranges and tags as npm does', async () => {
      // npm (npm-pick-manifest): a tag or exact version is that version; a range prefers the `latest`
      // tag when it satisfies the range, else the highest match; prereleases only for ranges naming them.
      const cases: [string, string][] = [
        [VERS, '1.1.0'],
        [`${VERS}@latest`, '1.1.0'],
        [`${VERS}@1.0.0`, '1.0.0'],
        [`${VERS}@~1.0`, '1.0.1'],
        ['acme/vers@~1.0', '1.0.1'],
        [`${VERS}@^1`, '1.1.0'],
        [`${VERS}@*`, '1.1.0'],
        [`${VERS}@>1.1.0`, '1.2.0'],
        [`${VERS}@1.2.x`, '1.2.0'],
        [`${VERS}@next`, '1.2.0'],
        [`${VERS}@beta`, '2.0.0-beta.1'],
        [`${VERS}@^2.0.0-beta.0`, '2.0.0-beta.1'],
      ];
      const results = await Promise.all(cases.map(([spec]) => freshInstall(spec)));
      const got = results.map((res) =>
        res.code === 0 ? parseJson(res).version : `exit ${res.code}: ${res.stderr.trim()}`,
      );
      assert.deepEqual(
        cases.map(([spec], i) => `${spec} → ${got[i]}`),
        cases.map(([spec, want]) => `${spec} → ${want}`),
      );
      const one = results[2]!;
      assert.ok(existsSync(path.join(JSON.parse(one.stdout).path, 'index.js')));

      const [major2, missing, noTag] = await Promise.all([
        freshInstall(`${VERS}@^2`),
        freshInstall(`${VERS}@9.9.9`),
        freshInstall(`${VERS}@nosuchtag`),
      ]);
      for (const [res, line] of [
        [major2, `✗ 404: No version of ${VERS} matches "^2"`],
        [missing, `✗ 404: ${VERS}@9.9.9 not found`],
        [noTag, `✗ 404: No version of ${VERS} matches "nosuchtag"`],
      ] as const) {
        assert.equal(res.code, 5, describeRun(res));
        assert.equal(res.stderr, `${line}\n`, describeRun(res));
        assert.deepEqual(parseJson(res), { ok: false, status: 404, error: line.slice('✗ 404: '.length) });
      }
    });

    it('deprecate: info shows it, installing that version warns on stderr, ranges avoid deprecated versions', async () => {
      const dep = ok(await sh(acme, ['skill', 'deprecate', `${VERS}@1.0.0`, 'use 1.1.0 or later']));
      assert.equal(dep.stdout, `✓ Deprecated ${VERS}@1.0.0\n`);
      const [info, text, install] = await Promise.all([
        sh(anon, ['skill', 'info', VERS, '--json']),
        sh(anon, ['skill', 'info', VERS]),
        sh(bob, ['skill', 'install', `${VERS}@1.0.0`]),
      ]);
      const versions = parseJson(ok(info)).versions as { version: string; deprecated: string | null }[];
      assert.deepEqual(
        versions.map((v) => [v.version, v.deprecated]),
        [
          ['1.0.0', 'use 1.1.0 or later'],
          ['1.0.1', null],
          ['1.1.0', null],
          ['1.2.0', null],
          ['2.0.0-beta.1', null],
        ],
      );
      assert.ok(
        ok(text).stdout.includes('versions:  1.0.0 (deprecated), 1.0.1, 1.1.0, 1.2.0, 2.0.0-beta.1\n'),
        describeRun(text),
      );
      assert.equal(ok(install).stdout, `✓ Installed ${VERS}@1.0.0\n`);
      assert.equal(install.stderr, `! ${VERS}@1.0.0 is deprecated: use 1.1.0 or later\n`);

      // An empty message undeprecates; then deprecating 1.0.1 makes "~1.0" pick 1.0.0, as npm does.
      assert.equal(
        ok(await sh(acme, ['skill', 'deprecate', `${VERS}@1.0.0`, ''])).stdout,
        `✓ Undeprecated ${VERS}@1.0.0\n`,
      );
      ok(await sh(acme, ['skill', 'deprecate', `${VERS}@1.0.1`, 'broken build']));
      const [tilde, exact, after] = await Promise.all([
        freshInstall(`${VERS}@~1.0`),
        freshInstall(`${VERS}@1.0.1`),
        sh(anon, ['skill', 'info', VERS, '--json']),
      ]);
      assert.equal(parseJson(ok(tilde)).version, '1.0.0', describeRun(tilde));
      assert.equal(tilde.stderr, '');
      assert.equal(parseJson(ok(exact)).version, '1.0.1');
      assert.equal(exact.stderr, `! ${VERS}@1.0.1 is deprecated: broken build\n`);
      assert.deepEqual(
        parseJson(ok(after))
          .versions.filter((v: any) => v.deprecated)
          .map((v: any) => v.version),
        ['1.0.1'],
      );
    });

    it('unpublish removes a version for good: gone from info and install, and its number cannot be republished (409)', async () => {
      const un = ok(await sh(acme, ['skill', 'unpublish', `${VERS}@1.2.0`]));
      assert.equal(un.stdout, `✓ Unpublished ${VERS}@1.2.0\n`);
      const [info, install, again, noVersion] = await Promise.all([
        sh(anon, ['skill', 'info', VERS, '--json']),
        freshInstall(`${VERS}@1.2.0`),
        sh(acme, ['skill', 'unpublish', `${VERS}@1.2.0`]),
        sh(acme, ['skill', 'unpublish', VERS]),
      ]);
      const doc = parseJson(ok(info));
      assert.deepEqual(
        doc.versions.map((v: any) => v.version),
        ['1.0.0', '1.0.1', '1.1.0', '2.0.0-beta.1'],
      );
      assert.deepEqual(
        doc.distTags,
        { beta: '2.0.0-beta.1', latest: '1.1.0' },
        'the tag pointing at the unpublished version is gone',
      );
      assert.equal(install.code, 5, describeRun(install));
      assert.equal(install.stderr, `✗ 404: ${VERS}@1.2.0 not found\n`);
      fails(again, 5, `✗ 404: ${VERS}@1.2.0 not found`);
      fails(noVersion, 2, `✗ invalid: Say which version to unpublish (${VERS}@1.2.3), or use --all for every version`);

      await setManifest(dirOf('vers'), (m) => (m.version = '1.2.0'));
      const republish = await sh(acme, ['skill', 'publish'], { cwd: dirOf('vers') });
      assert.equal(republish.code, 6, describeRun(republish));
      assert.match(republish.stderr, /^✗ 409: [^\n]*@acme\/vers@1\.2\.0[^\n]*\n$/);
    });

    it('access public | team | private decides who may install, at once', async () => {
      const team = ok(await sh(acme, ['skill', 'access', VERS, 'team']));
      assert.equal(team.stdout, `✓ ${VERS} is now team\n`);
      const [bobs, alices, anons] = await Promise.all([
        sh(bob, ['skill', 'install', VERS]),
        sh(alice, ['skill', 'install', VERS]),
        sh(anon, ['skill', 'install', VERS]),
      ]);
      fails(bobs, 4, '✗ 403: You are not a member of @acme');
      assert.equal(ok(alices).stdout, '✓ Installed (team membership verified)\n');
      fails(anons, 4, /^✗ 401: /);

      const priv = parseJson(ok(await sh(acme, ['skill', 'access', VERS, 'private', '--json'])));
      assert.deepEqual(priv, { name: VERS, visibility: 'private' });
      const [privBobs, privAlices] = await Promise.all([
        sh(bob, ['skill', 'install', VERS]),
        sh(alice, ['skill', 'install', '--json', VERS]),
      ]);
      fails(privBobs, 5, `✗ 404: Skill ${VERS} not found`);
      assert.equal(privAlices.code, 5, describeRun(privAlices));

      const [bobChange, pub] = [
        await sh(bob, ['skill', 'access', VERS, 'public']),
        await sh(acme, ['skill', 'access', VERS, 'public']),
      ];
      fails(bobChange, 5, `✗ 404: Skill ${VERS} not found`);
      assert.equal(ok(pub).stdout, `✓ ${VERS} is now public\n`);
      const pubBobs = ok(await sh(bob, ['skill', 'install', VERS]));
      assert.equal(pubBobs.stdout, `✓ Installed ${VERS}@1.1.0\n`);
      assert.equal((await readLock(bob)).skills[VERS].version, '1.1.0', "the newer install replaced bob's 1.0.0");
      assert.equal(existsSync(installedFolder(bob, VERS, '1.0.0')), false);
      fails(await sh(acme, ['skill', 'access', VERS, 'secret']), 2, /^✗ invalid: /);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('skill uninstall', () => {
    it('removes the files and the lock entry, keeps the rest; a second uninstall is a 404', async () => {
      const un = ok(await sh(alice, ['skill', 'uninstall', CRM]));
      assert.equal(un.stdout, `✓ Uninstalled ${CRM}@0.1.0\n`);
      assert.equal(existsSync(installedFolder(alice, CRM)), false);
      const lock = await readLock(alice);
      assert.equal(lock.skills[CRM], undefined);
      assert.deepEqual(Object.keys(lock.skills).sort(), [VERS, NOTES]);
      assert.ok(existsSync(installedFolder(alice, NOTES, '0.1.0')));

      const [again, list] = await Promise.all([
        sh(alice, ['skill', 'uninstall', CRM]),
        sh(alice, ['skill', 'list', '--json']),
      ]);
      fails(again, 5, `✗ 404: ${CRM} is not installed`);
      const crmRow = parseJson(ok(list)).skills.find((s: any) => s.name === CRM);
      assert.deepEqual(crmRow, {
        name: CRM,
        latest: '0.1.0',
        visibility: 'team',
        installed: null,
        path: null,
        source: 'team',
      });
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('a tampered download', () => {
    let blobRoot: string;
    let blobFile: string;
    let original: Buffer;
    let goodIntegrity: string;

    before(async () => {
      ok(await sh(acme, ['skill', 'init', 'tampered'], { cwd: work }));
      ok(await sh(acme, ['skill', 'publish', '--private', 'team'], { cwd: dirOf('tampered') }));
      const row = await r.db
        .selectFrom('skill_versions')
        .innerJoin('skills', 'skills.id', 'skill_versions.skill_id')
        .select(['skill_versions.blob_key', 'skill_versions.integrity'])
        .where('skills.name', '=', TAMPERED)
        .executeTakeFirstOrThrow();
      assert.ok(r.blobs instanceof FsBlobStore, 'the test registry stores tarballs on the filesystem');
      blobRoot = r.blobs.rootDir;
      blobFile = path.join(blobRoot, ...row.blob_key.split('/'));
      original = await readFile(blobFile);
      goodIntegrity = row.integrity;
      assert.ok(ssri.checkData(original, goodIntegrity));
    });

    const assertNothingInstalled = async () => {
      assert.equal(existsSync(installedFolder(alice, TAMPERED)), false, 'no folder for the refused skill');
      assert.equal((await readLock(alice)).skills[TAMPERED], undefined, 'no lockfile entry');
      const leftovers = (await readdir(path.join(alice.configDir, 'skills'))).filter((f) => f.startsWith('.'));
      assert.deepEqual(leftovers, [], 'no staging folder left behind');
    };

    it('is refused when the registry serves other bytes than the integrity it publishes, leaving nothing', async () => {
      // Another valid skill tarball in place of this version's bytes, written behind the store's back.
      const other = await readFile(path.join(blobRoot, ...(await blobKeyOf(MCP)).split('/')));
      assert.notDeepEqual(other, original);
      await writeFile(blobFile, other);
      try {
        const res = await sh(alice, ['skill', 'install', TAMPERED]);
        assert.notEqual(res.code, 0, describeRun(res));
        assert.equal(res.stdout, '', describeRun(res));
        assert.match(
          res.stderr,
          new RegExp(`^✗ \\S+: Integrity check failed for ${TAMPERED}@0\\.1\\.0: [^\\n]*nothing was installed\\n$`),
          describeRun(res),
        );
        await assertNothingInstalled();
      } finally {
        await writeFile(blobFile, original);
      }
    });

    it('is refused when the published integrity does not match the bytes (a wrong sha512 in the database)', async () => {
      const wrong = ssri.fromData(Buffer.from('something else entirely'), { algorithms: ['sha512'] }).toString();
      await r.db
        .updateTable('skill_versions')
        .set({ integrity: wrong })
        .where('blob_key', '=', await blobKeyOf(TAMPERED))
        .execute();
      try {
        const res = await sh(alice, ['skill', 'install', TAMPERED, '--json']);
        assert.notEqual(res.code, 0, describeRun(res));
        assert.match(res.stderr, /Integrity check failed/, describeRun(res));
        const failure = parseJson(res);
        assert.deepEqual(keys(failure), FAILURE_KEYS);
        assert.match(failure.error, /^Integrity check failed for @acme\/tampered@0\.1\.0/);
        await assertNothingInstalled();
      } finally {
        await r.db
          .updateTable('skill_versions')
          .set({ integrity: goodIntegrity })
          .where('blob_key', '=', await blobKeyOf(TAMPERED))
          .execute();
      }
      // With the real bytes back, the same install goes through.
      assert.equal(
        ok(await sh(alice, ['skill', 'install', TAMPERED])).stdout,
        '✓ Installed (team membership verified)\n',
      );
      assert.equal((await readLock(alice)).skills[TAMPERED].integrity, goodIntegrity);
    });

    async function blobKeyOf(name: string): Promise<string> {
      const row = await r.db
        .selectFrom('skill_versions')
        .innerJoin('skills', 'skills.id', 'skill_versions.skill_id')
        .select('skill_versions.blob_key')
        .where('skills.name', '=', name)
        .executeTakeFirstOrThrow();
      return row.blob_key;
    }
  });

  // -------------------------------------------------------------------------------------------------
  describe('in CI', () => {
    it('publishes with CI=true, AEROSTACK_TOKEN, an empty config folder and stdin closed', async () => {
      const created = parseJson(ok(await sh(acme, ['token', 'create', '--name', 'ci', '--json'])));
      assert.match(created.token, /^aer_/);
      assert.equal(created.name, 'ci');
      assert.equal(created.readonly, false);

      // The skill folder is a checkout made without any login (package.json carries no scope).
      ok(await sh(anon, ['skill', 'init', 'ci-skill'], { cwd: work }));
      assert.equal(JSON.parse(await readFile(path.join(dirOf('ci-skill'), 'package.json'), 'utf8')).name, 'ci-skill');

      const ci = await cliUser(r.url);
      people.set(ci, 'ci');
      extraUsers.push(ci);
      assert.deepEqual(await readdir(ci.configDir), []);
      const env = { CI: 'true', AEROSTACK_TOKEN: created.token as string };

      const noToken = await sh(ci, ['skill', 'publish'], { cwd: dirOf('ci-skill'), env: { CI: 'true' } });
      assert.equal(noToken.code, 4, describeRun(noToken));
      assert.match(noToken.stderr, /^✗ 401: Not signed in/);

      const pub = ok(await sh(ci, ['skill', 'publish', '--private', 'team'], { cwd: dirOf('ci-skill'), env }));
      assert.equal(
        pub.stdout.trimEnd().split('\n').at(-1),
        '✓ Published @acme/ci-skill@0.1.0 (team)',
        describeRun(pub),
      );
      assert.equal(pub.stderr, '');

      await setManifest(dirOf('ci-skill'), (m) => (m.version = '0.2.0'));
      const json = parseJson(ok(await sh(ci, ['skill', 'publish', '--json'], { cwd: dirOf('ci-skill'), env })));
      assert.deepEqual(keys(json), PUBLISH_KEYS);
      assert.deepEqual(
        [json.name, json.version, json.visibility, json.dryRun],
        ['@acme/ci-skill', '0.2.0', 'team', false],
      );
      assert.match(json.integrity, SHA512);

      assert.deepEqual(await readdir(ci.configDir), [], 'CI saves no login and no config');
      assert.equal(
        ok(await sh(alice, ['skill', 'install', '@acme/ci-skill@^0.1'])).stdout,
        '✓ Installed (team membership verified)\n',
      );
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('after the unpublish window', () => {
    it('unpublishing a version older than 72 hours is refused; deprecate instead', async () => {
      r.clock.advance(73 * 3_600_000);
      fails(
        await sh(acme, ['skill', 'unpublish', `${VERS}@1.1.0`]),
        4,
        `✗ 403: ${VERS}@1.1.0 was published more than 72 hours ago and cannot be unpublished; deprecate it instead`,
      );
      assert.deepEqual(
        parseJson(ok(await sh(anon, ['skill', 'info', VERS, '--json']))).versions.map((v: any) => v.version),
        ['1.0.0', '1.0.1', '1.1.0', '2.0.0-beta.1'],
      );
    });
  });
});
