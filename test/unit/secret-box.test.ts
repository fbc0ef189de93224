/** Workspace secrets at rest: AES-256-GCM, bound to their place, under a key the operator controls. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretBox, loadSecretKey } from '@aerostack/registry/domain/workspaces/secret-box.js';

describe('secret box (workspace secrets at rest)', () => {
  const box = new SecretBox(randomBytes(32));
  const value = 'sk_live_0123456789abcdef';

  it('opens what it sealed; the sealed text does not show the value', () => {
    const sealed = box.seal(value, 'workspace:1:CRM_API_KEY');
    assert.ok(!sealed.includes(value));
    assert.notEqual(sealed, box.seal(value, 'workspace:1:CRM_API_KEY'), 'a fresh IV each time');
    assert.equal(box.open(sealed, 'workspace:1:CRM_API_KEY'), value);
  });

  it('refuses a value moved to another workspace or name, or altered', () => {
    const sealed = box.seal(value, 'workspace:1:CRM_API_KEY');
    assert.throws(() => box.open(sealed, 'workspace:2:CRM_API_KEY'));
    assert.throws(() => box.open(sealed, 'workspace:1:OTHER'));
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0]! ^= 1;
    parts[4] = ct.toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'workspace:1:CRM_API_KEY'));
  });

  it('says when a value was sealed under another key, naming both key ids (never the keys)', () => {
    const other = new SecretBox(randomBytes(32));
    assert.throws(
      () => other.open(box.seal(value, 'c'), 'c'),
      (err: Error) =>
        err.message.includes(box.keyId) &&
        err.message.includes(other.keyId) &&
        err.message.includes('set the same AEROSTACK_SECRET_KEY on every instance'),
    );
  });

  describe('the key', () => {
    let dir: string;
    beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), 'aerostack-key-'))));
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('without AEROSTACK_SECRET_KEY: a key file of mode 0600 in the data dir, made once and reused', async () => {
      const first = await loadSecretKey({ fromEnv: undefined, dataDir: dir });
      const file = path.join(dir, 'secret.key');
      assert.equal(first.source, file);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.match(await readFile(file, 'utf8'), /^[0-9a-f]{64}\n$/);
      const again = await loadSecretKey({ fromEnv: undefined, dataDir: dir });
      assert.equal(again.box.keyId, first.box.keyId);
      assert.equal(again.box.open(first.box.seal(value, 'c'), 'c'), value);
    });

    it('refuses a key file other users can read', async () => {
      await loadSecretKey({ fromEnv: undefined, dataDir: dir });
      await chmod(path.join(dir, 'secret.key'), 0o644);
      await assert.rejects(
        loadSecretKey({ fromEnv: undefined, dataDir: dir }),
        /readable by other users \(mode 644\): chmod 600/,
      );
    });

    it('AEROSTACK_SECRET_KEY as 64 hex digits or base64 gives the same key; anything else is refused', async () => {
      const raw = randomBytes(32);
      const hex = await loadSecretKey({ fromEnv: raw.toString('hex'), dataDir: dir });
      const b64 = await loadSecretKey({ fromEnv: raw.toString('base64'), dataDir: dir });
      assert.equal(hex.source, 'AEROSTACK_SECRET_KEY');
      assert.equal(hex.box.keyId, b64.box.keyId);
      for (const bad of ['', 'secret', raw.toString('hex').slice(2), randomBytes(16).toString('hex')])
        await assert.rejects(
          loadSecretKey({ fromEnv: bad, dataDir: dir }),
          /must be 32 random bytes: 64 hex digits or 44 base64/,
        );
    });
  });
});
