/**
 * The stock `npm` client against an in-process Aerostack registry over real HTTP: one story, in
 * order, from `npm adduser` to `npm unpublish`, asserting what the user sees (exit code, output) and
 * what the registry then holds (read back over its HTTP API).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ssri from 'ssri';
import { request, signup } from '../helpers/api.js';
import { describeRun, NpmSandbox, writeFiles, type NpmResult } from '../helpers/npm.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillFiles } from '../helpers/tarballs.js';

const USER = 'alice';
const PASSWORD = 'correct horse battery staple';
const SKILL = `@${USER}/weather`;
const TEAM_SKILL = `@${USER}/weather-internal`;

/** The package document's path, with the scope's slash escaped as npm sends it. */
const doc = (name: string) => `/${name.replace('/', '%2f')}`;

function ok(r: NpmResult): NpmResult {
  assert.equal(r.code, 0, describeRun(r));
  return r;
}

function failed(r: NpmResult): NpmResult {
  assert.notEqual(r.code, 0, `expected a failure: ${describeRun(r)}`);
  assert.notEqual(r.code, null, `timed out: ${describeRun(r)}`);
  return r;
}

function json<T = any>(r: NpmResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new assert.AssertionError({ message: `stdout is not JSON: ${describeRun(r)}` });
  }
}

/** A skill folder as a user would write it: package.json + aerostack.json + index.js + README.md. */
function skillFolder(name: string, version: string, extra: { packageJson?: Record<string, unknown> } = {}) {
  const slug = name.split('/')[1]!;
  return skillFiles({
    manifest: { name: slug, version, description: `Weather for a city (${slug})` },
    packageJson: {
      name,
      version,
      description: `Weather for a city (${slug})`,
      keywords: ['weather', 'mcp'],
      main: 'index.js',
      license: 'MIT',
      ...extra.packageJson,
    },
  });
}

describe('npm CLI against the registry', function () {
  this.timeout(60_000);
  this.slow(10_000);

  let r: TestRegistry;
  let alice: NpmSandbox; // signs up through `npm adduser`
  let bob: NpmSandbox; // another signed-in user
  let anon: NpmSandbox; // no credentials
  let aliceToken: string;
  let skillDir: string;

  before(async () => {
    r = await startTestRegistry();
    alice = await NpmSandbox.create(r.url, { scopes: [`@${USER}`] });
    bob = await NpmSandbox.create(r.url, { scopes: [`@${USER}`] });
    anon = await NpmSandbox.create(r.url, { scopes: [`@${USER}`] });
    await signup(r.url, 'bob', PASSWORD); // an account made elsewhere; bob signs in with npm login below
  });

  after(async () => {
    await Promise.all([alice, bob, anon].map((s) => s?.cleanup()));
    await r?.close();
  });

  it('npm adduser --auth-type=legacy creates the account, and npm whoami names it', async () => {
    const res = ok(
      await alice.run(['adduser', '--auth-type=legacy'], {
        prompts: [
          { prompt: /Username: $/, answer: USER },
          { prompt: /Password: $/, answer: PASSWORD },
          { prompt: /Email \(this will be public\): $/, answer: `${USER}@example.com` },
        ],
      }),
    );
    assert.ok(res.stdout.includes(`Logged in on ${r.url}/.`), describeRun(res));
    const token = await alice.savedToken();
    assert.ok(token, 'npm saved an _authToken for the registry');
    aliceToken = token;
    assert.doesNotMatch(await readFile(alice.userconfig, 'utf8'), /_password|_auth=|horse/, 'only the token is stored');

    // The registry knows the account and the token npm saved is a session for it.
    const who = await request(r.url, 'GET', '/-/api/v1/whoami', { token: aliceToken });
    assert.equal(who.status, 200);
    assert.equal(who.body.username, USER);
    assert.equal(who.body.email, `${USER}@example.com`);
    // The password npm sent is the account's password.
    const login = await request(r.url, 'POST', '/-/api/v1/login', { body: { username: USER, password: PASSWORD } });
    assert.equal(login.status, 200);

    const whoami = ok(await alice.run(['whoami']));
    assert.equal(whoami.stdout.trim(), USER);
    // Without credentials npm whoami is refused.
    const anonWhoami = failed(await anon.run(['whoami']));
    assert.match(anonWhoami.stderr, /code ENEEDAUTH/);
  });

  it('npm login --auth-type=legacy signs an existing account in', async () => {
    const res = ok(
      await bob.run(['login', '--auth-type=legacy'], {
        prompts: [
          { prompt: /Username: $/, answer: 'bob' },
          { prompt: /Password: $/, answer: PASSWORD },
        ],
      }),
    );
    assert.match(res.stdout, /Logged in on /);
    const token = await bob.savedToken();
    assert.ok(token, 'npm saved an _authToken for the registry');
    const who = await request(r.url, 'GET', '/-/whoami', { token });
    assert.deepEqual(who.body, { username: 'bob' });
    assert.equal(ok(await bob.run(['whoami'])).stdout.trim(), 'bob');
  });

  it('npm publish publishes a scoped skill folder, and npm view shows it', async () => {
    skillDir = await alice.dir('weather');
    await writeFiles(skillDir, skillFolder(SKILL, '1.0.0'));
    const pub = ok(await alice.run(['publish'], { cwd: skillDir }));
    assert.match(pub.stdout, new RegExp(`\\+ ${SKILL}@1\\.0\\.0`));

    const view = json(ok(await anon.run(['view', SKILL, '--json'])));
    assert.equal(view.name, SKILL);
    assert.equal(view.version, '1.0.0');
    assert.equal(view['dist-tags'].latest, '1.0.0');
    assert.match(view.dist.integrity, /^sha512-[A-Za-z0-9+/]+=*$/);
    assert.equal(view.dist.tarball, `${r.url}/${SKILL}/-/weather-1.0.0.tgz`);

    // The tarball the registry serves is what dist.integrity names.
    const tgz = await fetch(view.dist.tarball);
    assert.equal(tgz.status, 200);
    const bytes = Buffer.from(await tgz.arrayBuffer());
    assert.ok(ssri.checkData(bytes, view.dist.integrity), 'served tarball matches dist.integrity');
    const packument = await request(r.url, 'GET', doc(SKILL));
    assert.equal(packument.status, 200);
    assert.deepEqual(Object.keys(packument.body.versions), ['1.0.0']);
  });

  it('npm install installs the skill into a project, with its integrity in package-lock.json', async () => {
    const project = await anon.dir('project');
    await writeFiles(project, {
      'package.json': JSON.stringify({ name: 'my-agent', version: '0.0.0', private: true }),
    });
    const res = ok(await anon.run(['install', SKILL], { cwd: project }));
    assert.match(res.stdout, /added 1 package/);

    const installed = path.join(project, 'node_modules', '@alice', 'weather');
    assert.ok(existsSync(path.join(installed, 'aerostack.json')), 'aerostack.json was installed');
    const manifest = JSON.parse(await readFile(path.join(installed, 'aerostack.json'), 'utf8'));
    assert.equal(manifest.name, 'weather');
    assert.equal(manifest.version, '1.0.0');

    const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8'));
    assert.equal(pkg.dependencies[SKILL], '^1.0.0');
    const lock = JSON.parse(await readFile(path.join(project, 'package-lock.json'), 'utf8'));
    const entry = lock.packages[`node_modules/${SKILL}`];
    assert.ok(entry, 'package-lock has the skill');
    assert.equal(entry.version, '1.0.0');
    assert.equal(entry.resolved, `${r.url}/${SKILL}/-/weather-1.0.0.tgz`);
    const view = await request(r.url, 'GET', doc(SKILL));
    assert.equal(entry.integrity, view.body.versions['1.0.0'].dist.integrity);
  });

  it('npm dist-tag add / ls manage tags', async () => {
    await writeFiles(skillDir, skillFolder(SKILL, '1.1.0'));
    ok(await alice.run(['publish'], { cwd: skillDir }));

    const add = ok(await alice.run(['dist-tag', 'add', `${SKILL}@1.1.0`, 'beta']));
    assert.match(add.stdout, new RegExp(`\\+beta: ${SKILL}@1\\.1\\.0`));
    const ls = ok(await anon.run(['dist-tag', 'ls', SKILL]));
    assert.match(ls.stdout, /^beta: 1\.1\.0$/m);
    assert.match(ls.stdout, /^latest: 1\.1\.0$/m);

    const tags = await request(r.url, 'GET', `/-/package/${encodeURIComponent(SKILL)}/dist-tags`);
    assert.deepEqual(tags.body, { latest: '1.1.0', beta: '1.1.0' });
    // Only the owner may move tags.
    const denied = failed(await bob.run(['dist-tag', 'add', `${SKILL}@1.0.0`, 'beta']));
    assert.match(denied.stderr, /403/);
  });

  it('npm deprecate marks a version, and npm view shows the message', async () => {
    ok(await alice.run(['deprecate', `${SKILL}@1.0.0`, 'use 1.1.0']));
    const view = ok(await anon.run(['view', `${SKILL}@1.0.0`, 'deprecated']));
    assert.equal(view.stdout.trim(), 'use 1.1.0');
    const latest = ok(await anon.run(['view', `${SKILL}@1.1.0`, 'deprecated']));
    assert.equal(latest.stdout.trim(), '');

    const packument = await request(r.url, 'GET', doc(SKILL));
    assert.equal(packument.body.versions['1.0.0'].deprecated, 'use 1.1.0');
    assert.equal(packument.body.versions['1.1.0'].deprecated, undefined);
  });

  it('npm search is the public marketplace, for the owner too; ?scope=team finds the team skills the caller may read', async () => {
    const teamDir = await alice.dir('weather-internal');
    await writeFiles(
      teamDir,
      skillFolder(TEAM_SKILL, '1.0.0', { packageJson: { publishConfig: { access: 'restricted' } } }),
    );
    const pub = ok(await alice.run(['publish'], { cwd: teamDir }));
    assert.match(pub.stderr, /restricted access/);

    // The registry stored it as a team skill: anonymous gets 401, another user 403.
    assert.equal((await request(r.url, 'GET', doc(TEAM_SKILL), { token: aliceToken })).status, 200);
    assert.equal((await request(r.url, 'GET', doc(TEAM_SKILL))).status, 401);
    assert.equal((await request(r.url, 'GET', doc(TEAM_SKILL), { token: (await bob.savedToken())! })).status, 403);

    // The marketplace lists public skills only, even to the team skill's owner.
    const mine = ok(await alice.run(['search', 'weather']));
    assert.ok(mine.stdout.includes(SKILL), describeRun(mine));
    assert.ok(!mine.stdout.includes(TEAM_SKILL), describeRun(mine));
    // npm's client cannot add `scope` to its search query; `aerostack skill search --team` does.
    const team = await request(r.url, 'GET', '/-/v1/search?text=weather&scope=team', { token: aliceToken });
    assert.deepEqual(
      team.body.objects.map((o: { package: { name: string } }) => o.package.name),
      [TEAM_SKILL],
    );
    const othersTeam = await request(r.url, 'GET', '/-/v1/search?text=weather&scope=team', {
      token: (await bob.savedToken())!,
    });
    assert.deepEqual(othersTeam.body, { ...othersTeam.body, objects: [], total: 0 });

    // Anonymous and another signed-in user see the public skill only.
    const anonymous = ok(await anon.run(['search', 'weather']));
    assert.ok(anonymous.stdout.includes(SKILL), describeRun(anonymous));
    assert.ok(!anonymous.stdout.includes(TEAM_SKILL), describeRun(anonymous));
    const other = json<Array<{ name: string; version: string }>>(ok(await bob.run(['search', 'weather', '--json'])));
    assert.deepEqual(
      other.map((h) => [h.name, h.version]),
      [[SKILL, '1.1.0']],
    );
    const none = ok(await anon.run(['search', 'no-such-thing-anywhere']));
    assert.match(none.stdout, /No matches found/);
  });

  it('republishing a published version fails with a publish conflict', async () => {
    const prior = await request(r.url, 'GET', doc(SKILL));
    const integrity = prior.body.versions['1.1.0'].dist.integrity;

    // npm checks the packument itself first and refuses without uploading.
    const plain = failed(await alice.run(['publish'], { cwd: skillDir }));
    assert.match(plain.stderr, /cannot publish over the previously published versions: 1\.1\.0/i);

    // With --force npm skips that check and uploads different bytes; the registry refuses them.
    await writeFiles(skillDir, { 'README.md': '# weather\n\nChanged after publishing.\n' });
    const forced = failed(await alice.run(['publish', '--force'], { cwd: skillDir }));
    // npm 11 no longer sets EPUBLISHCONFLICT itself: a refused PUT surfaces as `code E409` with the
    // registry's message, which names the conflict by that code.
    assert.match(forced.stderr, /npm error code E409\b/);
    assert.match(
      forced.stderr,
      /Cannot publish over the previously published version @alice\/weather@1\.1\.0 \(EPUBLISHCONFLICT\)/,
    );

    const now = await request(r.url, 'GET', doc(SKILL));
    assert.equal(now.body.versions['1.1.0'].dist.integrity, integrity, 'the published bytes are unchanged');
  });

  it('npm unpublish removes a version within 72 hours, and is refused after', async () => {
    r.clock.advance(71 * 60 * 60 * 1000);
    const res = ok(await alice.run(['unpublish', `${SKILL}@1.1.0`]));
    assert.match(res.stdout, new RegExp(`- ${SKILL}@1\\.1\\.0`));

    const view = json(ok(await anon.run(['view', SKILL, '--json'])));
    assert.deepEqual(view.versions, ['1.0.0']);
    assert.equal(view['dist-tags'].latest, '1.0.0');
    assert.equal(view['dist-tags'].beta, undefined);
    const gone = failed(await anon.run(['view', `${SKILL}@1.1.0`, 'version']));
    assert.match(gone.stderr, /E404/);

    const tgz = await fetch(`${r.url}/${SKILL}/-/weather-1.1.0.tgz`);
    assert.equal(tgz.status, 404);

    // Past the window the registry refuses (--force: npm wants it for a skill's last version).
    r.clock.advance(2 * 60 * 60 * 1000);
    const late = failed(await alice.run(['unpublish', `${TEAM_SKILL}@1.0.0`, '--force']));
    assert.match(late.stderr, /72 hours/);
    const still = await request(r.url, 'GET', doc(TEAM_SKILL), { token: aliceToken });
    assert.deepEqual(Object.keys(still.body.versions), ['1.0.0']);
  });

  it('npm view names the maintainer with an email; a fully unpublished skill is a 404 "was unpublished", not ETARGET', async () => {
    const name = `@${USER}/sunset`;
    const dir = await alice.dir('sunset');
    await writeFiles(dir, skillFolder(name, '1.0.0'));
    ok(await alice.run(['publish'], { cwd: dir }));
    const view = ok(await anon.run(['view', name]));
    assert.match(view.stdout, new RegExp(`maintainers:\\n- ${USER} <${USER}@example\\.com>\\n`), describeRun(view));
    assert.doesNotMatch(view.stdout, /undefined/, describeRun(view));

    ok(await alice.run(['unpublish', name, '--force']));
    const res = await request(r.url, 'GET', doc(name));
    assert.equal(res.status, 404);
    assert.match(res.body.error, new RegExp(`^${name} was unpublished on \\d{4}-\\d{2}-\\d{2}T`));
    assert.deepEqual(res.body.time.unpublished.versions, ['1.0.0']);

    const gone = failed(await anon.run(['view', name, 'version']));
    assert.match(gone.stderr, /E404/, describeRun(gone));
    assert.match(gone.stderr, /was unpublished/, describeRun(gone));
    const install = failed(await anon.run(['install', name], { cwd: await anon.dir('consumer') }));
    assert.match(install.stderr, /E404/, describeRun(install));
    assert.doesNotMatch(install.stderr, /ETARGET/, describeRun(install));
  });
});
