import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import ssri from 'ssri';
import {
  BlobIntegrityError,
  BlobStoreUnavailableError,
  blobKeyFor,
  FsBlobStore,
  S3BlobStore,
  type BlobStore,
} from '@aerostack/storage';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const sri = (data: Buffer) => ssri.fromData(data, { algorithms: ['sha512'] }).toString();

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function collectKeys(it: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of it) keys.push(k);
  return keys.sort();
}

/** Streams `data` in small chunks, like a request body would arrive. */
const chunked = (data: Buffer) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
    })(),
  );

type Made = { store: BlobStore; dispose(): Promise<void> };

/** Behaviour every BlobStore must share, so the registry can switch backends without noticing. */
export function describeBlobStoreConformance(name: string, makeStore: () => Promise<Made>) {
  describe(`${name}: BlobStore conformance`, () => {
    let made: Made;
    let store: BlobStore;
    // Unique per run so suites never see each other's keys.
    const ns = `conf-${randomBytes(4).toString('hex')}`;
    const mb = randomBytes(1024 * 1024);

    before(async () => {
      made = await makeStore();
      store = made.store;
    });
    after(() => made?.dispose());

    it('round-trips a Buffer and reports its size', async () => {
      const data = Buffer.from('hello tarball');
      const key = `${ns}/buffer`;
      await store.put(key, data, { integrity: sri(data) });
      const got = await store.get(key);
      assert.ok(got);
      assert.equal(got.size, data.length);
      assert.deepEqual(await readAll(got.stream), data);
      assert.deepEqual(await store.head(key), { size: data.length });
    });

    it('round-trips a 1 MB Readable under its content-addressed key', async () => {
      const integrity = sri(mb);
      const key = blobKeyFor(integrity);
      await store.put(key, chunked(mb), { integrity });
      const got = await store.get(key);
      assert.ok(got);
      assert.equal(got.size, mb.length);
      assert.ok((await readAll(got.stream)).equals(mb));
      assert.deepEqual(await store.head(key), { size: mb.length });
    });

    it('returns null from get/head for a missing key', async () => {
      assert.equal(await store.get(`${ns}/missing`), null);
      assert.equal(await store.head(`${ns}/missing`), null);
    });

    it('rejects an integrity mismatch and leaves nothing behind', async () => {
      const key = `${ns}/bad/blob`;
      const other = sri(Buffer.from('other bytes'));
      await assert.rejects(store.put(key, chunked(mb), { integrity: other }), BlobIntegrityError);
      await assert.rejects(store.put(key, Buffer.from('x'), { integrity: other }), BlobIntegrityError);
      assert.equal(await store.head(key), null);
      assert.equal(await store.get(key), null);
      assert.deepEqual(await collectKeys(store.list(`${ns}/bad`)), []);
    });

    it("rejects with the body stream's own error when the upload is cut off, leaving nothing", async () => {
      const key = `${ns}/cut`;
      const body = Readable.from(
        (async function* () {
          yield mb.subarray(0, 1000);
          // The client goes away once the first chunk is on its way.
          await new Promise<void>((resolve) => setImmediate(resolve));
          throw Object.assign(new Error('client went away'), { code: 'ECONNRESET' });
        })(),
      );
      await assert.rejects(store.put(key, body, { integrity: sri(mb) }), /client went away/);
      assert.equal(await store.head(key), null);
    });

    it('accepts the same key twice and keeps the right content', async () => {
      const data = randomBytes(4096);
      const key = `${ns}/twice`;
      await store.put(key, data, { integrity: sri(data) });
      await store.put(key, chunked(data), { integrity: sri(data) });
      const got = await store.get(key);
      assert.ok(got && (await readAll(got.stream)).equals(data));
    });

    it('deletes, and deleting a missing key is fine', async () => {
      const data = Buffer.from('doomed');
      const key = `${ns}/doomed`;
      await store.put(key, data, { integrity: sri(data) });
      await store.delete(key);
      assert.equal(await store.get(key), null);
      assert.equal(await store.head(key), null);
      await store.delete(key);
      await store.delete(`${ns}/never/existed`);
    });

    it('lists keys by prefix', async () => {
      const data = Buffer.from('x');
      const keys = [`${ns}/list/a/1`, `${ns}/list/a/2`, `${ns}/list/ab/3`, `${ns}/list/b/4`];
      for (const k of keys) await store.put(k, data, { integrity: sri(data) });
      assert.deepEqual(await collectKeys(store.list(`${ns}/list/`)), keys);
      assert.deepEqual(await collectKeys(store.list(`${ns}/list/a`)), keys.slice(0, 3));
      assert.deepEqual(await collectKeys(store.list(`${ns}/list/a/`)), keys.slice(0, 2));
      assert.deepEqual(await collectKeys(store.list(`${ns}/nothing-here/`)), []);
    });

    it('survives 10 concurrent puts of the same key', async () => {
      const data = randomBytes(256 * 1024);
      const integrity = sri(data);
      const key = `${ns}/concurrent/${blobKeyFor(integrity)}`;
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.put(key, i % 2 ? data : chunked(data), { integrity })),
      );
      const got = await store.get(key);
      assert.ok(got);
      assert.equal(got.size, data.length);
      assert.ok((await readAll(got.stream)).equals(data));
    });

    it('check() resolves when the store is usable', async () => {
      await store.check();
    });

    it('stat() and listDetailed() report size and last-modified time, like head() and list()', async () => {
      assert.ok(!!store.stat && !!store.listDetailed, 'both stores tell blob ages (gc needs them)');
      const started = Date.now();
      const data = randomBytes(3000);
      const keys = [`${ns}/dated/a`, `${ns}/dated/b/c`];
      for (const k of keys) await store.put(k, data, { integrity: sri(data) });
      const info = await store.stat(keys[0]!);
      assert.ok(info);
      assert.equal(info.key, keys[0]);
      assert.equal(info.size, data.length);
      // S3 keeps whole seconds; allow for that and a little clock slack.
      assert.ok(
        info.modified.getTime() >= started - 2000 && info.modified.getTime() <= Date.now() + 2000,
        `modified ${info.modified.toISOString()}`,
      );
      assert.equal(await store.stat(`${ns}/dated/missing`), null);
      const listed = [];
      for await (const b of store.listDetailed(`${ns}/dated/`)) listed.push(b);
      assert.deepEqual(listed.map((b) => b.key).sort(), keys);
      assert.deepEqual(
        listed.map((b) => b.size),
        [data.length, data.length],
      );
      assert.deepEqual(listed.map((b) => b.key).sort(), await collectKeys(store.list(`${ns}/dated/`)));
      assert.ok(listed.every((b) => b.modified instanceof Date && !Number.isNaN(b.modified.getTime())));
    });
  });
}

/** Asserts an outage surfaces as our error with a human message, quickly. */
async function assertUnavailable(what: string, call: () => Promise<unknown>) {
  const started = Date.now();
  const err = await call().then(
    () => assert.fail(`${what} should have failed`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BlobStoreUnavailableError, `${what}: got ${String(err)}`);
  assert.match(err.message, /^Object storage is unavailable \(.+\)$/);
  assert.doesNotMatch(err.message, /\n|\bat .*\.js:\d+/);
  assert.ok(Date.now() - started < 5000, `${what} took ${Date.now() - started} ms`);
}

describe('FsBlobStore', () => {
  const dirs: string[] = [];
  const tempRoot = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'blobs-'));
    dirs.push(dir);
    return dir;
  };
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  describeBlobStoreConformance('fs', async () => {
    const store = new FsBlobStore(await tempRoot());
    return { store, dispose: async () => {} };
  });

  it('refuses keys that could escape the root', async () => {
    const store = new FsBlobStore(await tempRoot());
    const data = Buffer.from('x');
    for (const key of ['../evil', 'a/../../evil', '/etc/passwd', 'a//b', 'a\\b', '', '.tmp/x']) {
      await assert.rejects(store.put(key, data, { integrity: sri(data) }), /Invalid blob key/, key);
      await assert.rejects(store.get(key), /Invalid blob key/, key);
    }
  });

  it('leaves no temp file after a failed put, and list() never shows temp files', async () => {
    const root = await tempRoot();
    const store = new FsBlobStore(root);
    const data = randomBytes(100_000);
    await assert.rejects(store.put('k', chunked(data), { integrity: sri(Buffer.from('no')) }), BlobIntegrityError);
    assert.deepEqual(await readdir(path.join(root, '.tmp')), []);
    await writeFile(path.join(root, '.tmp', 'stray'), 'left by a crash');
    assert.deepEqual(await collectKeys(store.list('')), []);
  });

  it('a put of the same key again refreshes its modification time (gc must not collect a re-uploaded blob)', async () => {
    const root = await tempRoot();
    const store = new FsBlobStore(root);
    const data = Buffer.from('orphan bytes');
    const key = blobKeyFor(sri(data));
    await store.put(key, data, { integrity: sri(data) });
    const old = new Date(Date.now() - 86_400_000);
    await utimes(path.join(root, ...key.split('/')), old, old);
    assert.equal((await store.stat(key))!.modified.getTime(), old.getTime());
    await store.put(key, data, { integrity: sri(data) });
    assert.ok((await store.stat(key))!.modified.getTime() > Date.now() - 60_000);
  });

  it('sweepUploads() removes only upload leftovers older than the cutoff (dry run removes nothing)', async () => {
    const root = await tempRoot();
    const store = new FsBlobStore(root);
    assert.deepEqual(await store.sweepUploads(new Date()), { removed: 0, bytes: 0 }, 'no .tmp folder yet');
    const data = Buffer.from('x');
    await store.put('kept/blob', data, { integrity: sri(data) });
    const stale = path.join(root, '.tmp', 'stale-upload');
    await writeFile(stale, Buffer.alloc(1234));
    const old = new Date(Date.now() - 7_200_000);
    await utimes(stale, old, old);
    await writeFile(path.join(root, '.tmp', 'in-flight-upload'), Buffer.alloc(10));
    const cutoff = new Date(Date.now() - 3_600_000);
    assert.deepEqual(await store.sweepUploads(cutoff, { dryRun: true }), { removed: 1, bytes: 1234 });
    assert.deepEqual((await readdir(path.join(root, '.tmp'))).sort(), ['in-flight-upload', 'stale-upload']);
    assert.deepEqual(await store.sweepUploads(cutoff), { removed: 1, bytes: 1234 });
    assert.deepEqual(await readdir(path.join(root, '.tmp')), ['in-flight-upload']);
    assert.ok(await store.head('kept/blob'), 'blobs are never touched');
  });

  it('check() rejects with BlobStoreUnavailableError when the root is not a writable directory', async () => {
    const file = path.join(await tempRoot(), 'not-a-dir');
    await writeFile(file, '');
    await assert.rejects(new FsBlobStore(file).check(), BlobStoreUnavailableError);
  });
});

describe('S3BlobStore (s3rver)', function () {
  let server: S3TestServer;
  const stores: S3BlobStore[] = [];
  const s3 = (extra: Partial<ConstructorParameters<typeof S3BlobStore>[0]> = {}) => {
    const store = new S3BlobStore({
      bucket: server.bucket,
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      requestTimeoutMs: 2000,
      ...S3RVER_CREDENTIALS,
      ...extra,
    });
    stores.push(store);
    return store;
  };

  before(async () => {
    server = await startS3Server();
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await server?.stop();
  });

  describeBlobStoreConformance('s3', () =>
    Promise.resolve({ store: s3({ prefix: 'registry' }), dispose: async () => {} }),
  );

  describe('failures', () => {
    it('fails fast with BlobStoreUnavailableError while the server is down, and recovers after restart', async () => {
      const store = s3();
      const data = Buffer.from('before outage');
      await store.put('outage/a', data, { integrity: sri(data) });
      await server.stop();
      try {
        await assertUnavailable('put', () => store.put('outage/b', data, { integrity: sri(data) }));
        await assertUnavailable('get', () => store.get('outage/a'));
        await assertUnavailable('head', () => store.head('outage/a'));
        await assertUnavailable('check', () => store.check());
        await assertUnavailable('list', () => collectKeys(store.list('outage/')));
      } finally {
        await server.restart();
      }
      await store.check();
      await store.put('outage/b', data, { integrity: sri(data) });
      const got = await store.get('outage/b');
      assert.ok(got && (await readAll(got.stream)).equals(data));
    });

    it('times out against an endpoint that accepts connections but never answers', async () => {
      const sockets = new Set<Socket>();
      const blackhole: Server = createServer((s) => sockets.add(s));
      await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
      const { port } = blackhole.address() as { port: number };
      try {
        const store = s3({ endpoint: `http://127.0.0.1:${port}`, requestTimeoutMs: 500 });
        await assertUnavailable('check', () => store.check());
        await assertUnavailable('get', () => store.get('x'));
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => blackhole.close(resolve));
      }
    });

    it('reports a missing bucket as unavailable, and ensureBucket() creates it', async () => {
      const store = s3({ bucket: `missing-${randomBytes(3).toString('hex')}` });
      await assertUnavailable('check', () => store.check());
      await assertUnavailable('get', () => store.get('x'));
      await store.ensureBucket();
      await store.ensureBucket();
      await store.check();
    });

    it('reports bad credentials as unavailable', async () => {
      const store = s3({ accessKeyId: 'nobody', secretAccessKey: 'wrong' });
      await assertUnavailable('check', () => store.check());
      await assertUnavailable('get', () => store.get('x'));
    });
  });
});

describe('blobKeyFor', () => {
  it('maps a sha512 SRI to a fanned-out hex key and refuses other algorithms', () => {
    const integrity = sri(Buffer.from('pkg'));
    const hex = Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex');
    assert.equal(blobKeyFor(integrity), `tarballs/sha512/${hex.slice(0, 2)}/${hex}`);
    assert.throws(() => blobKeyFor(ssri.fromData(Buffer.from('pkg'), { algorithms: ['sha1'] }).toString()));
    assert.throws(() => blobKeyFor('sha512-tooshort'));
  });
});
