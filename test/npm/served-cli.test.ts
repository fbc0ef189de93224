/**
 * Every registry serves the aerostack CLI as the unscoped npm package `aerostack`: a new machine runs
 * `npm install -g aerostack --registry URL` and has the CLI, with only that registry configured and no
 * other reachable (a team's registry proxies nothing). The stock npm client installs it from an
 * in-process registry into a temporary NPM_CONFIG_PREFIX, and the installed binary runs. Nobody can
 * publish the name.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ssri from 'ssri';
import { request, signup } from '../helpers/api.js';
import { describeRun, NpmSandbox, writeFiles, type NpmResult } from '../helpers/npm.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const CLI_PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../cli/package.json');
const REFUSED =
  'The name aerostack is reserved for the Aerostack CLI, which every registry serves itself; publish skills as @<username>/<skill>';

function ok(r: NpmResult): NpmResult {
  assert.equal(r.code, 0, describeRun(r));
  return r;
}

/** What a shell on the new machine would run: the installed `aerostack` found on PATH, nothing inherited. */
async function installed(
  prefix: string,
  home: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = path.join(prefix, 'bin');
  try {
    const { stdout, stderr } = await promisify(execFile)('aerostack', args, {
      env: { PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the registry serves its own CLI (npm install -g aerostack)', function () {
  this.timeout(120_000);
  this.slow(20_000);

  let r: TestRegistry;
  let npm: NpmSandbox;
  let prefix: string;
  let version: string;

  before(async () => {
    version = JSON.parse(await readFile(CLI_PACKAGE, 'utf8')).version;
    r = await startTestRegistry();
    // Only the test registry: it is npm's default registry here, the user's .npmrc names nothing else,
    // and any other host goes through a proxy that does not exist (loopback is exempt).
    npm = await NpmSandbox.create(r.url);
    prefix = await npm.dir('prefix');
    Object.assign(npm.env, {
      NPM_CONFIG_PREFIX: prefix,
      npm_config_proxy: 'http://127.0.0.1:9',
      npm_config_https_proxy: 'http://127.0.0.1:9',
      npm_config_noproxy: '127.0.0.1',
    });
  });

  after(async () => {
    await npm?.cleanup();
    await r?.close();
  });

  it('answers the package document, tarball and dist-tags to anyone, at the server version', async () => {
    const doc = await request(r.url, 'GET', '/aerostack');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.name, 'aerostack');
    assert.deepEqual(doc.body['dist-tags'], { latest: version });
    const v = doc.body.versions[version];
    assert.equal(v.dependencies, undefined, 'no runtime dependencies to fetch elsewhere');
    assert.deepEqual(v.bin, { aerostack: 'bin/aerostack.js' });
    assert.equal(v.dist.tarball, `${r.url}/aerostack/-/aerostack-${version}.tgz`);

    const tgz = await request(r.url, 'GET', `/aerostack/-/aerostack-${version}.tgz`);
    assert.equal(tgz.status, 200);
    const bytes = tgz.body as Buffer;
    assert.ok(ssri.checkData(bytes, v.dist.integrity), 'dist.integrity is the sha512 of the served bytes');
    assert.equal(ssri.fromData(bytes, { algorithms: ['sha1'] }).hexDigest(), v.dist.shasum);

    const abbreviated = await request(r.url, 'GET', '/aerostack', {
      headers: { accept: 'application/vnd.npm.install-v1+json' },
    });
    assert.deepEqual(abbreviated.body.versions[version].dist, v.dist);
    assert.deepEqual((await request(r.url, 'GET', '/-/package/aerostack/dist-tags')).body, { latest: version });
    assert.equal((await request(r.url, 'GET', '/aerostack/-/aerostack-0.0.1.tgz')).status, 404);
  });

  it('installs with `npm install -g aerostack --registry URL` and runs', async () => {
    ok(await npm.run(['install', '-g', 'aerostack', '--registry', r.url], { timeoutMs: 90_000 }));
    const home = await npm.dir('home-new-machine');
    // One bundled file: nothing was installed beside it.
    assert.deepEqual(await readdir(path.join(prefix, 'lib', 'node_modules')), ['aerostack']);
    assert.deepEqual((await readdir(path.join(prefix, 'lib', 'node_modules', 'aerostack'))).sort(), [
      'bin',
      'dist',
      'oclif.manifest.json',
      'package.json',
    ]);

    const v = await installed(prefix, home, ['--version']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`^aerostack/${version.replace(/\./g, '\\.')} \\S+ node-v\\d+`));

    const help = await installed(prefix, home, ['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /USAGE\n {2}\$ aerostack \[COMMAND\]/);
    for (const topic of ['skill', 'team', 'workspace', 'login'])
      assert.match(help.stdout, new RegExp(`\\n {2}${topic} `));

    const skillHelp = await installed(prefix, home, ['help', 'skill', 'install']);
    assert.equal(skillHelp.code, 0, skillHelp.stderr);
    assert.match(skillHelp.stdout, /\$ aerostack skill install/);

    // oclif's hooks are in the bundle too (no @oclif/plugin-not-found to load by name).
    const unknown = await installed(prefix, home, ['frob']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^✗ invalid: "aerostack frob" is not a command; see aerostack --help\n/);

    // It talks to the registry it came from.
    const whoami = await installed(prefix, home, ['whoami'], { AEROSTACK_REGISTRY: r.url });
    assert.equal(whoami.code, 4, `${whoami.stdout}${whoami.stderr}`);
    assert.match(whoami.stderr, /^✗ /);
  });

  it('refuses to publish, tag or unpublish the name aerostack, for everyone', async () => {
    const token = await signup(r.url, 'erin', 'correct horse battery staple');
    await npm.saveToken(token);
    const dir = await npm.dir('impostor');
    await writeFiles(dir, {
      'package.json': JSON.stringify({ name: 'aerostack', version: '99.0.0', bin: { aerostack: 'x.js' } }),
      'x.js': '#!/usr/bin/env node\n',
    });
    const publish = await npm.run(['publish'], { cwd: dir });
    assert.notEqual(publish.code, 0, describeRun(publish));
    assert.match(publish.stderr, /403 Forbidden/);
    assert.ok(publish.stderr.includes(REFUSED), describeRun(publish));

    const tag = await npm.run(['dist-tag', 'add', `aerostack@${version}`, 'beta']);
    assert.notEqual(tag.code, 0, describeRun(tag));
    assert.ok(tag.stderr.includes(REFUSED), describeRun(tag));

    // Refused before the body is read: a tarball-sized publish gets the reason, not "too large".
    for (const [method, p, t] of [
      ['PUT', '/aerostack', token],
      ['PUT', '/aerostack', undefined],
      ['DELETE', '/aerostack/-rev/1-abc', token],
      ['PUT', '/-/package/aerostack/dist-tags/latest', token],
    ] as const) {
      const res = await request(r.url, method, p, { token: t, rawBody: 'x'.repeat(8 * 1024 * 1024) });
      assert.deepEqual(
        [res.status, res.body],
        [403, { error: REFUSED }],
        `${method} ${p} (${t ? 'signed in' : 'anonymous'})`,
      );
    }
    assert.deepEqual((await request(r.url, 'GET', '/aerostack')).body['dist-tags'], { latest: version });
  });
});
