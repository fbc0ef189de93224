/**
 * `aerostack skill publish` bundles a skill's production dependencies (cli/lib/bundle.ts), as npm's
 * bundleDependencies does: exactly the closure Node would resolve from node_modules, written into the
 * packed package.json; refused, with one `✗` line and exit 2, when it could not run in the sandbox; listed
 * by --dry-run. End to end: `skill init --type mcp`, `npm install`, publish, and the registry's tarball
 * holds the MCP SDK. The built CLI runs against an in-process registry.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_TARBALL_LIMITS } from '@aerostack/contract/limits.js';
import { SchemaCompiler } from '@aerostack/contract/json-schema.js';
import { inspectTarball, type InspectedTarball } from '@aerostack/contract/tarball/inspect.js';
import { formatBytes } from 'aerostack/lib/format.js';
import { signup } from '../helpers/api.js';
import { cliUser, type CliResult, type CliUser } from '../helpers/cli.js';
import { npmInstall } from '../helpers/npm-install.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const pkg = (name: string, version: string, extra: object = {}) => JSON.stringify({ name, version, ...extra }, null, 2);

/**
 * A skill folder as `npm install` leaves it: a, @s/b (direct), c (needed by a and @s/b, hoisted),
 * shared@2 nested under a (a needs ^2) while shared@1 is hoisted for the devDependency; the optional
 * dependency is absent; plus what must never ship: .bin, the hidden lockfile, dev and unused packages.
 */
const BUNDLED_PACKAGES: Record<string, string> = {
  'node_modules/a/package.json': pkg('a', '1.2.0', {
    dependencies: { c: '^1.0.0', shared: '^2.0.0' },
    peerDependencies: { '@s/b': '^2.0.0', 'absent-peer': '^1.0.0' },
    devDependencies: { dev: '*' },
  }),
  'node_modules/a/index.js': 'export { default } from "c";\n',
  'node_modules/a/cli.js': '#!/usr/bin/env node\n',
  'node_modules/a/node_modules/shared/package.json': pkg('shared', '2.0.1'),
  'node_modules/a/node_modules/shared/index.js': 'export default 2;\n',
  'node_modules/c/package.json': pkg('c', '1.0.0'),
  'node_modules/c/lib/index.js': 'export default "c";\n',
  'node_modules/@s/b/package.json': pkg('@s/b', '2.1.3', { dependencies: { c: '^1.0.0' } }),
  'node_modules/@s/b/index.js': 'export default "b";\n',
};
const NOT_BUNDLED: Record<string, string> = {
  'node_modules/.package-lock.json': '{}',
  'node_modules/a/node_modules/.bin/x': 'x',
  'node_modules/shared/package.json': pkg('shared', '1.0.0'),
  'node_modules/shared/index.js': 'export default 1;\n',
  'node_modules/dev/package.json': pkg('dev', '1.0.0', { dependencies: { shared: '^1.0.0' } }),
  'node_modules/unused/package.json': pkg('unused', '3.0.0'),
};
const FOLDER: Record<string, string> = {
  'package.json': pkg('bundled', '0.1.0', {
    type: 'module',
    dependencies: { a: '^1.0.0', '@s/b': '~2.1.0' },
    optionalDependencies: { 'opt-missing': '^1.0.0' },
    devDependencies: { dev: '^1.0.0' },
    bundleDependencies: ['stale'],
  }),
  'aerostack.json': JSON.stringify({
    name: 'bundled',
    type: 'mcp',
    version: '0.1.0',
    description: 'An MCP server with dependencies',
    command: 'node',
    args: ['server.mjs'],
  }),
  'server.mjs': 'import a from "a";\n',
  ...BUNDLED_PACKAGES,
  ...NOT_BUNDLED,
};

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}

const show = (r: CliResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/** One `✗` line on stderr, nothing on stdout, exit 2. */
function refused(r: CliResult, line: string): void {
  assert.equal(r.code, 2, show(r));
  assert.equal(r.stdout, '', show(r));
  assert.equal(r.stderr, `✗ invalid: ${line}\n`, show(r));
}

describe('aerostack skill publish: bundled dependencies', function () {
  this.timeout(60_000);
  this.slow(10_000);
  let r: TestRegistry;
  let acme: CliUser;
  let token: string;
  let work: string;
  let base: string;

  const publish = (dir: string, args: string[] = []) =>
    acme.run(['skill', 'publish', ...args], { cwd: dir, env: { AEROSTACK_TOKEN: token } });

  /** The tarball the registry serves for `@acme/<slug>@<version>`, inspected as the registry does. */
  async function published(slug: string, version: string): Promise<InspectedTarball> {
    const res = await fetch(`${r.url}/@acme/${slug}/-/${slug}-${version}.tgz`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    return inspectTarball(Buffer.from(await res.arrayBuffer()), DEFAULT_TARBALL_LIMITS, new SchemaCompiler());
  }

  /** A copy of the base folder, changed by `change`. */
  async function variant(name: string, change: (dir: string) => Promise<void>): Promise<string> {
    const dir = path.join(work, name);
    await cp(base, dir, { recursive: true, verbatimSymlinks: true });
    await change(dir);
    return dir;
  }

  before(async () => {
    r = await startTestRegistry();
    token = await signup(r.url, 'acme');
    acme = await cliUser(r.url);
    work = await mkdtemp(path.join(tmpdir(), 'aerostack-bundle-'));
    base = path.join(work, 'bundled');
    await writeTree(base, FOLDER);
    await mkdir(path.join(base, 'node_modules', '.bin'));
    await symlink('../a/cli.js', path.join(base, 'node_modules', '.bin', 'a'));
  });
  after(async () => {
    await acme?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
    await r?.close();
  });

  it('--dry-run lists each bundled package (name@version) and their size', async () => {
    const res = await publish(base, ['--dry-run']);
    assert.equal(res.code, 0, show(res));
    const bytes = Object.values(BUNDLED_PACKAGES).reduce((n, text) => n + Buffer.byteLength(text), 0);
    const lines = res.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      '  name:       @acme/bundled',
      '  version:    0.1.0',
      '  visibility: (unchanged; public if new)',
    ]);
    assert.match(lines[3]!, /^ {2}size: {7}\d+(\.\d)? k?B \(12 files, \d+(\.\d)? k?B unpacked\)$/);
    assert.deepEqual(lines.slice(4, 9), [
      `  bundled:    4 packages from node_modules, ${formatBytes(bytes)} unpacked`,
      '    @s/b@2.1.3',
      '    a@1.2.0',
      '    shared@2.0.1 (node_modules/a/node_modules/shared)',
      '    c@1.0.0',
    ]);
    assert.match(lines[9]!, /^ {2}integrity: {2}sha512-/);
    assert.equal(lines[10], '✓ Dry run: @acme/bundled@0.1.0 is ready to publish (nothing was uploaded)');
    assert.equal(lines.length, 11);
  });

  it('bundles exactly the production closure, resolved as Node does, and writes bundleDependencies', async () => {
    const dry = await acme.json(['skill', 'publish', '--dry-run'], { cwd: base, env: { AEROSTACK_TOKEN: token } });
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(dry.body.bundled, [
      { name: '@s/b', version: '2.1.3', path: 'node_modules/@s/b' },
      { name: 'a', version: '1.2.0', path: 'node_modules/a' },
      { name: 'shared', version: '2.0.1', path: 'node_modules/a/node_modules/shared' },
      { name: 'c', version: '1.0.0', path: 'node_modules/c' },
    ]);
    const expected = ['aerostack.json', 'package.json', 'server.mjs', ...Object.keys(BUNDLED_PACKAGES)].sort();
    assert.deepEqual([...dry.body.files].sort(), expected, 'no devDependency, .bin, lockfile or unused package');

    const pub = await publish(base);
    assert.equal(pub.code, 0, show(pub));
    assert.match(pub.stdout, /^ {2}bundled: {4}4 packages from node_modules, \S+ k?B unpacked$/m);
    assert.doesNotMatch(pub.stdout, /^ {4}a@/m, 'only the dry run lists the packages');
    assert.equal(pub.stdout.trimEnd().split('\n').at(-1), '✓ Published @acme/bundled@0.1.0 (public)');

    const tgz = await published('bundled', '0.1.0');
    assert.deepEqual([...tgz.files].sort(), expected);
    assert.deepEqual(tgz.packageJson.bundleDependencies, ['@s/b', 'a'], 'the direct dependencies, for npm too');
    assert.deepEqual(tgz.packageJson.dependencies, { a: '^1.0.0', '@s/b': '~2.1.0' });
  });

  it('refuses a declared dependency that is not installed (an absent optional one is fine)', async () => {
    const missing = await variant('missing', (dir) => rm(path.join(dir, 'node_modules/@s'), { recursive: true }));
    refused(await publish(missing), '@s/b is declared in package.json dependencies but not installed: run npm install');
    const deep = await variant('deep', (dir) => rm(path.join(dir, 'node_modules/c'), { recursive: true }));
    refused(await publish(deep, ['--dry-run']), 'c, a dependency of a@1.2.0, is not installed: run npm install');
  });

  it('refuses an installed version outside the declared range', async () => {
    const stale = await variant('stale', (dir) =>
      writeFile(path.join(dir, 'node_modules/a/package.json'), pkg('a', '2.0.0', { dependencies: { c: '^1.0.0' } })),
    );
    refused(
      await publish(stale),
      'a@2.0.0 is installed but package.json dependencies asks for ^1.0.0: run npm install',
    );
    const nested = await variant('nested', (dir) =>
      writeFile(path.join(dir, 'node_modules/a/node_modules/shared/package.json'), pkg('shared', '3.0.0')),
    );
    refused(await publish(nested), 'shared@3.0.0 is installed but a@1.2.0 needs ^2.0.0: run npm install');
  });

  it('refuses a dependency that is a symbolic link out of the folder (npm link, workspaces)', async () => {
    const outside = path.join(work, 'linked-c');
    await writeTree(outside, { 'package.json': pkg('c', '1.0.0'), 'index.js': '' });
    const linked = await variant('linked', async (dir) => {
      await rm(path.join(dir, 'node_modules/c'), { recursive: true });
      await symlink(outside, path.join(dir, 'node_modules/c'));
    });
    refused(
      await publish(linked),
      `node_modules/c is a symbolic link to ${outside}, outside the skill folder (npm link or a workspace): links cannot be published; install the package from a registry instead`,
    );
  });

  it('refuses a dependency that carries a native addon (a .node file or a binding.gyp)', async () => {
    const addon = await variant('addon', (dir) => writeTree(dir, { 'node_modules/c/build/Release/c.node': 'ELF' }));
    refused(
      await publish(addon),
      'c@1.0.0 contains a native addon (node_modules/c/build/Release/c.node): native addons cannot run in the sandbox (Node runs with --no-addons); use a pure-JavaScript package instead',
    );
    const gyp = await variant('gyp', (dir) => writeTree(dir, { 'node_modules/@s/b/binding.gyp': '{}' }));
    refused(
      await publish(gyp, ['--dry-run']),
      '@s/b@2.1.3 contains a native addon (node_modules/@s/b/binding.gyp): native addons cannot run in the sandbox (Node runs with --no-addons); use a pure-JavaScript package instead',
    );
  });

  it('skill init --type mcp, npm install, publish: the registry’s tarball holds the MCP SDK and zod', async function () {
    this.timeout(240_000);
    const dir = path.join(work, 'weather-mcp');
    const init = await acme.run(['skill', 'init', dir, '--type', 'mcp'], { cwd: work });
    assert.equal(init.code, 0, show(init));
    assert.equal(
      init.stdout,
      `✓ Created mcp "weather-mcp" in ${dir}\n  next: cd weather-mcp && npm install && aerostack skill publish --dry-run\n`,
    );
    const scaffold = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    assert.equal(scaffold.type, 'module');
    assert.deepEqual(Object.keys(scaffold.dependencies).sort(), ['@modelcontextprotocol/sdk', 'zod']);

    refused(
      await publish(dir),
      '@modelcontextprotocol/sdk is declared in package.json dependencies but not installed: run npm install',
    );
    await npmInstall(dir);
    const pub = await acme.json(['skill', 'publish'], { cwd: dir, env: { AEROSTACK_TOKEN: token } });
    assert.equal(pub.code, 0, pub.stderr);
    const sdk = JSON.parse(
      await readFile(path.join(dir, 'node_modules/@modelcontextprotocol/sdk/package.json'), 'utf8'),
    );
    const names = (pub.body.bundled as Array<{ name: string; version: string }>).map((p) => `${p.name}@${p.version}`);
    assert.ok(names.includes(`@modelcontextprotocol/sdk@${sdk.version}`), names.join(' '));
    assert.ok(pub.body.bundledSize > 1_000_000 && pub.body.bundledSize < pub.body.unpackedSize);

    const tgz = await published('weather-mcp', '0.1.0');
    assert.deepEqual(tgz.packageJson.bundleDependencies, ['@modelcontextprotocol/sdk', 'zod']);
    for (const f of [
      'node_modules/@modelcontextprotocol/sdk/package.json',
      'node_modules/zod/package.json',
      'server.mjs',
    ])
      assert.ok(tgz.files.includes(f), `${f} is in the tarball`);
    assert.ok(!tgz.files.some((f) => f.startsWith('node_modules/.')), 'no .bin, no hidden lockfile');
    assert.equal(tgz.fileCount, pub.body.fileCount);
  });
});
