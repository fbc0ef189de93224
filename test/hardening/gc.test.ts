/**
 * `aerostack-registry gc`: removes tarball blobs no live version references, but only those older
 * than the grace period, so a publish in flight (blob stored, row not yet committed) is never
 * collected; also sweeps stale upload leftovers of the filesystem store. The end-to-end CLI run on a
 * crashed registry's data is in faults.test.ts (c).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import ssri from 'ssri';
import { publishBody, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { collectGarbage, formatGcReport, parseGcArgs } from '@aerostack/registry/maintenance/gc.js';
import { blobKeyFor, FsBlobStore, type BlobInfo, type BlobStore } from '@aerostack/storage';
import { blobKeys, call, quickTarball, runRegistryCommand } from './support.js';

const sri = (b: Buffer) => ssri.fromData(b, { algorithms: ['sha512'] }).toString();
const HOUR = 3_600_000;

async function download(r: TestRegistry, name: string, version: string): Promise<Buffer | number> {
  const res = await fetch(`${r.url}/${name}/-/${name.split('/')[1]}-${version}.tgz`);
  const bytes = Buffer.from(await res.arrayBuffer());
  return res.status === 200 ? bytes : res.status;
}

describe('hardening: aerostack-registry gc', function () {
  this.timeout(60_000);

  describe('on the filesystem store', () => {
    let r: TestRegistry;
    let acme: string;
    let root: string;
    const tarballs = new Map<string, Buffer>();
    const publish = async (name: string, version: string) => {
      const tgz = quickTarball(name, version);
      const res = await call(r.url, 'PUT', `/${name.replace('/', '%2f')}`, {
        token: acme,
        json: publishBody(name, version, tgz),
      });
      assert.equal(res.status, 201, res.text);
      tarballs.set(`${name}@${version}`, tgz);
      return tgz;
    };
    /** Stores bytes the way a publish does, then makes them look `ageMs` old. */
    const orphan = async (bytes: Buffer, ageMs: number) => {
      const key = blobKeyFor(sri(bytes));
      await r.blobs.put(key, bytes, { integrity: sri(bytes) });
      const when = new Date(Date.now() - ageMs);
      await utimes(path.join(root, ...key.split('/')), when, when);
      return key;
    };

    before(async () => {
      r = await startTestRegistry();
      root = (r.blobs as FsBlobStore).rootDir;
      acme = await signup(r.url, 'acme');
      await publish('@acme/kept', '1.0.0');
      await publish('@acme/kept', '1.1.0');
    });
    after(() => r?.close());

    it('removes old unreferenced blobs and stale uploads, keeps referenced and recent ones; --dry-run deletes nothing', async () => {
      // A version unpublished while the store was failing: its row is gone from reads, its bytes stayed.
      const gone = await publish('@acme/gone', '1.0.0');
      assert.equal((await call(r.url, 'DELETE', '/@acme%2fgone/-rev/1', { token: acme })).status, 200);
      const unpublished = await orphan(gone, 2 * HOUR);
      // Left by a crash between blob and row, long ago, and by one a minute ago (maybe still in flight).
      const oldOrphan = await orphan(randomBytes(5000), 2 * HOUR);
      const recentOrphan = await orphan(randomBytes(700), 60_000);
      // Upload leftovers: one from a crash two hours ago, one being written right now.
      await writeFile(path.join(root, '.tmp', 'crashed-upload'), randomBytes(1234));
      await utimes(
        path.join(root, '.tmp', 'crashed-upload'),
        new Date(Date.now() - 2 * HOUR),
        new Date(Date.now() - 2 * HOUR),
      );
      await writeFile(path.join(root, '.tmp', 'in-flight-upload'), randomBytes(10));
      const referenced = (
        await r.db.selectFrom('skill_versions').select('blob_key').where('unpublished_at', 'is', null).execute()
      ).map((x) => x.blob_key);
      const everything = await blobKeys(r.blobs);

      const dry = await collectGarbage(r.db, r.blobs, { dryRun: true });
      assert.deepEqual(dry.removed.map((b) => b.key).sort(), [oldOrphan, unpublished].sort());
      assert.equal(dry.removedBytes, 5000 + gone.length);
      assert.equal(dry.keptRecent, 1);
      assert.deepEqual(dry.uploads, { removed: 1, bytes: 1234 });
      assert.match(
        formatGcReport(dry),
        /✓ Would remove 2 unreferenced blobs \(\d+ bytes\) \(dry run: nothing was deleted\)/,
      );
      assert.deepEqual(await blobKeys(r.blobs), everything, 'a dry run deletes nothing');
      assert.equal((await readdir(path.join(root, '.tmp'))).length, 2);

      const removed: BlobInfo[] = [];
      const report = await collectGarbage(r.db, r.blobs, { onRemove: (b) => removed.push(b) });
      assert.equal(report.scanned, everything.length);
      assert.equal(report.referenced, 2);
      assert.deepEqual(removed.map((b) => b.key).sort(), [oldOrphan, unpublished].sort());
      assert.deepEqual(report.missing, []);
      const text = formatGcReport(report);
      assert.match(text, new RegExp(`✓ Removed 2 unreferenced blobs \\(${5000 + gone.length} bytes\\)`));
      assert.match(text, /✓ Removed 1 stale upload leftover \(1234 bytes\)/);
      assert.match(text, new RegExp(`removed ${oldOrphan} \\(5000 bytes`));
      assert.match(text, /Kept 1 unreferenced blob written in the last 3600 s/);
      assert.deepEqual(await blobKeys(r.blobs), [...referenced, recentOrphan].sort());
      assert.deepEqual(await readdir(path.join(root, '.tmp')), ['in-flight-upload']);
      for (const [spec, tgz] of tarballs) {
        if (spec.startsWith('@acme/gone')) continue;
        const [name, version] = spec.split(/(?<=.)@/) as [string, string];
        assert.ok(((await download(r, name, version)) as Buffer).equals(tgz), `${spec} still downloads byte for byte`);
      }

      // With no grace at all, the recent orphan goes too; running again finds nothing.
      const now = await collectGarbage(r.db, r.blobs, { graceSeconds: 0 });
      assert.deepEqual(
        now.removed.map((b) => b.key),
        [recentOrphan],
      );
      assert.equal((await collectGarbage(r.db, r.blobs, { graceSeconds: 0 })).removed.length, 0);
      assert.deepEqual(await blobKeys(r.blobs), [...referenced].sort());
    });

    it('a publish in flight (blob stored, row not yet committed) survives gc with the default grace', async () => {
      // A store that holds the publish right after its blob is stored, before the transaction.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let stored!: () => void;
      const blobStored = new Promise<void>((resolve) => (stored = resolve));
      const inner = new FsBlobStore(path.join(root, '..', 'gated'));
      const gated: BlobStore = {
        ...bind(inner),
        put: async (key: string, body: Buffer | Readable, opts: { integrity: string }) => {
          await inner.put(key, body, opts);
          stored();
          await gate;
        },
      };
      const g = await startTestRegistry({ blobs: gated });
      try {
        const token = await signup(g.url, 'acme');
        const tgz = quickTarball('@acme/slow', '1.0.0');
        const pending = call(g.url, 'PUT', '/@acme%2fslow', { token, json: publishBody('@acme/slow', '1.0.0', tgz) });
        await blobStored;
        const report = await collectGarbage(g.db, gated);
        assert.equal(report.removed.length, 0, 'the in-flight blob is younger than the grace period');
        assert.equal(report.keptRecent, 1);
        release();
        assert.equal((await pending).status, 201);
        assert.ok(((await download(g, '@acme/slow', '1.0.0')) as Buffer).equals(tgz));
        assert.equal(
          (await collectGarbage(g.db, gated, { graceSeconds: 0 })).removed.length,
          0,
          'now it is referenced',
        );
      } finally {
        release();
        await g.close();
      }
    });

    it('keeps a blob re-uploaded, or referenced by a row committed, between the listing and the delete', async () => {
      const bytes = quickTarball('@acme/late', '1.0.0');
      const key = await orphan(bytes, 2 * HOUR);
      // The listing saw an old, unreferenced blob; right before the delete, a publish of those same
      // bytes stores them again (fresh mtime) and commits its row.
      const racing: BlobStore = {
        ...bind(r.blobs),
        stat: async (k: string) => {
          if (k === key) {
            const res = await call(r.url, 'PUT', '/@acme%2flate', {
              token: acme,
              json: publishBody('@acme/late', '1.0.0', bytes),
            });
            assert.equal(res.status, 201, res.text);
          }
          return r.blobs.stat!(k);
        },
      };
      const report = await collectGarbage(r.db, racing, { graceSeconds: 60 });
      assert.equal(report.removed.length, 0);
      assert.ok(await r.blobs.head(key));

      // Same race, but the store cannot tell the new write (an old mtime): the database re-check keeps it.
      const bytes2 = quickTarball('@acme/late2', '1.0.0');
      const key2 = await orphan(bytes2, 2 * HOUR);
      const racing2: BlobStore = {
        ...bind(r.blobs),
        stat: async (k: string) => {
          const info = await r.blobs.stat!(k);
          if (k === key2) {
            const res = await call(r.url, 'PUT', '/@acme%2flate2', {
              token: acme,
              json: publishBody('@acme/late2', '1.0.0', bytes2),
            });
            assert.equal(res.status, 201, res.text);
          }
          return info;
        },
      };
      assert.equal((await collectGarbage(r.db, racing2, { graceSeconds: 60 })).removed.length, 0);
      assert.ok(((await download(r, '@acme/late2', '1.0.0')) as Buffer).equals(bytes2));
    });

    it('reports versions whose bytes are missing, and never counts them as removable', async () => {
      const tgz = await publish('@acme/lost', '1.0.0');
      const key = blobKeyFor(sri(tgz));
      await r.blobs.delete(key);
      const report = await collectGarbage(r.db, r.blobs, { dryRun: true, graceSeconds: 0 });
      assert.deepEqual(report.missing, [key]);
      assert.match(formatGcReport(report), /! 1 published version blob is missing from storage/);
      await r.blobs.put(key, tgz, { integrity: sri(tgz) });
    });
  });

  describe('on S3 (s3rver)', () => {
    let s3: S3TestServer;
    let r: TestRegistry;
    before(async () => {
      s3 = await startS3Server();
      r = await startTestRegistry({ s3 });
    });
    after(async () => {
      await r?.close();
      await s3?.stop();
    });

    it('uses LastModified for the age: keeps a fresh orphan, removes it with --grace-seconds 0, never a referenced blob', async () => {
      const acme = await signup(r.url, 'acme');
      const tgz = quickTarball('@acme/s3kept', '1.0.0');
      assert.equal(
        (await call(r.url, 'PUT', '/@acme%2fs3kept', { token: acme, json: publishBody('@acme/s3kept', '1.0.0', tgz) }))
          .status,
        201,
      );
      const stray = randomBytes(999);
      const strayKey = blobKeyFor(sri(stray));
      await r.blobs.put(strayKey, stray, { integrity: sri(stray) });
      const kept = await collectGarbage(r.db, r.blobs);
      assert.equal(kept.removed.length, 0);
      assert.equal(kept.keptRecent, 1);
      assert.deepEqual(kept.uploads, { removed: 0, bytes: 0 }, 'S3 has no upload staging folder');
      const gone = await collectGarbage(r.db, r.blobs, { graceSeconds: 0 });
      assert.deepEqual(
        gone.removed.map((b) => [b.key, b.size]),
        [[strayKey, 999]],
      );
      assert.deepEqual(await blobKeys(r.blobs), [blobKeyFor(sri(tgz))]);
      assert.ok(((await download(r, '@acme/s3kept', '1.0.0')) as Buffer).equals(tgz));
    });
  });

  describe('command line', () => {
    it('parses --grace-seconds and --dry-run, refusing anything else', () => {
      assert.deepEqual(parseGcArgs([]), { graceSeconds: 3600, dryRun: false });
      assert.deepEqual(parseGcArgs(['--grace-seconds', '0', '--dry-run']), { graceSeconds: 0, dryRun: true });
      assert.deepEqual(parseGcArgs(['--grace-seconds=90']), { graceSeconds: 90, dryRun: false });
      for (const bad of [
        ['--grace-seconds'],
        ['--grace-seconds', '-1'],
        ['--grace-seconds', '1.5'],
        ['--grace-seconds', 'abc'],
        ['--force'],
      ]) {
        assert.throws(() => parseGcArgs(bad), /grace-seconds|Unknown option/, bad.join(' '));
      }
    });

    it('aerostack-registry gc with a bad flag exits 2 with one clear line', async () => {
      const res = await runRegistryCommand(['gc', '--grace-seconds', 'soon'], {
        AEROSTACK_DATA_DIR: path.join(path.dirname(new URL(import.meta.url).pathname), 'never-created'),
      });
      assert.equal(res.code, 2);
      assert.match(res.stderr, /^✗ --grace-seconds needs a whole number of seconds \(got "soon"\)/);
      assert.equal(res.stdout, '');
    });
  });
});

/** The store's methods bound to it, so a test can override one of them in an object spread. */
function bind(store: BlobStore): BlobStore {
  return {
    put: store.put.bind(store),
    get: store.get.bind(store),
    head: store.head.bind(store),
    delete: store.delete.bind(store),
    list: store.list.bind(store),
    check: store.check.bind(store),
    ...(store.stat ? { stat: store.stat.bind(store) } : {}),
    ...(store.listDetailed ? { listDetailed: store.listDetailed.bind(store) } : {}),
    ...(store.sweepUploads ? { sweepUploads: store.sweepUploads.bind(store) } : {}),
  };
}
