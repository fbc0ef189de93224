import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { publishBody, request, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeSkillTarball } from '../helpers/tarballs.js';

const MiB = 1024 * 1024;
const DEPTH_ERROR = { error: 'JSON nesting is deeper than 64 levels' };

/** A login body (a wrong password) of about `bytes` bytes: a field the route ignores pads it. */
const loginBody = (bytes: number, pad = 'x') =>
  JSON.stringify({ username: 'acme', password: 'not the password', pad: pad.repeat(bytes / pad.length) });

/** `[[[…]]]`: about `bytes` bytes of nothing but nesting. */
const nested = (bytes: number) => '['.repeat(bytes / 2) + ']'.repeat(bytes / 2);

/**
 * A POST whose body is sent in pieces, chunked (no Content-Length, so the server cannot refuse it
 * from the headers alone): the first `head` bytes now, the rest when `finish()` is called.
 */
function slowPost(base: string, path: string, body: Buffer, head: number) {
  const url = new URL(path, base);
  const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    // The server may answer and close before the whole body went out: the answer is what counts.
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
  req.write(body.subarray(0, head));
  return {
    answered,
    finish: () => {
      if (!req.destroyed) req.end(body.subarray(head));
      return answered;
    },
  };
}

describe('request bodies: limits by route, JSON depth', function () {
  this.timeout(120_000);
  let r: TestRegistry;
  let acme: string;
  before(async () => {
    r = await startTestRegistry();
    acme = await signup(r.url, 'acme');
  });
  after(() => r.close());

  it('a 5 MB JSON body to /-/api/v1/login: 413, with the API limit of 1 MiB', async () => {
    const res = await request(r.url, 'POST', '/-/api/v1/login', { rawBody: loginBody(5 * MiB) });
    assert.equal(res.status, 413);
    assert.deepEqual(res.body, { error: `Request body is too large (limit ${MiB} bytes)` });
    // Just under the limit the body is read and the login is judged on its merits.
    const fits = await request(r.url, 'POST', '/-/api/v1/login', { rawBody: loginBody(MiB - 100) });
    assert.equal(fits.status, 401, JSON.stringify(fits.body));
  });

  it('/healthz keeps answering while 20 bodies of 5 MB are on their way to the login route', async () => {
    const body = Buffer.from(loginBody(5 * MiB));
    // Each has sent 512 KiB and is still sending when /healthz is asked.
    const flood = Array.from({ length: 20 }, () => slowPost(r.url, '/-/api/v1/login', body, 512 * 1024));
    for (let i = 0; i < 5; i++) {
      const health = await request(r.url, 'GET', '/healthz');
      assert.equal(health.status, 200);
      assert.deepEqual(health.body, { status: 'ok' });
    }
    const answers = await Promise.all(flood.map((f) => f.finish()));
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(20).fill(413),
    );
    assert.deepEqual(JSON.parse(answers[0]!.body), { error: `Request body is too large (limit ${MiB} bytes)` });
  });

  it('a deeply nested 1 MB body: 400 before it is parsed, on the API and on publish', async () => {
    const login = await request(r.url, 'POST', '/-/api/v1/login', { rawBody: nested(MiB - 2) });
    assert.equal(login.status, 400);
    assert.deepEqual(login.body, DEPTH_ERROR);
    const publish = await request(r.url, 'PUT', '/@acme%2fdeep', { token: acme, rawBody: nested(MiB) });
    assert.equal(publish.status, 400);
    assert.deepEqual(publish.body, DEPTH_ERROR);
    // 64 levels are fine: the route itself answers (a login body must be an object).
    const ok = await request(r.url, 'POST', '/-/api/v1/login', { rawBody: nested(128) });
    assert.equal(ok.status, 400);
    assert.notDeepEqual(ok.body, DEPTH_ERROR);
    // Brackets inside strings are not nesting.
    const inString = await request(r.url, 'POST', '/-/api/v1/login', { rawBody: loginBody(10_000, '[{') });
    assert.equal(inString.status, 401, JSON.stringify(inString.body));
  });

  it('a wide body (300,000 empty arrays): 400 before it is parsed', async () => {
    const wide = `[${'[],'.repeat(300_000)}[]]`;
    const res = await request(r.url, 'POST', '/-/api/v1/login', { rawBody: wide });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'JSON has more than 200000 arrays, objects and commas' });
  });

  it('publish keeps the tarball-sized limit: a 3 MB tarball (a 4 MB body) publishes', async () => {
    // Random bytes do not compress: the tarball, and so the base64 in the body, stay big.
    const tgz = makeSkillTarball({ files: { 'data.bin': randomBytes(3 * MiB) } });
    assert.ok(tgz.length > 3 * MiB);
    const res = await request(r.url, 'PUT', '/@acme%2fweather', {
      token: acme,
      body: publishBody('@acme/weather', '1.0.0', tgz),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const file = await request(r.url, 'GET', '/@acme/weather/-/weather-1.0.0.tgz');
    assert.equal(file.status, 200);
    assert.ok(Buffer.compare(file.body as Buffer, tgz) === 0);
    // Only for a signed-in publisher: nobody else may publish, so nobody else sends 4 MB.
    const anonymous = await request(r.url, 'PUT', '/@acme%2fweather', {
      body: publishBody('@acme/weather', '1.0.1', tgz),
    });
    assert.equal(anonymous.status, 413);
  });

  it('every other route has the small limit, package routes that are not publishes included', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(2 * MiB) });
    for (const [method, path] of [
      ['PUT', '/-/user/org.couchdb.user:acme'],
      ['PUT', '/-/package/@acme%2fweather/dist-tags/beta'],
      ['POST', '/-/api/v1/workspaces'],
      ['POST', '/-/api/v1/tokens'],
      ['POST', '/@acme%2fweather'],
    ] as const) {
      const res = await request(r.url, method, path, { token: acme, rawBody: big });
      assert.equal(res.status, 413, `${method} ${path}: ${JSON.stringify(res.body)}`);
    }
  });
});

describe('request bodies: AEROSTACK_BODY_LIMIT_BYTES', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  before(async () => {
    r = await startTestRegistry({ env: { AEROSTACK_BODY_LIMIT_BYTES: '4096' } });
  });
  after(() => r.close());

  it('sets the API limit, and leaves publish alone', async () => {
    const res = await request(r.url, 'POST', '/-/api/v1/signup', { rawBody: loginBody(5000) });
    assert.equal(res.status, 413);
    assert.deepEqual(res.body, { error: 'Request body is too large (limit 4096 bytes)' });
    const acme = await signup(r.url, 'acme');
    const tgz = makeSkillTarball({ files: { 'data.bin': randomBytes(64 * 1024) } });
    const published = await request(r.url, 'PUT', '/@acme%2fweather', {
      token: acme,
      body: publishBody('@acme/weather', '1.0.0', tgz),
    });
    assert.equal(published.status, 201, JSON.stringify(published.body));
  });
});

describe('connections: AEROSTACK_MAX_CONNECTIONS', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  before(async () => {
    r = await startTestRegistry({ env: { AEROSTACK_MAX_CONNECTIONS: '2' } });
  });
  after(() => r.close());

  /** GET /healthz on a connection of its own: the status, or the network error's code. */
  const health = () =>
    new Promise<number | string>((resolve) => {
      const req = http.get(new URL('/healthz', r.url), { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });

  it('closes connections past the cap as they arrive, and serves again once some close', async () => {
    const { port } = new URL(r.url);
    const held = await Promise.all(
      [1, 2].map(
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect(Number(port), '127.0.0.1', () => resolve(s));
            s.on('error', reject);
          }),
      ),
    );
    // Both are accepted and open; the third connection is closed without an answer.
    assert.notEqual(await health(), 200);
    for (const s of held) s.destroy();
    let status: number | string = 'not asked';
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = await health();
      if (status !== 200) await new Promise((done) => setTimeout(done, 50));
    }
    assert.equal(status, 200);
  });
});

describe('connections: AEROSTACK_REQUEST_TIMEOUT_MS', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  before(async () => {
    r = await startTestRegistry({ env: { AEROSTACK_REQUEST_TIMEOUT_MS: '1500' } });
  });
  after(() => r.close());

  it('answers 408 (JSON) to a client whose headers never finish, and closes it', async () => {
    const { port } = new URL(r.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(Number(port), '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
      let got = '';
      s.on('data', (c: Buffer) => (got += c.toString()));
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /Content-Type: application\/json/);
    assert.ok(answer.endsWith(JSON.stringify({ error: 'The request took too long to arrive' })), answer);
  });
});
