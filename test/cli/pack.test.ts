/**
 * The CLI as a package of its own: `npm pack ./cli` gives a tarball that installs alone
 * (`npm install -g`), runs, and brings no dependencies at all (every registry serves it:
 * test/npm/served-cli.test.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the aerostack CLI package (npm pack ./cli)', function () {
  this.timeout(180_000);
  let work: string;
  let tarball: string;
  let prefix: string;
  const env = { ...process.env, AEROSTACK_CONFIG_DIR: '' };

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'aerostack-pack-'));
    const { stdout } = await run('npm', ['pack', './cli', '--pack-destination', work, '--json'], { cwd: ROOT });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(work, packed!.filename);
    assert.deepEqual(packed!.files.map((f) => f.path).sort(), [
      'bin/aerostack.js',
      'dist/aerostack.js',
      'oclif.manifest.json',
      'package.json',
    ]);
    prefix = path.join(work, 'global');
    await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      cwd: work,
      env,
    });
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const aerostack = (args: string[], cwd = work) =>
    run(path.join(prefix, 'bin', 'aerostack'), args, {
      cwd,
      env: { ...env, AEROSTACK_CONFIG_DIR: path.join(work, 'config') },
    });

  it('installs alone and answers --version', async () => {
    const { stdout } = await aerostack(['--version']);
    assert.match(stdout, /^aerostack\/0\.1\.0 linux-x64 node-v\d+/);
  });

  it('runs its commands from the one bundled file (skill init, and a refusal that needs no registry)', async () => {
    await aerostack(['skill', 'init', 'demo-skill']);
    const manifest = JSON.parse(await readFile(path.join(work, 'demo-skill', 'aerostack.json'), 'utf8')) as {
      name: string;
      type: string;
    };
    assert.deepEqual([manifest.name, manifest.type], ['demo-skill', 'skill']);
    await assert.rejects(aerostack(['skill', 'install', 'not a name']), (err: { code?: number; stderr?: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr ?? '', /^✗ invalid: Invalid skill name "not a name"/);
      return true;
    });
    const help = await aerostack(['workspace', 'token', '--help']);
    assert.match(help.stdout, /workspace token create {2}Issue an mwt_ gateway token/);
  });

  it('brings no dependencies at all: oclif is inside the one bundled file', async () => {
    const installed = path.join(prefix, 'lib', 'node_modules', 'aerostack');
    assert.ok((await stat(path.join(installed, 'dist', 'aerostack.js'))).isFile());
    // A team's registry serves this package and proxies nothing: there must be nothing else to fetch.
    const pkg = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(pkg.dependencies, undefined);
    assert.deepEqual((await readdir(installed)).sort(), ['bin', 'dist', 'oclif.manifest.json', 'package.json']);
  });
});
