/**
 * The registry's secret key at start-up, as an operator meets it: `aerostack-registry serve` on an
 * embedded install makes `data/secret.key` (mode 0600) and uses the same one after a restart; a key
 * file other users can read, or a malformed AEROSTACK_SECRET_KEY, stops the start with one line
 * (exit 78) that never quotes the key.
 */
import assert from 'node:assert/strict';
import { chmod, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../helpers/registry.js';
import { freshDataDir, removeDir, runRegistryCommand, spawnRegistry } from '../hardening/support.js';

describe('registry start-up: the key that seals workspace secrets', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await freshDataDir('secret-key');
  });
  after(async () => {
    if (dir) await removeDir(dir);
  });

  it('makes a 0600 key file on the first start and keeps it across restarts', async () => {
    const env = { AEROSTACK_DATA_DIR: dir, PORT: String(await freePort()) };
    let reg = await spawnRegistry(env);
    await reg.kill('SIGTERM');
    const file = path.join(dir, 'secret.key');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const key = await readFile(file, 'utf8');
    assert.match(key, /^[0-9a-f]{64}\n$/);
    reg = await spawnRegistry({ ...env, PORT: String(await freePort()) });
    await reg.kill('SIGTERM');
    assert.equal(await readFile(file, 'utf8'), key);
  });

  it('refuses to start with a key file other users can read, saying how to fix it', async () => {
    const file = path.join(dir, 'secret.key');
    await chmod(file, 0o644);
    const key = (await readFile(file, 'utf8')).trim();
    const res = await runRegistryCommand(['serve'], { AEROSTACK_DATA_DIR: dir, PORT: String(await freePort()) });
    await chmod(file, 0o600);
    assert.equal(res.code, 78, res.stderr);
    assert.equal(res.stderr, `✗ ${file} is readable by other users (mode 644): chmod 600 it\n`);
    assert.ok(!(res.stdout + res.stderr).includes(key));
  });

  it('refuses a malformed AEROSTACK_SECRET_KEY without quoting it', async () => {
    const res = await runRegistryCommand(['serve'], {
      AEROSTACK_DATA_DIR: dir,
      PORT: String(await freePort()),
      AEROSTACK_SECRET_KEY: 'my-typo-d-production-key',
    });
    assert.equal(res.code, 78);
    assert.match(res.stderr, /^✗ Invalid configuration: AEROSTACK_SECRET_KEY must be 32 random bytes/);
    assert.ok(!res.stderr.includes('my-typo'));
  });
});
