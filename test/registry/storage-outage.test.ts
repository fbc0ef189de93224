import assert from 'node:assert/strict';
import { request, publishBody, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { skillTarball } from '../helpers/skills.js';

describe('registry on S3 (s3rver over HTTP), including an outage', function () {
  this.timeout(60_000);
  let s3: S3TestServer;
  let r: TestRegistry;
  let acme: string;

  before(async () => {
    s3 = await startS3Server();
    r = await startTestRegistry({ s3 });
    acme = await signup(r.url, 'acme');
  });
  after(async () => {
    await r?.close();
    await s3?.stop();
  });

  const publish = (v: string) =>
    request(r.url, 'PUT', '/@acme%2fs3skill', {
      token: acme,
      body: publishBody('@acme/s3skill', v, skillTarball('@acme/s3skill', v)),
    });

  it('publishes into the bucket and serves the tarball from it', async () => {
    assert.equal((await publish('1.0.0')).status, 201);
    const file = await request(r.url, 'GET', '/@acme/s3skill/-/s3skill-1.0.0.tgz');
    assert.equal(file.status, 200);
    assert.ok(Buffer.compare(file.body, skillTarball('@acme/s3skill', '1.0.0')) === 0);
  });

  it('with S3 down: publish answers 503 with a clear error, metadata reads keep working, readiness says why', async () => {
    // Published but never downloaded: its bytes are only in the bucket.
    assert.equal((await publish('1.0.1')).status, 201);
    await s3.stop();
    try {
      const res = await publish('1.1.0');
      assert.equal(res.status, 503);
      assert.match(res.body.error, /Object storage is unavailable, nothing was published/);
      assert.equal(res.headers.get('retry-after'), '5');
      const doc = await request(r.url, 'GET', '/@acme/s3skill');
      assert.equal(doc.status, 200);
      assert.deepEqual(Object.keys(doc.body.versions), ['1.0.0', '1.0.1'], 'the failed publish left nothing visible');
      const tgz = await request(r.url, 'GET', '/@acme/s3skill/-/s3skill-1.0.1.tgz');
      assert.equal(tgz.status, 503);
      assert.match(tgz.body.error, /storage is unavailable/i);
      // A tarball already served was kept in memory, checked against its integrity: it still downloads.
      const kept = await request(r.url, 'GET', '/@acme/s3skill/-/s3skill-1.0.0.tgz');
      assert.equal(kept.status, 200);
      assert.ok(kept.body.equals(skillTarball('@acme/s3skill', '1.0.0')));
      const ready = await request(r.url, 'GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.database, 'ok');
      assert.match(ready.body.storage, /^unavailable/);
    } finally {
      await s3.restart();
    }
  });

  it('recovers without restarting the registry once S3 is back', async () => {
    assert.equal((await publish('1.1.0')).status, 201);
    // (This helper's s3rver comes back empty, so the download is of the version published since.)
    const tgz = await request(r.url, 'GET', '/@acme/s3skill/-/s3skill-1.1.0.tgz');
    assert.equal(tgz.status, 200);
    assert.ok(tgz.body.equals(skillTarball('@acme/s3skill', '1.1.0')));
    assert.equal((await request(r.url, 'GET', '/readyz')).status, 200);
  });
});
